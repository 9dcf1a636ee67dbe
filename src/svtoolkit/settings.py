"""Project wiring, read from the environment.

SVTOOLKIT_ENV chooses the mode: ``production`` (the default, safe: DEBUG off, secure cookies, HTTPS),
``demo`` (what `make run` uses: production code paths on http://127.0.0.1 with a generated secret key),
``dev`` (DEBUG on, autoreload) and ``test``. docs/operations.md lists every variable.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF

from svtoolkit.core.sending import claim_seconds

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent

env = environ.Env()
MODE = env.str("SVTOOLKIT_ENV", default="production")
if MODE not in {"production", "demo", "dev", "test"}:
    raise environ.ImproperlyConfigured(f"SVTOOLKIT_ENV must be production, demo, dev or test, not {MODE!r}")
PRODUCTION = MODE == "production"

VAR_DIR = Path(env.str("SVTOOLKIT_VAR_DIR", default=str(PROJECT_DIR / "var")))


def _local_secret_key() -> str:
    """A per-checkout random key for demo and dev use, kept in var/ so sessions survive restarts."""
    from django.core.management.utils import get_random_secret_key

    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(get_random_secret_key())
        key_file.chmod(0o600)
    return key_file.read_text().strip()


if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")
elif MODE == "test":
    SECRET_KEY = "test-only-secret-key-not-for-any-real-deployment-0123456789"
else:
    SECRET_KEY = env.str("SECRET_KEY", default="") or _local_secret_key()

DEBUG = MODE == "dev"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "svtoolkit.core",
    "svtoolkit.accounts",
    "svtoolkit.messaging",
    "svtoolkit.audit",
    "svtoolkit.partnerships",
    "svtoolkit.playbooks",
    "svtoolkit.attachments",
    "svtoolkit.incidents",
    "svtoolkit.alerts",
    "svtoolkit.meetings",
    "svtoolkit.communications",
    "svtoolkit.tension",
    "svtoolkit.recovery",
    "svtoolkit.reports",
    "svtoolkit.regions",
    "svtoolkit.search",
    "svtoolkit.api",
    "svtoolkit.webhooks",
    "svtoolkit.bench",
    "svtoolkit.core.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "svtoolkit.core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "svtoolkit.core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "svtoolkit.accounts.middleware.VerifiedDeviceMiddleware",
    "svtoolkit.core.middleware.NoStoreForSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "svtoolkit.accounts.middleware.SessionLifetimeMiddleware",
    "svtoolkit.accounts.middleware.CurrentPartnershipMiddleware",
    "svtoolkit.accounts.middleware.TwoFactorMiddleware",
    "svtoolkit.access.AccessPolicyMiddleware",
    # After the access checks (its process_view runs after theirs), so a refusal is never a form's result.
    "svtoolkit.core.submissions.OneSubmissionMiddleware",
    # Audits someone trying incident ids that are not theirs to see (once per client per window, counted).
    "svtoolkit.audit.middleware.IncidentNotFoundMiddleware",
    # Axes must come last: it turns a locked-out sign-in into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "svtoolkit.urls"

# Sent on every response (docs/security.md): no page uses the camera, microphone, location, payments or USB.
# Location is off too: scenes are described or picked by ward, never from the device; a map point picker that
# asks for the device's position would change geolocation to (self).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
WSGI_APPLICATION = "svtoolkit.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "svtoolkit.core.context_processors.service",
            ],
            # Every posting form carries {% submission_key %} (core.submissions); {% url %} remembers the
            # addresses it has reversed (core/templatetags/urls.py), |date what it has formatted (dates.py).
            "builtins": [
                "svtoolkit.core.templatetags.submissions",
                "svtoolkit.core.templatetags.urls",
                "svtoolkit.core.templatetags.dates",
            ],
        },
    },
    {
        # Only the rows a page repeats many times (<app>/jinja2/, drawn by {% rows %}): see
        # svtoolkit.core.jinja_rows and docs/decisions/0016.
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "svtoolkit.core.jinja_rows.environment"},
    },
]
# Django's own widget templates through Jinja2, several times cheaper; ours through Django's engine (see
# svtoolkit.core.renderers and docs/decisions/0014).
FORM_RENDERER = "svtoolkit.core.renderers.WidgetRenderer"

# SQLite (WAL mode, under var/) unless DATABASE_URL names another database, such as PostgreSQL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'svtoolkit.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    )
    if MODE != "test":
        VAR_DIR.mkdir(parents=True, exist_ok=True)
elif "postgresql" in DATABASES["default"]["ENGINE"] and not env.bool("DATABASE_JIT", default=False):
    # PostgreSQL compiles any query it costs above jit_above_cost to machine code first: 25 to 140 ms on a
    # busy machine, on pages whose budget is 300 ms, for queries that then run in 35 (the regional dashboard's
    # actions not yet due). No query of the toolkit runs long enough to gain from it; DATABASE_JIT=1 leaves
    # it on (behind a connection pooler that refuses startup options, set jit = off for the role instead).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
if "postgresql" in DATABASES["default"]["ENGINE"] and env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
    # Parameters sent apart from the query (not quoted into it by psycopg), and a statement a connection has
    # run twice is prepared on its third run, so PostgreSQL stops planning it again: planning cost as much as
    # running for the short queries of every page (docs/decisions/0023). Two, not psycopg's five: a
    # connection lives a minute (CONN_MAX_AGE), and what a page runs once or twice (a report, a list of
    # odd length) still never takes one of the connection's 100 prepared statements. DATABASE_PREPARED_
    # STATEMENTS=0 goes back to Django's defaults, for a pooler in transaction mode that cannot keep them.
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=2)
# Each server thread keeps its connection between requests: opening one (and, on SQLite, setting its pragmas
# again) cost every request about 2 ms.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# Seconds Redis has to accept a connection and to answer one command. A hung Redis then costs a request this
# long, not minutes; after a failure the cache stops asking Redis for SVTOOLKIT_REDIS_RETRY_SECONDS (each
# process), so other requests fail at once and get the "service unavailable" page (core.views.server_error).
REDIS_TIMEOUT = env.float("SVTOOLKIT_REDIS_TIMEOUT", default=1.0)
REDIS_RETRY_SECONDS = env.float("SVTOOLKIT_REDIS_RETRY_SECONDS", default=5.0)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "svtoolkit.core.cache.FailFastRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions are kept in the database; with Redis they are read from Redis too (accounts.sessions), so most
# requests read no session row. A Redis outage neither signs anyone out nor makes signing in fail. Either way
# a changed session is saved with one UPDATE (accounts.db_sessions without Redis).
SESSION_ENGINE = "svtoolkit.accounts.sessions" if REDIS_URL else "svtoolkit.accounts.db_sessions"

# Background tasks: rows in the database (one machine), or, for more than one machine, an RQ queue in Redis.
# Either way `svtoolkit worker` runs them (db_worker or rqworker, with the scheduler of the scheduled jobs).
# Alerts have a queue and a worker of their own (core.queueing.ALERTS_QUEUE): an alert's first send and its
# escalation never wait behind ordinary messages held up by a slow mail server.
TASK_QUEUES = ["default", "alerts"]
TASK_QUEUE = env.str("SVTOOLKIT_TASK_QUEUE", default="database")
if TASK_QUEUE not in {"database", "redis"}:
    raise environ.ImproperlyConfigured(f"SVTOOLKIT_TASK_QUEUE must be database or redis, not {TASK_QUEUE!r}")
if TASK_QUEUE == "redis" and not REDIS_URL:
    raise environ.ImproperlyConfigured("SVTOOLKIT_TASK_QUEUE=redis needs REDIS_URL.")
if MODE == "test" and TASK_QUEUE == "database":
    TASK_BACKEND = "django_tasks.backends.immediate.ImmediateBackend"
elif TASK_QUEUE == "redis":
    TASK_BACKEND = "django_tasks_rq.RQBackend"
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    # The same timeouts for the queue (redis-py reads them from the address); RQ's worker raises its own read
    # timeout above the time it blocks waiting for a job.
    _timeouts = f"socket_connect_timeout={REDIS_TIMEOUT}&socket_timeout={REDIS_TIMEOUT}"
    RQ_QUEUES = {
        queue: {"URL": f"{REDIS_URL}{'&' if '?' in REDIS_URL else '?'}{_timeouts}"} for queue in TASK_QUEUES
    }
else:
    TASK_BACKEND = "django_tasks_db.DatabaseBackend"
TASKS = {"default": {"BACKEND": TASK_BACKEND, "QUEUES": TASK_QUEUES}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend reading the signed-in person by a statement built once (docs/decisions/0020).
    "svtoolkit.accounts.backends.PersonBackend",
    # Single sign-on: answers only the callback of a sign-in started with one of SSO_PROVIDERS.
    "svtoolkit.accounts.sso.SingleSignOnBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if MODE == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2
INVITATION_VALID_DAYS = env.int("SVTOOLKIT_INVITATION_VALID_DAYS", default=7)
# A region's critical-incident fund: the most it grants for one incident, in whole pounds, until the region
# sets its own limit (docs/user-guide-region-fund.md).
REGION_FUND_LIMIT_PER_INCIDENT = env.int("SVTOOLKIT_REGION_FUND_LIMIT_PER_INCIDENT", default=5000)

# Sessions end after this many seconds without a request the person made (SessionLifetimeMiddleware renews
# the session on each one; background polling, such as the incident page's live panel, does not renew it), and
# in any case this many hours after signing in.
SESSION_COOKIE_AGE = env.int("SVTOOLKIT_SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_ABSOLUTE_SECONDS = env.int("SVTOOLKIT_SESSION_ABSOLUTE_HOURS", default=12) * 60 * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# A form whose security token is stale gets a page that explains and gives back what was typed.
CSRF_FAILURE_VIEW = "svtoolkit.core.views.csrf_failure"

# Sign-in lockout (django-axes): five failures for one account lock it for fifteen minutes.
AXES_FAILURE_LIMIT = env.int("SVTOOLKIT_LOCKOUT_FAILURES", default=5)
AXES_COOLOFF_TIME = env.int("SVTOOLKIT_LOCKOUT_MINUTES", default=15) / 60
# By account, not by network address: partners share council and NHS networks, and locking an
# address would lock out a whole organisation during an incident.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_CALLABLE = "svtoolkit.accounts.lockout.attempted_email"
# The key Django's authenticate() and the sign-in form give the address: axes then finds it in the
# credentials it checks for a lockout as in those of a failure, not only in a form field named so (the
# password-change page checks the current password through authenticate() too).
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Behind a load balancer or proxy, set SVTOOLKIT_PROXY_COUNT to the number of trusted proxies that append to
# X-Forwarded-For: lockouts and the audit log then record the client's address (the Nth from the right), not
# the proxy's, and ignore what the client wrote into the header itself (svtoolkit.audit.services.client_ip).
SVTOOLKIT_PROXY_COUNT = env.int("SVTOOLKIT_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "svtoolkit.audit.services.client_ip"

# Single sign-on with OpenID Connect (docs/single-sign-on.md). SVTOOLKIT_SSO_PROVIDERS names the identity
# providers, for example "entra,police"; each is configured by SVTOOLKIT_SSO_<NAME>_... variables (the name
# in capitals, "-" as "_"). Endpoints not given are read from the issuer's discovery document. Partnerships
# then say which of these providers, and which email domains, may sign in to them.
SSO_PROVIDERS = {}
for _slug in env.list("SVTOOLKIT_SSO_PROVIDERS", default=[]):
    _slug = _slug.strip().lower()
    if not _slug.replace("-", "").isalnum() or len(_slug) > 30:
        raise environ.ImproperlyConfigured(
            f"SVTOOLKIT_SSO_PROVIDERS: {_slug!r} is not a short name like entra."
        )
    _prefix = f"SVTOOLKIT_SSO_{_slug.upper().replace('-', '_')}_"
    SSO_PROVIDERS[_slug] = {
        "name": env.str(_prefix + "DISPLAY_NAME", default=_slug),
        "issuer": env.str(_prefix + "ISSUER").rstrip("/"),
        "client_id": env.str(_prefix + "CLIENT_ID"),
        "client_secret": env.str(_prefix + "CLIENT_SECRET"),
        "scopes": env.str(_prefix + "SCOPES", default="openid email profile"),
        "sign_algorithm": env.str(_prefix + "SIGN_ALGORITHM", default="RS256"),
        # The claim that says the provider checked the email address (Entra ID: xms_edov).
        "email_verified_claim": env.str(_prefix + "EMAIL_VERIFIED_CLAIM", default="email_verified"),
        # A sign-in counts as multi-factor when `amr` holds one of these, or `acr` is one of those.
        "mfa_amr_values": env.list(_prefix + "MFA_AMR_VALUES", default=["mfa"]),
        "mfa_acr_values": env.list(_prefix + "MFA_ACR_VALUES", default=[]),
        "authorization_endpoint": env.str(_prefix + "AUTHORIZATION_ENDPOINT", default=""),
        "token_endpoint": env.str(_prefix + "TOKEN_ENDPOINT", default=""),
        "userinfo_endpoint": env.str(_prefix + "USERINFO_ENDPOINT", default=""),
        "jwks_uri": env.str(_prefix + "JWKS_URI", default=""),
    }
# mozilla-django-oidc, which does the OpenID Connect flow: one callback address for every provider (the state
# says which provider a sign-in was started with), PKCE and a nonce on every sign-in.
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:sso_callback"
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_TIMEOUT = env.int("SVTOOLKIT_SSO_TIMEOUT", default=10)

# Rate limits (docs/security.md), each "<count>/<period>" with the period in s, m, h or d and an optional
# multiple ("30/15m"), or "off"; counted in the cache above: with REDIS_URL every server counts together,
# without it each process counts alone. Past a limit the answer is 429 with Retry-After and when to try again.
# Failed sign-ins from one client address (any accounts) before it must wait for the window to end.
SVTOOLKIT_RATE_SIGN_IN_PER_CLIENT = env.str("SVTOOLKIT_RATE_SIGN_IN_PER_CLIENT", default="30/15m")
# Requests for a password-reset link: from one client address, and for one email address.
SVTOOLKIT_RATE_PASSWORD_RESET_PER_CLIENT = env.str("SVTOOLKIT_RATE_PASSWORD_RESET_PER_CLIENT", default="20/h")
SVTOOLKIT_RATE_PASSWORD_RESET_PER_ADDRESS = env.str(
    "SVTOOLKIT_RATE_PASSWORD_RESET_PER_ADDRESS", default="5/h"
)
# API requests with one personal token (or one person's session, on the API docs page).
SVTOOLKIT_RATE_API_PER_TOKEN = env.str("SVTOOLKIT_RATE_API_PER_TOKEN", default="1200/h")
# What comes in floods (API tokens refused, incident ids not found, requests refused by these limits) is
# audited once per client per this many minutes, with a count, not once per request.
SVTOOLKIT_AUDIT_COUNT_MINUTES = env.int("SVTOOLKIT_AUDIT_COUNT_MINUTES", default=15)
# If the cache cannot be reached, the limits stand aside rather than refuse everyone; the per-account
# lockout (kept in the database) still holds.
RATELIMIT_FAIL_OPEN = True

OTP_TOTP_ISSUER = "svtoolkit"
# Personal API tokens last this many days unless their owner chooses otherwise when making one.
API_TOKEN_DEFAULT_DAYS = env.int("SVTOOLKIT_API_TOKEN_DAYS", default=90)
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Security headers. Production serves over HTTPS only; demo/dev/test run on plain http://127.0.0.1.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy: our own scripts and styles only, nothing inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="smtp://localhost:25" if PRODUCTION else "consolemail://")
if EMAIL_CONFIG["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend":
    # Django's, with the send timeout bounding the whole exchange, not each of its round trips.
    EMAIL_CONFIG["EMAIL_BACKEND"] = "svtoolkit.messaging.smtp.EmailBackend"
vars().update(EMAIL_CONFIG)
# The delivery layer (svtoolkit.messaging): every email and text message goes through it. Email goes by SMTP
# (EMAIL_URL) or GOV.UK Notify; text messages by Notify. "outbox" keeps messages on the outbox page instead of
# sending them (the demo); an empty SMS provider switches text messages off.
NOTIFY_API_KEY = env.str("NOTIFY_API_KEY", default="")
NOTIFY_BASE_URL = env.str("NOTIFY_BASE_URL", default="https://api.notifications.service.gov.uk")
NOTIFY_EMAIL_TEMPLATE_ID = env.str("NOTIFY_EMAIL_TEMPLATE_ID", default="")
NOTIFY_SMS_TEMPLATE_ID = env.str("NOTIFY_SMS_TEMPLATE_ID", default="")
SVTOOLKIT_EMAIL_PROVIDER = env.str(
    "SVTOOLKIT_EMAIL_PROVIDER",
    default="outbox" if MODE in {"demo", "dev"} and "EMAIL_URL" not in env.ENVIRON else "smtp",
)
SVTOOLKIT_SMS_PROVIDER = env.str(
    "SVTOOLKIT_SMS_PROVIDER", default="notify" if NOTIFY_API_KEY else ("" if PRODUCTION else "outbox")
)
for _provider_setting in ("SVTOOLKIT_EMAIL_PROVIDER", "SVTOOLKIT_SMS_PROVIDER"):
    if vars()[_provider_setting] not in {"smtp", "notify", "outbox", ""}:
        raise environ.ImproperlyConfigured(f"{_provider_setting} must be smtp, notify, outbox or empty.")
# Seconds a mail server or Notify has for one whole send (core.sending derives the claim from it); a delivery
# is tried this many times.
SVTOOLKIT_SEND_TIMEOUT = env.int("SVTOOLKIT_SEND_TIMEOUT", default=20)
EMAIL_TIMEOUT = SVTOOLKIT_SEND_TIMEOUT
SVTOOLKIT_DELIVERY_ATTEMPTS = env.int("SVTOOLKIT_DELIVERY_ATTEMPTS", default=10)
# Seconds Notify has to say what became of one message it took (messaging.delivery.check_notify_statuses);
# a sweep asks about no more messages after SVTOOLKIT_NOTIFY_STATUS_SECONDS, the rest waiting for the next.
SVTOOLKIT_NOTIFY_STATUS_TIMEOUT = env.int("SVTOOLKIT_NOTIFY_STATUS_TIMEOUT", default=5)
SVTOOLKIT_NOTIFY_STATUS_SECONDS = 30
# Outbound webhooks (svtoolkit.webhooks): seconds an endpoint has to answer, and how many tries it gets.
# Outside production an endpoint may be on plain http and on a private network (a test server, a local tool).
SVTOOLKIT_WEBHOOK_TIMEOUT = env.int("SVTOOLKIT_WEBHOOK_TIMEOUT", default=10)
SVTOOLKIT_WEBHOOK_ATTEMPTS = env.int("SVTOOLKIT_WEBHOOK_ATTEMPTS", default=8)
SVTOOLKIT_WEBHOOK_ALLOW_HTTP = env.bool("SVTOOLKIT_WEBHOOK_ALLOW_HTTP", default=not PRODUCTION)
SVTOOLKIT_WEBHOOK_ALLOW_PRIVATE_NETWORKS = env.bool(
    "SVTOOLKIT_WEBHOOK_ALLOW_PRIVATE_NETWORKS", default=not PRODUCTION
)
# A sweep, or a task sending new messages or events, claims no delivery after this many seconds
# (core.sending); the next sweep, a minute later, sends the rest. RQ's job timeout leaves room after it for
# the longest claim of one send, and for a sweep's asking Notify, so it never fires in the middle of a send
# (the database queue has none).
SVTOOLKIT_SENDING_SECONDS = 120
if TASK_QUEUE == "redis":
    for _queue in RQ_QUEUES.values():  # the alerts' sweeps too, which would otherwise have RQ's 180 seconds
        _queue["DEFAULT_TIMEOUT"] = (
            SVTOOLKIT_SENDING_SECONDS
            + claim_seconds(max(SVTOOLKIT_SEND_TIMEOUT, SVTOOLKIT_WEBHOOK_TIMEOUT))
            + SVTOOLKIT_NOTIFY_STATUS_SECONDS
            + SVTOOLKIT_NOTIFY_STATUS_TIMEOUT
        )
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="svtoolkit <no-reply@svtoolkit.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Links in messages (invitations, password resets, reminders) are built from this address: the task
# worker has no request to take the host from, and a request's Host is not to be trusted for them.
SITE_URL = (
    env.str("SITE_URL") if PRODUCTION else env.str("SITE_URL", default="http://127.0.0.1:8000")
).rstrip("/")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# Scheduled jobs (reminders, the retention job) are run by the task worker (`svtoolkit worker`); see
# "Scheduled work" in docs/operations.md. Their times are in SCHEDULE_TIMEZONE. SVTOOLKIT_SCHEDULE moves a job
# or switches it off: "recovery.send_recovery_reminders=0 6 * * *; recovery.erase_expired_personal_data=off".
SCHEDULE_TIMEZONE = env.str("SVTOOLKIT_SCHEDULE_TIMEZONE", default=TIME_ZONE)
_schedule_entries = env.str("SVTOOLKIT_SCHEDULE", default="").split(";")
SCHEDULE_OVERRIDES = {
    name.strip(): when.strip()
    for name, _, when in (entry.partition("=") for entry in _schedule_entries)
    if name.strip()
}

# Uploaded files: attachments (`svtoolkit backup` includes whatever is here). With SVTOOLKIT_S3_BUCKET set
# they are kept in S3-compatible object storage instead (django-storages, the optional `s3` extra): see
# "Attachments" in docs/operations.md.
MEDIA_ROOT = Path(env.str("SVTOOLKIT_MEDIA_ROOT", default=str(VAR_DIR / "media")))
# `svtoolkit backup` writes one .tar archive here (see "Backup and restore" in docs/operations.md). The
# nightly backup (core.back_up_nightly, 00:15) runs only when SVTOOLKIT_BACKUP_NIGHTLY is on, and then
# deletes the archives here older than SVTOOLKIT_BACKUP_KEEP_DAYS.
BACKUP_DIR = Path(env.str("SVTOOLKIT_BACKUP_DIR", default=str(VAR_DIR / "backups")))
BACKUP_NIGHTLY = env.bool("SVTOOLKIT_BACKUP_NIGHTLY", default=False)
BACKUP_KEEP_DAYS = env.int("SVTOOLKIT_BACKUP_KEEP_DAYS", default=14)

STATIC_URL = "/static/"
# Test and dev serve straight from the build through the finders, so there is nothing to collect.
STATIC_ROOT = (
    None if MODE in {"test", "dev"} else Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
)
STATICFILES_DIRS = [PROJECT_DIR / "build" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if MODE in {"test", "dev"}
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = MODE in {"test", "dev"}
S3_BUCKET = env.str("SVTOOLKIT_S3_BUCKET", default="")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("SVTOOLKIT_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("SVTOOLKIT_S3_REGION", default="") or None,
            "access_key": env.str("SVTOOLKIT_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("SVTOOLKIT_S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("SVTOOLKIT_S3_PREFIX", default=""),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# Attachments: the largest file taken, and ClamAV's clamd to scan each one before it is kept (a unix socket,
# or a host and port). With neither set, files are not scanned (docs/security.md says what that means).
ATTACHMENT_MAX_BYTES = env.int("SVTOOLKIT_ATTACHMENT_MAX_MB", default=20) * 1024 * 1024
CLAMAV_SOCKET = env.str("SVTOOLKIT_CLAMAV_SOCKET", default="")
CLAMAV_HOST = env.str("SVTOOLKIT_CLAMAV_HOST", default="")
CLAMAV_PORT = env.int("SVTOOLKIT_CLAMAV_PORT", default=3310)
CLAMAV_TIMEOUT = env.float("SVTOOLKIT_CLAMAV_TIMEOUT", default=30.0)

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# The protective marking shown on every page that carries partnership data.
PROTECTIVE_MARKING = env.str("SVTOOLKIT_PROTECTIVE_MARKING", default="OFFICIAL-SENSITIVE")
SERVICE_NAME = "Serious Violence Incident Toolkit"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # A personal token (Authorization: Bearer) for programs; the session, with CSRF, for the docs page.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "svtoolkit.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only: DRF's own browsable pages use inline styles the Content-Security-Policy forbids. People
    # browse and try the API on /api/docs/ (Swagger UI from our own files) with their session instead.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON nested deeper than a body needs is refused with a 400 (svtoolkit.api.parsers), not a 500.
    "DEFAULT_PARSER_CLASSES": [
        "svtoolkit.api.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "svtoolkit.api.pagination.Pages",
    # SVTOOLKIT_RATE_API_PER_TOKEN requests per token; past it 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": ["svtoolkit.api.throttling.PerTokenThrottle"],
    # A service's DomainError is 400 and its EditConflict 409, translated here for every view.
    "EXCEPTION_HANDLER": "svtoolkit.api.base.handle_exception",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "svtoolkit API",
    "DESCRIPTION": (
        "The Serious Violence Incident Toolkit's REST API: incidents and their scenes, plan actions, "
        "timeline, decisions, meetings, messages and tension readings, and the partner directory. It follows "
        "the same access rules as the web pages. People affected are not in the API. See docs/api.md."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Operations are grouped (tagged) by the resource after /api/v1/: incidents, organisations, contacts.
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # A PATCH needs the revision read, and every operation lists its errors: declared once, for all.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "svtoolkit.api.schema.patches_need_their_revision_and_errors_are_declared",
    ],
    "ENUM_NAME_OVERRIDES": {
        "IncidentStatusEnum": "svtoolkit.incidents.models.IncidentStatus",
        "ActionStatusEnum": "svtoolkit.incidents.models.ActionStatus",
        "MeetingStatusEnum": "svtoolkit.meetings.models.MeetingStatus",
        "MessageStatusEnum": "svtoolkit.communications.models.MessageStatus",
        "MeetingKindEnum": "svtoolkit.meetings.models.MeetingKind",
        "MessageKindEnum": "svtoolkit.communications.models.MessageKind",
        "MeasureKindEnum": "svtoolkit.incidents.models.MeasureKind",
        "PlaceKindEnum": "svtoolkit.incidents.models.PlaceKind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusals_on_one_line": {"()": "svtoolkit.core.logfilters.RefusalsOnOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs each step of every PDF at INFO; APScheduler each of the scheduler's ticks.
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "apscheduler": {"level": "WARNING"},
        # 403 and 404 as one line each, without the traceback Django attaches to them.
        "django.request": {"filters": ["refusals_on_one_line"]},
    },
}
