"""What people type about themselves and their colleagues, with messages a person understands."""

import re

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm
from django.template import loader

from svtoolkit.accounts.limits import check_password_as_sign_in
from svtoolkit.accounts.models import ROLE_DESCRIPTIONS, Role, User, normalise_email
from svtoolkit.core.errors import DomainError
from svtoolkit.core.forms import (
    CHOOSE_A_LISTED_ORGANISATION,
    EMAIL_MAX_LENGTH,
    EMAIL_TOO_LONG,
    ENTER_AN_EMAIL,
    RevisionChecked,
    choice_field,
    keep_stored_choice,
    model_choice_field,
    text_field,
    tick_box,
    tick_boxes,
)


class SignInForm(AuthenticationForm):
    # Checked here, before any password is: a longer address is no account's, and the failed sign-in it
    # would be cannot be recorded by the lockout (django-axes keeps 255 characters of it).
    username = forms.EmailField(
        label="Email address",
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your email address",
            "invalid": ENTER_AN_EMAIL,
            "max_length": f"An account's email address is {EMAIL_MAX_LENGTH} characters or fewer. Check the "
            "address and try again.",
        },
    )
    password = text_field(
        "Password",
        missing="Enter your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": "The email address or password is not right. Check them and try again.",
        "inactive": "This account has been switched off. Ask your partnership's coordinator for help.",
    }

    def clean_username(self):
        return normalise_email(self.cleaned_data["username"])


class PasswordChangeAsSignInForm(PasswordChangeForm):
    """Django's password change, its current password checked as a sign-in is (lockout, limit, audit)."""

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_old_password(self):
        password = self.cleaned_data["old_password"]
        try:
            check_password_as_sign_in(user=self.user, password=password, request=self.request)
        except DomainError as refused:
            raise forms.ValidationError(refused.message) from None
        return password


class PasswordResetByMessageForm(PasswordResetForm):
    """Django's password reset, its email sent through svtoolkit's delivery layer (retried, and shown if it
    fails) rather than straight from the web process. Its link is built from SITE_URL, as every other
    message's is, never from the Host the request came with. An account single sign-on made has no password:
    it is sent a link too, to set one (password sign-in always stays), where Django's skips it."""

    def get_users(self, email):
        return User.objects.filter(email__iexact=email, is_active=True)

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **_):
        from svtoolkit.accounts.services import send_password_reset

        context = {**context, "site_url": settings.SITE_URL}
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        send_password_reset(
            user=context["user"],
            subject=subject,
            body=loader.render_to_string(email_template_name, context),
            token=context["token"],
        )


class TokenForm(forms.Form):
    token = forms.RegexField(
        label="Code from your authenticator app",
        regex=r"^\s*\d{6}\s*$",
        help_text="The 6-digit code shown in the app, for example 123456.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
        error_messages={
            "required": "Enter the 6-digit code",
            "invalid": "The code must be 6 digits, like 123456",
        },
    )

    def clean_token(self):
        return self.cleaned_data["token"].strip()


class SecondFactorForm(forms.Form):
    """The code asked for at sign-in: from the authenticator app, or one of the backup codes."""

    token = forms.RegexField(
        label="Code from your authenticator app, or a backup code",
        # Six digits, or a backup code: eight letters a to z and digits 2 to 7, as printed or typed in parts.
        regex=r"^\s*(?:\d{6}|(?:[a-zA-Z2-7][\s-]*){8})\s*$",
        help_text="The 6-digit code shown in the app, like 123456. If you cannot use the app, enter one of "
        "your backup codes instead, like abcd2345.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
        error_messages={
            "required": "Enter the 6-digit code from your app, or a backup code",
            "invalid": "Enter the 6 digits from your app, like 123456, or a backup code of 8 letters and "
            "digits, like abcd2345",
        },
    )

    def clean_token(self):
        return re.sub(r"[\s-]", "", self.cleaned_data["token"]).lower()


def role_choices():
    return [(role.value, f"{role.label}: {ROLE_DESCRIPTIONS[role]}") for role in Role]


class MembershipForm(forms.Form):
    """Role and organisation; used for an invitation and for changing a member."""

    role = choice_field("Role", role_choices, radios=True, missing="Choose a role")
    organisation = model_choice_field(
        "Organisation they represent",
        optional="None",
        not_listed=CHOOSE_A_LISTED_ORGANISATION,
        help_text="Required for partners: they see the incidents their organisation takes part in.",
    )

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = partnership.organisations.filter(is_active=True)


class MembershipChangeForm(RevisionChecked, MembershipForm):
    """A member's role and organisation, changed from the revision the page showed; their organisation stays
    offered when no longer active (``keep_stored_choice``)."""

    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        keep_stored_choice(self, "organisation")


class InvitationForm(MembershipForm):
    full_name = text_field("Full name", missing="Enter the person's full name", max_length=150)
    email = forms.EmailField(
        label="Email address",
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"spellcheck": "false"}),
        error_messages={
            "required": "Enter their email address",
            "invalid": ENTER_AN_EMAIL,
            "max_length": EMAIL_TOO_LONG,
        },
    )
    field_order = ["full_name", "email", "role", "organisation"]


class AcceptInvitationForm(forms.Form):
    full_name = text_field("Full name", missing="Enter your full name", max_length=150)
    password1 = text_field(
        "Create a password",
        missing="Create a password",
        strip=False,
        help_text="At least 12 characters. A few unrelated words make a strong password.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = text_field(
        "Confirm password",
        missing="Type the password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "The passwords do not match")
        elif password1:
            from svtoolkit.accounts.models import User

            candidate = User(email=self.email, full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class SwitchPartnershipForm(forms.Form):
    partnership = forms.TypedChoiceField(
        label="Partnership",
        coerce=int,
        error_messages=dict.fromkeys(["required", "invalid_choice"], "Choose one of your partnerships"),
    )

    def __init__(self, *args, memberships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnership"].choices = [(m.partnership_id, m.partnership.name) for m in memberships]


class PartnershipSecurityForm(RevisionChecked, forms.Form):
    require_two_factor = tick_box(
        "Members must use an authenticator app to sign in",
        help_text="Members without one are asked to set it up the next time they sign in.",
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)


# ASCII digits only: ``\d`` would take any script's digits, a number GOV.UK Notify cannot text.
UK_MOBILE = re.compile(r"(?:\+44|0)7[0-9]{9}")
# Quiet hours are typed, and shown again, on the 24-hour clock without seconds.
QUIET_HOURS_FORMAT = "%H:%M"


class ContactPreferencesForm(forms.Form):
    """How a person is reached: their mobile for text messages, the channels and the quiet hours."""

    mobile_number = forms.CharField(
        label="Mobile number",
        required=False,
        max_length=20,
        help_text="For text messages: alerts of a new incident go to it at any hour. Like 07700 900123.",
    )
    receive_email = tick_box("Email me")
    receive_sms = tick_box("Text me")
    quiet_from = forms.TimeField(
        label="Quiet hours start",
        required=False,
        input_formats=[QUIET_HOURS_FORMAT],
        widget=forms.TimeInput(format=QUIET_HOURS_FORMAT),
        help_text="Reminders and other messages that can wait are held until your quiet hours end; alerts "
        "are not. Use the 24-hour clock, for example 22:00.",
    )
    quiet_until = forms.TimeField(
        label="Quiet hours end",
        required=False,
        input_formats=[QUIET_HOURS_FORMAT],
        widget=forms.TimeInput(format=QUIET_HOURS_FORMAT),
        help_text="For example, 07:00.",
    )

    def clean_mobile_number(self):
        number = re.sub(r"[\s()-]", "", self.cleaned_data["mobile_number"])
        if number and not UK_MOBILE.fullmatch(number):
            raise forms.ValidationError("Enter a UK mobile number, like 07700 900123 or +44 7700 900123")
        return number

    def clean(self):
        data = super().clean()
        if data.get("receive_sms") and not data.get("mobile_number") and "mobile_number" not in self.errors:
            self.add_error("mobile_number", "Enter a mobile number to be sent text messages")
        if not data.get("receive_email") and not data.get("receive_sms"):
            self.add_error("receive_email", "Choose at least one way to be reached: email, text or both")
        if bool(data.get("quiet_from")) != bool(data.get("quiet_until")):
            missing = "quiet_until" if data.get("quiet_from") else "quiet_from"
            if missing not in self.errors:
                self.add_error(missing, "Enter both the start and the end of your quiet hours, or neither")
        elif data.get("quiet_from") and data.get("quiet_from") == data.get("quiet_until"):
            self.add_error("quiet_until", "The end of your quiet hours must be different from the start")
        return data


EMAIL_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class DomainListField(forms.CharField):
    """Email domains, one a line (an address's part after the @, like northbridge.gov.uk)."""

    widget = forms.Textarea(attrs={"rows": 4, "spellcheck": "false"})

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=5000, **kwargs)

    def clean(self, value):
        domains = []
        for line in super().clean(value).splitlines():
            domain = line.strip().lower().lstrip("@")
            if not domain:
                continue
            if not EMAIL_DOMAIN.match(domain):
                raise forms.ValidationError(
                    f"“{line.strip()[:60]}” is not an email domain. "
                    "Enter domains like northbridge.gov.uk, one a line."
                )
            if domain not in domains:
                domains.append(domain)
        return domains

    def prepare_value(self, value):
        """Shown one a line: a page's ``initial`` gives the domains as a list, as this field cleans them, so
        that what the page showed compares with what is sent back (``core.forms.RevisionChecked``)."""
        return "\n".join(value) if isinstance(value, (list, tuple)) else value


class SingleSignOnForm(RevisionChecked, forms.Form):
    providers = tick_boxes("Identity providers whose people may sign in", required=False)
    domains = DomainListField(
        label="Email domains that may sign in",
        help_text="One a line, like northbridge.gov.uk. Only people whose provider has verified their email "
        "address in one of these domains can sign in, and only to an account you invited.",
    )
    self_registration_domains = DomainListField(
        label="Email domains whose people may join without an invitation",
        help_text="One a line; each must also be in the list above. They join as viewers, and you choose "
        "their role and organisation afterwards. Leave empty to allow invited people only.",
    )
    accept_identity_provider_mfa = tick_box(
        "Accept the identity provider's multi-factor authentication instead of svtoolkit's two-factor",
        help_text="Only when the provider says the sign-in used more than a password.",
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        if providers:
            self.fields["providers"].choices = [(provider.slug, provider.name) for provider in providers]
        else:
            del self.fields["providers"]
        self.keep_originals()
