import hashlib

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from svtoolkit.core.personal_data import PUBLIC_TASK, PersonalData


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=normalise_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email=normalise_email(username))


def normalise_email(email: str) -> str:
    """Email addresses are compared without regard to case or surrounding space."""
    return email.strip().lower()


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email address."""

    personal_data = PersonalData(
        about="People who use svtoolkit: partnership staff and partners.",
        fields=("email", "full_name", "mobile_number"),
        who_may_see=(
            "The person; members of the partnerships they belong to see their name on the records they made."
        ),
        lawful_basis=PUBLIC_TASK,
        retention=(
            "While the account is in use; a deactivated account keeps the name on records it made, for "
            "accountability."
        ),
    )

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="May sign in to the Django admin (superusers only)."
    )
    date_joined = models.DateTimeField(default=timezone.now)
    # How the person is reached (svtoolkit.messaging): alerts go by text and email at any hour; anything
    # else by the channels they chose, held until their quiet hours end.
    mobile_number = models.CharField(max_length=20, blank=True)
    receive_email = models.BooleanField(default=True)
    receive_sms = models.BooleanField(default=False)
    quiet_from = models.TimeField(null=True, blank=True)
    quiet_until = models.TimeField(null=True, blank=True)
    # Moved by accounts.principal.forget_access_of whenever the person's memberships, regional roles or
    # authenticators change: it keys what every request knows of them in the cache.
    access_version = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        # Every sign-in and invitation looks the address up normalised: one typed in the admin is kept so too
        # (and then checked as unique), or no sign-in would find it.
        super().clean()
        self.email = normalise_email(self.email)

    def save(self, *args, **kwargs):
        # A user read before a change to their access must not write its older access version back.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "access_version"
            ]
        super().save(*args, **kwargs)

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


def forget_access_of(user_ids) -> None:
    """The people's memberships, roles or authenticators changed: their next request reads them afresh
    (accounts.principal keeps them in the cache under ``access_version``)."""
    User.objects.filter(pk__in=user_ids).update(access_version=F("access_version") + 1)


class AccessQuerySet(models.QuerySet):
    """The rows of a model that makes up what people may do (a membership, a partnership, an organisation, a
    region or a regional role), kept in the cache between requests (accounts.principal). Their post_save
    and post_delete receivers move the access version of those concerned; an ``update()``,
    ``bulk_create()`` or ``bulk_update()`` sends neither, so it moves the versions itself, in its own
    transaction: no caller can forget to, and a person removed or given a lower role meets it on their next
    request. The model names the path from a row to those people in ``ACCESS_OF`` (``"user"``,
    ``"memberships__user"``)."""

    def update(self, **changes) -> int:
        with transaction.atomic(using=self.db, savepoint=False):
            rows = list(self.values_list("pk", flat=True))
            # Before and after: an update may move a row from one person to another.
            before = self._people_of(rows)
            updated = super().update(**changes)
            if updated:
                forget_access_of(before | self._people_of(rows))
        return updated

    def bulk_create(self, objs, *args, **kwargs):
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            forget_access_of(self._people_of([obj.pk for obj in created if obj.pk is not None]))
        return created

    def bulk_update(self, objs, fields, *args, **kwargs) -> int:
        objs = list(objs)
        rows = [obj.pk for obj in objs]
        with transaction.atomic(using=self.db, savepoint=False):
            before = self._people_of(rows)
            updated = super().bulk_update(objs, fields, *args, **kwargs)
            forget_access_of(before | self._people_of(rows))
        return updated

    def _people_of(self, rows) -> set[int]:
        if not rows:
            return set()
        path = self.model.ACCESS_OF
        people = self.model._base_manager.using(self.db).filter(pk__in=rows).values_list(path, flat=True)
        return {person for person in people if person is not None}


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Coordinator"
    RESPONDER = "responder", "Responder"
    PARTNER = "partner", "Partner"
    VIEWER = "viewer", "Viewer"


ROLE_DESCRIPTIONS = {
    Role.COORDINATOR: "Runs the partnership's set-up: members, directory, checklist and audit log.",
    Role.RESPONDER: "Leads and works incidents.",
    Role.PARTNER: "Works the incidents their organisation takes part in.",
    Role.VIEWER: "Reads, but changes nothing.",
}


class Membership(models.Model):
    """A person's role in one partnership, and the organisation they represent there."""

    # Who a change to it concerns (AccessQuerySet).
    ACCESS_OF = "user"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        "partnerships.Organisation",
        on_delete=models.PROTECT,
        related_name="memberships",
        null=True,
        blank=True,
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    # Goes up with every change of role or organisation, so two coordinators changing one member at once
    # cannot overwrite each other.
    revision = models.PositiveIntegerField(default=1)

    objects = AccessQuerySet.as_manager()

    class Meta:
        ordering = ["partnership__name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "partnership"], name="one_membership_per_partnership")
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} in {self.partnership}"


class Invitation(models.Model):
    """An emailed invitation to join a partnership; the link carries a secret whose hash is kept here."""

    personal_data = PersonalData(
        about="People invited to join a partnership.",
        fields=("email", "full_name"),
        who_may_see="The partnership's coordinators.",
        lawful_basis=PUBLIC_TASK,
        retention="Until the invitation is accepted or withdrawn.",
    )

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    full_name = models.CharField(max_length=150)
    role = models.CharField(max_length=16, choices=Role.choices)
    organisation = models.ForeignKey(
        "partnerships.Organisation", on_delete=models.PROTECT, null=True, blank=True
    )
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Invitation for {self.email} to {self.partnership}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class SignInDomain(models.Model):
    """An email domain whose people may sign in to a partnership with single sign-on; with self-registration,
    someone from it who was not invited joins as a viewer."""

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="sign_in_domains"
    )
    domain = models.CharField(max_length=253)
    self_registration = models.BooleanField(default=False)

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "domain"], name="one_sign_in_domain_per_partnership"
            )
        ]

    def __str__(self):
        return self.domain
