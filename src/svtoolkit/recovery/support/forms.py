"""Forms for support offered to those affected."""

from functools import partial

from django import forms

from svtoolkit.core import limits
from svtoolkit.core.datetimes import date_field
from svtoolkit.core.forms import (
    RevisionChecked,
    ServiceChecked,
    choice_field,
    model_choice_field,
    shown_by_service,
    text_field,
)
from svtoolkit.incidents.people.forms import DisclosureBasisForm
from svtoolkit.partnerships.selectors import active_organisations, support_services_of
from svtoolkit.recovery.models import SupportKind, SupportResponse
from svtoolkit.recovery.support import services

OFFER_FIELDS = (
    "kind",
    "support_service",
    "description",
    "referred_to",
    "offered_by",
    "offered_on",
    "follow_up_on",
)


class SupportOfferForm(ServiceChecked, DisclosureBasisForm):
    """Support offered, or a referral: a referral passes the person's details to a service outside the
    need-to-know list, so it asks why and the lawful basis (a disclosure, refused without an Article 6
    basis)."""

    field_order = [*OFFER_FIELDS, "purpose", "article6_basis", "article9_condition", "gateway", "agreement"]

    kind = choice_field(
        "What is it", SupportKind.choices, radios=True, missing="Choose support offered or referral"
    )
    support_service = model_choice_field("Service from the directory", optional="Not in the directory")
    description = text_field(
        "What was offered, or what the referral is for",
        missing="Say what was offered or what the referral is for",
        max_length=200,
        help_text="For example: weekly bereavement counselling; an assessment of the family's needs.",
    )
    referred_to = text_field(
        "For a referral: who receives their details",
        max_length=200,
        required=False,
        help_text=(
            "The organisation or service, as the disclosure log will name it for as long as the incident is "
            "kept. Leave it empty for a service chosen from the directory: the log names the service and who "
            "runs it."
        ),
    )
    offered_by = model_choice_field("Organisation that offered it", optional="Not known")
    offered_on = date_field("Date offered")
    follow_up_on = date_field("Follow-up date", required=False, help_text="When to check how it is going.")
    partnership_choices = DisclosureBasisForm.partnership_choices | {
        "support_service": support_services_of,
        "offered_by": active_organisations,
    }
    service_check = services.check_follow_up
    service_checks = ("offered_on", "follow_up_on")

    def __init__(self, *args, occurred_at, **kwargs):
        super().__init__(*args, **kwargs)
        self.occurred_at = occurred_at
        # Asked only of a referral (the service refuses a referral without them).
        self.fields["purpose"].label = "For a referral: why are their details shared?"
        self.fields["article6_basis"].label = "For a referral: UK GDPR Article 6 basis"
        self.fields["article9_condition"].label = "For a referral: Article 9 / Schedule 1 condition"
        for name in ("purpose", "article6_basis"):
            self.fields[name].required = False

    def referral_basis(self) -> dict | None:
        """For a referral, what ``record_disclosure`` needs about the why and the basis; None for an offer."""
        return self.basis() if self.cleaned_data["kind"] == SupportKind.REFERRAL else None

    def clean(self):
        cleaned = super().clean()
        # Apart from ``service_check``, which checks nothing without a follow-up date.
        shown_by_service(
            self,
            partial(services.check_offered_on, occurred_at=self.occurred_at),
            offered_on=cleaned.get("offered_on"),
        )
        if cleaned.get("kind") == SupportKind.REFERRAL:
            shown_by_service(
                self,
                partial(services.referral_recipient, support_service=cleaned.get("support_service")),
                referred_to=cleaned.get("referred_to"),
            )
        return cleaned


class SupportResponseForm(RevisionChecked, forms.Form):
    response = choice_field(
        "Answer or outcome", SupportResponse.choices, radios=True, missing="Choose the answer or outcome"
    )
    outcome = text_field("What happened", rows=3, max_length=limits.SUMMARY, required=False)
    follow_up_on = date_field("Next follow-up date", required=False)
    revision = forms.IntegerField(widget=forms.HiddenInput)
