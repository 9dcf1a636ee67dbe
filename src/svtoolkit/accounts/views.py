"""Sign-in, two-factor, account, members and invitations. Thin: rules live in services and access."""

import base64

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from svtoolkit import access
from svtoolkit.accounts import forms, selectors, services, sso
from svtoolkit.accounts.limits import password_reset_limited, sign_in_limited
from svtoolkit.accounts.middleware import PARTNERSHIP_SESSION_KEY
from svtoolkit.accounts.models import Role
from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record
from svtoolkit.core.forms import (
    errors_as_message,
    errors_shown_by_page,
    errors_shown_on,
    initial_from,
    revised,
)
from svtoolkit.core.pages import form_page, same_site

# --- Sign-in and passwords (Django's views, our templates and forms) ------------------------------------


class SignInView(auth_views.LoginView):
    """Django's sign-in with a password, and a button for each single sign-on provider set up."""

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "sso_providers": sso.providers()}

    def get_redirect_url(self):
        return same_site(self.request, self.request.POST.get("next", self.request.GET.get("next"))) or ""

    def form_valid(self, form):
        sso.forget_single_sign_on(self.request.session)
        return super().form_valid(form)


login = access.public(
    sign_in_limited(
        SignInView.as_view(
            template_name="accounts/login.html",
            authentication_form=forms.SignInForm,
            extra_context={"button": "Sign in"},
        )
    )
)
password_reset = access.public(
    password_reset_limited(
        auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            form_class=forms.PasswordResetByMessageForm,
            email_template_name="accounts/email/password_reset.txt",
            subject_template_name="accounts/email/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
            extra_context={"button": "Send reset link"},
        )
    )
)
password_reset_done = access.public(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
)


class AuditedPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        detail = {"what": "password reset"}
        record(action=AuditAction.UPDATE, actor=form.user, detail=detail, request=self.request)
        return response


class AuditedPasswordChangeView(auth_views.PasswordChangeView):
    form_class = forms.PasswordChangeAsSignInForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        response = super().form_valid(form)
        record(action=AuditAction.UPDATE, actor=form.user, detail={"what": "password"}, request=self.request)
        return response


password_reset_confirm = access.public(
    AuditedPasswordResetConfirmView.as_view(
        template_name="accounts/password_reset_confirm.html",
        success_url=reverse_lazy("accounts:password_reset_complete"),
    )
)
password_reset_complete = access.public(
    auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html")
)
password_change = access.signed_in(
    AuditedPasswordChangeView.as_view(
        template_name="accounts/password_change.html",
        success_url=reverse_lazy("accounts:password_change_done"),
        extra_context={"button": "Change password"},
    )
)
password_change_done = access.signed_in(
    auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html")
)


@access.signed_in
def contact_preferences(request):
    user = request.user
    initial = {
        field: getattr(user, field)
        for field in ("mobile_number", "receive_email", "receive_sms", "quiet_from", "quiet_until")
    }
    return form_page(
        request,
        forms.ContactPreferencesForm(request.POST if request.method == "POST" else None, initial=initial),
        save=lambda data: services.set_contact_preferences(user=user, request=request, **data),
        success="How we contact you is saved.",
        done=reverse("accounts:account"),
        template="accounts/contact_preferences.html",
        context={"heading": "How we contact you", "button": "Save"},
    )


@access.signed_in
@require_POST
def logout(request):
    return auth_views.LogoutView.as_view()(request)


# --- Two-factor -------------------------------------------------------------------------------------------


def _safe_next(request, default="core:home"):
    return same_site(request, request.POST.get("next") or request.GET.get("next")) or reverse(default)


@access.signed_in
def two_factor_setup(request):
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = services.start_authenticator_setup(user=request.user)
    form = forms.TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.confirm_authenticator(device=device, token=form.cleaned_data["token"], request=request):
            _second_factor_entered(request, device)
            messages.success(
                request,
                "Two-factor sign-in is set up. You will be asked for a code each time you sign in. "
                "Now create backup codes, for when you cannot use your phone.",
            )
            return redirect("accounts:backup_codes")
        form.add_error(
            "token",
            "That code is not right. Enter the newest code; after a wrong code, wait a few seconds first.",
        )
    qr_svg = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage).to_string(
        encoding="unicode"
    )
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request, "accounts/two_factor_setup.html", {"form": form, "qr_svg": qr_svg, "secret": secret}
    )


def _second_factor_entered(request, device) -> None:
    """The session passes two-factor from now on, under a new session key: a key seen before this moment
    (by someone who watched the password-only session) does not carry the verified session."""
    request.session.cycle_key()
    otp_login(request, device)


@access.signed_in
def two_factor_verify(request):
    # Not second_factor_passed: someone who passed only the identity provider's MFA is sent here to enter
    # svtoolkit's own code before replacing their authenticator.
    if request.user.is_verified():
        return redirect(_safe_next(request))
    form = forms.SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.verify_second_factor(
            user=request.user, code=form.cleaned_data["token"], request=request
        )
        if device is not None:
            _second_factor_entered(request, device)
            if isinstance(device, StaticDevice):
                left = selectors.backup_codes_left(request.user)
                messages.warning(
                    request,
                    f"You used a backup code. You have {left} left; each works once. "
                    "Create new ones from your account page if you are running out.",
                )
            return redirect(_safe_next(request))
        form.add_error(
            "token",
            "That code is not right. Enter the newest code from your app, or an unused backup code; "
            "after a wrong code, wait a few seconds first.",
        )
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": _safe_next(request)})


@access.signed_in
def backup_codes(request):
    """How many backup codes are left; making new ones shows them on this one answer only."""
    with errors_shown_by_page() as refused:
        if request.method == "POST":
            codes = services.generate_backup_codes(user=request.user, request=request)
            return render(request, "accounts/backup_codes_created.html", {"codes": codes})
    return render(
        request,
        "accounts/backup_codes.html",
        {
            "has_password": request.user.has_usable_password(),
            "has_authenticator": selectors.has_confirmed_authenticator(request.user),
            "codes_left": selectors.backup_codes_left(request.user),
            "error": refused.error,
        },
    )


@access.signed_in
@require_POST
def two_factor_remove(request):
    with errors_as_message(request):
        services.remove_authenticator(user=request.user, request=request)
        messages.success(request, "Your authenticator has been removed.")
    return redirect("accounts:account")


# --- The person's own account ---------------------------------------------------------------------------


@access.signed_in
def account(request):
    return render(
        request,
        "accounts/account.html",
        {
            "has_authenticator": selectors.has_confirmed_authenticator(request.user),
            "two_factor_required": selectors.two_factor_required_for(request.user),
            "backup_codes_left": selectors.backup_codes_left(request.user),
        },
    )


@access.signed_in
@require_POST
def switch_partnership(request):
    form = forms.SwitchPartnershipForm(request.POST, memberships=request.memberships)
    if form.is_valid():
        request.session[PARTNERSHIP_SESSION_KEY] = form.cleaned_data["partnership"]
        messages.success(request, "You switched partnership.")
        return redirect("core:home")
    messages.error(request, form.errors["partnership"][0])
    return redirect(_safe_next(request))


# --- Members and invitations (coordinators) -------------------------------------------------------------


@access.requires(access.can_manage_members)
def members(request):
    return render(
        request,
        "accounts/members.html",
        {
            "members": selectors.members_of(request.partnership),
            "invitations": selectors.pending_invitations(request.partnership),
        },
    )


@access.requires(access.can_manage_members)
def invite(request):
    form = forms.InvitationForm(request.POST or None, partnership=request.partnership)
    return form_page(
        request,
        form,
        save=lambda data: services.invite_member(
            partnership=request.partnership,
            email=data["email"],
            full_name=data["full_name"],
            role=data["role"],
            organisation=data["organisation"],
            invited_by=request.user,
            request=request,
        ),
        success=lambda _: f"Invitation sent to {form.cleaned_data['email']}.",
        done=reverse("accounts:members"),
        template="accounts/invite.html",
    )


@access.requires(access.can_manage_members)
@require_POST
def revoke_invitation(request, invitation_id):
    invitation = selectors.invitation_in(request.partnership, invitation_id)
    with errors_as_message(request):
        services.revoke_invitation(invitation=invitation, by=request.user, request=request)
        messages.success(request, f"The invitation to {invitation.email} was withdrawn.")
    return redirect("accounts:members")


@access.requires(access.can_manage_members)
def member_edit(request, membership_id):
    membership = selectors.membership_in(request.partnership, membership_id)
    initial = initial_from(membership, "role", "organisation", "revision")
    return form_page(
        request,
        forms.MembershipChangeForm(request.POST or None, initial=initial, partnership=request.partnership),
        save=lambda data: services.change_membership(
            membership=membership, by=request.user, request=request, **revised(data)
        ),
        success=lambda _: f"{membership.user} is now {membership.get_role_display().lower()}.",
        done=lambda changed: _after_membership_change(request, changed),
        template="accounts/member_edit.html",
        context={"membership": membership},
        thing="membership",
    )


def _after_membership_change(request, membership, *, removed=False) -> str:
    """Back to the members page, or home for a coordinator who changed their own role or removed themselves:
    the members page is no longer theirs to open."""
    stepped_down = membership.user_id == request.user.pk and (removed or membership.role != Role.COORDINATOR)
    return reverse("core:home") if stepped_down else reverse("accounts:members")


@access.requires(access.can_manage_members)
def member_remove(request, membership_id):
    membership = selectors.membership_in(request.partnership, membership_id)
    with errors_shown_by_page() as refused:
        if request.method == "POST":
            services.remove_member(membership=membership, by=request.user, request=request)
            messages.success(request, f"{membership.user} was removed from {request.partnership}.")
            return redirect(_after_membership_change(request, membership, removed=True))
    return render(request, "accounts/member_remove.html", {"membership": membership, "error": refused.error})


@access.requires(access.can_manage_partnership_settings)
def partnership_security(request):
    partnership = request.partnership
    second_factor_passed = selectors.second_factor_passed(request)
    initial = initial_from(partnership, "require_two_factor", revision=partnership.two_factor_revision)
    return form_page(
        request,
        forms.PartnershipSecurityForm(request.POST or None, initial=initial),
        save=lambda data: services.update_partnership_security(
            partnership=partnership,
            by=request.user,
            second_factor_passed=second_factor_passed,
            request=request,
            **revised(data),
        ),
        success="Sign-in settings saved.",
        done=reverse("accounts:partnership_security"),
        template="accounts/partnership_security.html",
        context={"second_factor_passed": second_factor_passed},
        thing=None,  # the service's own conflict message names the setting
    )


@access.public
def accept_invitation(request, token):
    invitation = selectors.invitation_by_token(token)
    if invitation is None or not (invitation.is_pending and access.invitation_still_stands(invitation)):
        return render(request, "accounts/invitation_invalid.html", status=404 if invitation is None else 410)
    user = request.user if request.user.is_authenticated else None
    account_exists = user is None and selectors.account_exists(invitation.email)
    form = (
        None
        if (user or account_exists)
        else forms.AcceptInvitationForm(
            request.POST or None, email=invitation.email, initial={"full_name": invitation.full_name}
        )
    )
    # A new account's refusal goes on its form; a signed-in person has only a button, and the page says why.
    with errors_shown_on(form) if form else errors_shown_by_page() as refused:
        if request.method == "POST" and not account_exists and (form is None or form.is_valid()):
            joined = services.accept_invitation(
                invitation=invitation,
                existing_user=user,
                full_name=form.cleaned_data["full_name"] if form else "",
                password=form.cleaned_data["password1"] if form else None,
                request=request,
            )
            if user is None:
                auth_login(request, joined, backend="svtoolkit.accounts.backends.PersonBackend")
            if sso.open_joined_partnership(request, invitation.partnership):
                request.session[PARTNERSHIP_SESSION_KEY] = invitation.partnership_id
                messages.success(request, f"Welcome to {invitation.partnership}.")
            else:
                messages.info(request, _closed_to_single_sign_on(request, invitation.partnership))
            return redirect("core:home")
    return render(
        request,
        "accounts/accept_invitation.html",
        {
            "invitation": invitation,
            "form": form,
            "account_exists": account_exists,
            "error": None if form else refused.error,
        },
    )


def _closed_to_single_sign_on(request, partnership) -> str:
    provider = sso.signed_on_with(request.session)
    return (
        f"You have joined {partnership}, but it does not let its members sign in with "
        f"{provider.name if provider else 'the single sign-on you used'} for your email address, so you "
        "cannot work in it now. To work in it, sign out, then sign in with your email address and password "
        "(if you have no password, choose “I have forgotten my password” on the sign-in page to set one)."
    )


# --- Single sign-on (the protocol in sso.py, the rules in services.sign_in_with_identity_provider) ----------

sso_start = access.public(sso.StartView.as_view())
sso_callback = access.public(sso.CallbackView.as_view())


@access.public
def sso_refused(request):
    reason = request.session.pop(sso.SSO_REFUSAL_SESSION_KEY, "")
    return render(request, "accounts/sso_refused.html", {"reason": reason}, status=403 if reason else 200)


@access.requires(access.can_manage_partnership_settings)
def partnership_sso(request):
    partnership = request.partnership
    domains = list(selectors.sign_in_domains_of(partnership))
    initial = {
        "providers": partnership.sso_providers,
        "domains": [rule.domain for rule in domains],
        "self_registration_domains": [rule.domain for rule in domains if rule.self_registration],
        "accept_identity_provider_mfa": partnership.accept_identity_provider_mfa,
        "revision": partnership.revision,
    }
    providers = sso.providers()
    second_factor_passed = selectors.second_factor_passed(request)
    return form_page(
        request,
        forms.SingleSignOnForm(request.POST or None, initial=initial, providers=providers),
        save=lambda data: services.update_single_sign_on(
            partnership=partnership,
            providers=data.get("providers", []),
            domains=data["domains"],
            self_registration_domains=data["self_registration_domains"],
            accept_identity_provider_mfa=data["accept_identity_provider_mfa"],
            expected_revision=data["revision"],
            by=request.user,
            second_factor_passed=second_factor_passed,
            request=request,
        ),
        success="Single sign-on settings saved.",
        done=reverse("accounts:partnership_sso"),
        template="accounts/partnership_sso.html",
        context={"providers": providers, "button": "Save", "second_factor_passed": second_factor_passed},
        thing=None,  # the service's own conflict message: "the single sign-on settings", not "this record"
    )
