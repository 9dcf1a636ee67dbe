"""Who may GET each page: status by URL name and role (the access-matrix and accessibility walks use it)."""

from tests.access_expectations_base import (  # noqa: F401  (ROLES and SIGNED_IN are used by importers)
    COORDINATOR_ONLY,
    COORDINATOR_ONLY_POST,
    EVERYONE_200,
    POST_ONLY_SIGNED_IN,
    REGIONAL_ROLES,
    ROLES,
    SIGNED_IN,
    SIGNED_IN_200,
)

# GET status by URL name and role.
EXPECTED = {
    "core:home": SIGNED_IN_200,
    "core:accessibility": EVERYONE_200,
    "core:privacy": EVERYONE_200,
    "core:cookies": EVERYONE_200,
    "core:healthz": EVERYONE_200,
    "accounts:login": EVERYONE_200,
    "accounts:logout": POST_ONLY_SIGNED_IN,
    "accounts:password_reset": EVERYONE_200,
    "accounts:password_reset_done": EVERYONE_200,
    "accounts:password_reset_confirm": EVERYONE_200,
    "accounts:password_reset_complete": EVERYONE_200,
    "accounts:account": SIGNED_IN_200,
    "accounts:password_change": SIGNED_IN_200,
    "accounts:contact_preferences": SIGNED_IN_200,
    "messaging:mine": SIGNED_IN_200,
    "messaging:log": COORDINATOR_ONLY,
    "messaging:resend": COORDINATOR_ONLY_POST,
    "accounts:password_change_done": SIGNED_IN_200,
    "accounts:two_factor_setup": SIGNED_IN_200,
    "accounts:two_factor_verify": SIGNED_IN_200,
    "accounts:two_factor_remove": POST_ONLY_SIGNED_IN,
    "accounts:backup_codes": SIGNED_IN_200,
    "accounts:switch_partnership": POST_ONLY_SIGNED_IN,
    "accounts:accept_invitation": EVERYONE_200,
    "accounts:members": COORDINATOR_ONLY,
    "accounts:invite": COORDINATOR_ONLY,
    "accounts:revoke_invitation": COORDINATOR_ONLY_POST,
    "accounts:member_edit": COORDINATOR_ONLY,
    "accounts:member_remove": COORDINATOR_ONLY,
    "accounts:partnership_security": COORDINATOR_ONLY,
    "accounts:partnership_sso": COORDINATOR_ONLY,
    # Single sign-on: no identity provider is set up in the tests' settings, so starting one is not found;
    # the callback without a sign-in started goes to the refusal page, which anyone may see.
    "accounts:sso_start": dict.fromkeys(ROLES, 404),
    "accounts:sso_callback": dict.fromkeys(ROLES, 302),
    "accounts:sso_refused": EVERYONE_200,
    "audit:log": COORDINATOR_ONLY,
}

# Each app's pages are listed in its own module, beside its tests.
from tests.alerts.access import EXPECTED as ALERTS_EXPECTED  # noqa: E402
from tests.api.access import EXPECTED as API_EXPECTED  # noqa: E402
from tests.api.access import NOT_PAGES as API_NOT_PAGES  # noqa: E402
from tests.attachments.access import EXPECTED as ATTACHMENTS_EXPECTED  # noqa: E402
from tests.attachments.access import NOT_PAGES as ATTACHMENTS_NOT_PAGES  # noqa: E402
from tests.communications.access import EXPECTED as COMMUNICATIONS_EXPECTED  # noqa: E402
from tests.incidents.access import EXPECTED as INCIDENT_EXPECTED  # noqa: E402
from tests.meetings.access import EXPECTED as MEETING_EXPECTED  # noqa: E402
from tests.partnerships.access import EXPECTED as DIRECTORY_EXPECTED  # noqa: E402
from tests.playbooks.access import EXPECTED as PLAYBOOK_EXPECTED  # noqa: E402
from tests.recovery.access import EXPECTED as RECOVERY_EXPECTED  # noqa: E402
from tests.regions.access import ELSEWHERE as REGIONAL_ELSEWHERE  # noqa: E402
from tests.regions.access import ELSEWHERE_DEFAULT as REGIONAL_ELSEWHERE_DEFAULT  # noqa: E402
from tests.regions.access import EXPECTED as REGIONS_EXPECTED  # noqa: E402
from tests.regions.fund_access import EXPECTED as FUND_EXPECTED  # noqa: E402
from tests.regions.fund_access import NOT_PAGES as FUND_NOT_PAGES  # noqa: E402
from tests.reports.access import DATA as REPORTS_DATA  # noqa: E402
from tests.reports.access import EXPECTED as REPORTS_EXPECTED  # noqa: E402
from tests.reports.access import NOT_PAGES as REPORTS_NOT_PAGES  # noqa: E402
from tests.search.access import EXPECTED as SEARCH_EXPECTED  # noqa: E402
from tests.tension.access import EXPECTED as TENSION_EXPECTED  # noqa: E402
from tests.webhooks.access import EXPECTED as WEBHOOKS_EXPECTED  # noqa: E402

EXPECTED.update(DIRECTORY_EXPECTED)
EXPECTED.update(PLAYBOOK_EXPECTED)
EXPECTED.update(INCIDENT_EXPECTED)
EXPECTED.update(ALERTS_EXPECTED)
EXPECTED.update(MEETING_EXPECTED)
EXPECTED.update(COMMUNICATIONS_EXPECTED)
EXPECTED.update(TENSION_EXPECTED)
EXPECTED.update(RECOVERY_EXPECTED)
EXPECTED.update(REPORTS_EXPECTED)
EXPECTED.update(SEARCH_EXPECTED)
EXPECTED.update(API_EXPECTED)
EXPECTED.update(WEBHOOKS_EXPECTED)
EXPECTED.update(ATTACHMENTS_EXPECTED)

# The regional roles hold no partnership membership: every page but the regional ones answers them as
# tests/regions/access.py says (refused, but for what any signed-in person has).
for _name, _statuses in list(EXPECTED.items()):
    _elsewhere = REGIONAL_ELSEWHERE.get(_name, REGIONAL_ELSEWHERE_DEFAULT)
    EXPECTED[_name] = {**_statuses, **dict.fromkeys(REGIONAL_ROLES, _elsewhere)}
EXPECTED.update(REGIONS_EXPECTED)
EXPECTED.update(FUND_EXPECTED)

# Data for machines or for a page's script (JSON): neither pages nor files a person downloads.
DATA_NOT_FILES = {"core:healthz", *REPORTS_DATA}
# Answers that are not pages (that data, files to download): the accessibility walk skips them.
NOT_PAGES = (
    {
        *DATA_NOT_FILES,
        "meetings:calendar",
        "recovery:feed",
        *REPORTS_NOT_PAGES,
        *FUND_NOT_PAGES,
    }
    | API_NOT_PAGES
    | ATTACHMENTS_NOT_PAGES
)
