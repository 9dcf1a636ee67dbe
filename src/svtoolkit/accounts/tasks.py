"""Background work for accounts, run by the task worker."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from svtoolkit.accounts.models import Invitation
from svtoolkit.accounts.tokens import issue_invitation_token


@task()
def send_invitation_email(*, invitation_id: int) -> None:
    # The secret is made here, not passed in: task arguments are stored in the task queue's table.
    invitation = Invitation.objects.select_related("partnership", "invited_by").get(pk=invitation_id)
    if not invitation.is_pending:
        return
    token = issue_invitation_token(invitation=invitation)
    context = {
        "invitation": invitation,
        "link": settings.SITE_URL + reverse("accounts:accept_invitation", args=[token]),
        "valid_days": settings.INVITATION_VALID_DAYS,
    }
    send_mail(
        subject=f"You are invited to join {invitation.partnership} on svtoolkit",
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )
