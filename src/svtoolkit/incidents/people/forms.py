"""Forms for people affected and the need-to-know list."""

from django import forms
from django.db.models import Q

from svtoolkit.accounts.models import User
from svtoolkit.accounts.selectors import member_users
from svtoolkit.core.forms import (
    ListedChoiceField,
    PartnershipChoices,
    RevisionChecked,
    keep_stored_choice,
    model_choice_field,
    model_tick_boxes,
    text_field,
)
from svtoolkit.incidents.disclosures import NO_REASON_TO_SHARE
from svtoolkit.incidents.models import (
    PERSON_AFFECTED_FIELDS,
    PersonAffected,
)
from svtoolkit.partnerships.forms import LawfulBasisChoices
from svtoolkit.partnerships.selectors import sharing_agreements_of

YES_NO = [("yes", "Yes"), ("no", "No")]


class PersonAffectedForm(forms.ModelForm):
    class Meta:
        model = PersonAffected
        fields = PERSON_AFFECTED_FIELDS
        labels = {
            "name": "Name or initials",
            "age_band": "Age",
            "role": "How they are affected",
            "deceased": "They have died",
            "relation": "Relation to the incident",
            "consent": "Consent to share",
            "single_point_of_contact": "Their single point of contact",
            "lawful_basis": "Lawful basis for holding and sharing this record",
            "sharing_agreement": "Information-sharing agreement relied on",
        }
        widgets = {
            "support_needs": forms.Textarea(attrs={"rows": 3}),
            "consent_scope": forms.Textarea(attrs={"rows": 2}),
            "referrals": forms.Textarea(attrs={"rows": 2}),
            "role": forms.RadioSelect,
            "lawful_basis": forms.RadioSelect,
        }
        error_messages = {
            "name": {"required": "Enter a name or initials"},
            "age_band": {"required": "Choose an age band, or 'Not known'"},
            "role": {"required": "Choose how they are affected"},
            "lawful_basis": {"required": "Choose the lawful basis"},
            "sharing_agreement": {"required": "Name the information-sharing agreement relied on"},
        }

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["single_point_of_contact"].queryset = member_users(partnership)
        self.fields["single_point_of_contact"].empty_label = "Nobody yet"
        keep_stored_choice(self, "single_point_of_contact")
        # A radio list offers only real answers: Django's blank "---------" choice would show, ticked.
        for field in self.fields.values():
            if isinstance(field.widget, forms.RadioSelect):
                field.choices = [(value, label) for value, label in field.choices if value != ""]


class CorrectPersonForm(RevisionChecked, PersonAffectedForm):
    """Every field of a person-affected record, as stored, to correct; the revision it started from."""

    revision = forms.IntegerField(widget=forms.HiddenInput)

    @staticmethod
    def initial_from(person) -> dict:
        return {name: getattr(person, name) for name in PersonAffectedForm.Meta.fields} | {
            "revision": person.revision
        }


class ReasonForm(forms.Form):
    """The reason for opening a record, written to the audit log; ``question`` and ``help_text``, when
    given, ask it of what else a page opens or does with it."""

    reason = text_field(
        "Why do you need to open this record?",
        missing="Give a reason for opening the record",
        max_length=300,
        help_text="Your reason is written to the audit log with your name.",
    )

    def __init__(self, *args, question=None, help_text=None, **kwargs):
        super().__init__(*args, **kwargs)
        if question:
            self.fields["reason"].label = question
        if help_text:
            self.fields["reason"].help_text = help_text


class NeedToKnowForm(PartnershipChoices, forms.Form):
    user = model_choice_field("Person who needs to know", missing="Choose a person")

    with_records = forms.BooleanField(
        label="Also let them read the records of people affected that you can read now",
        required=False,
        help_text=(
            "The list is copied to each record when it is made. Without this, they read only records made "
            "from now on; you can also add them to one record at a time from its page."
        ),
    )

    partnership_choices = {"user": member_users}

    def __init__(self, *args, on_list=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.on_list = set(on_list)  # the ids of those on the incident's list now

    def clean(self):
        cleaned = super().clean()
        user = cleaned.get("user")
        if user is not None and user.pk in self.on_list and not cleaned.get("with_records"):
            self.add_error(
                "user",
                f"{user} is on the need-to-know list already. To let them read the records you can read now, "
                "tick the box below.",
            )
        return cleaned


class PersonNeedToKnowForm(RevisionChecked, forms.Form):
    """Who may read one record of an incident ``lead`` leads: the partnership's active members to tick, and
    those already on the list (someone of a partnership the incident is shared with stays offered, so saving
    does not drop them), but those ``kept``: on the list, and not the user's to take off
    (``access.may_take_off_need_to_know``) or the lead's last coordinator or responder on it
    (``selectors.person_need_to_know_to_change``), they are not offered and stay on it. Sent ticked from a
    page opened before they were kept, they are taken as they are: kept."""

    users = model_tick_boxes(
        "Who may read this record",
        required=False,  # an empty list is refused by the service, which says why
        error_messages={
            "invalid_choice": "Choose people from the list",
            "invalid_pk_value": "Choose people from the list",
        },
    )
    revision = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, partnership, lead, on_list, kept=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["users"].help_text = (
            f"Only those ticked can open this record. Keep at least one coordinator or responder of {lead}, "
            "which leads this incident. If you take yourself off, you will no longer be able to open it."
        )
        self.kept = list(kept)
        members = member_users(partnership).values("pk")
        field = self.fields["users"]
        field.queryset = User.objects.filter(
            Q(pk__in=members) | Q(pk__in=[user.pk for user in on_list])
        ).order_by("full_name", "email")
        field.label_from_instance = lambda user: f"{user.full_name} ({user.email})"
        kept_pks = {user.pk for user in self.kept}
        field.widget.choices = [(value, label) for value, label in field.choices if value not in kept_pks]

    def clean_users(self):
        return list({user.pk: user for user in [*self.cleaned_data["users"], *self.kept]}.values())

    @staticmethod
    def initial_from(person, on_list) -> dict:
        return {"users": list(on_list), "revision": person.revision}


BASIS_FIELDS = ("article6_basis", "article9_condition", "gateway", "agreement")


class AgreementChoiceField(ListedChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} (review overdue)" if obj.is_overdue() else obj.name


# The hint under "Why are you sharing it?" for a share that will carry no record (``share_incident`` then
# logs no disclosure).
NO_RECORDS_SHARED_HINT = (
    "Only the incident will be shared, with no records of people affected, so nothing is written to the "
    "disclosure log. Your reason and the lawful basis are written to the audit log with your name."
)


class DisclosureBasisForm(PartnershipChoices, LawfulBasisChoices):
    """What a disclosure of people affected must say before it happens: why, and its lawful basis (the
    UK GDPR Article 6 basis required), and the information-sharing agreement it relies on, if any. A share of
    an incident that will carry no record (``carries_records`` false) asks the same, as a record may become
    readable before it is saved, but says it will be written to no disclosure log."""

    purpose = text_field(
        "Why are you sharing it?",
        missing=NO_REASON_TO_SHARE,
        max_length=300,
        help_text="Written to the disclosure log and the audit log with your name.",
    )
    agreement = AgreementChoiceField(
        label="Information-sharing agreement relied on",
        queryset=None,
        required=False,
        empty_label="None",
        help_text="From the partnership's register. One past its review date is marked as overdue.",
        error_messages={"invalid_choice": "Choose an agreement from the list"},
    )

    # The field that says why; a form that already asks for a reason names it instead.
    purpose_field = "purpose"
    partnership_choices = {"agreement": sharing_agreements_of}
    article9_help = (
        "Needed when what is shared includes health information: support needs, a hospital stay or a "
        "safeguarding referral's outcome. For example, Schedule 1 paragraph 18 (safeguarding)."
    )

    def __init__(self, *args, carries_records: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["article9_condition"].help_text = self.article9_help
        if not carries_records:
            self.fields[self.purpose_field].help_text = NO_RECORDS_SHARED_HINT

    def basis(self) -> dict:
        """The keyword arguments ``record_disclosure`` takes about the why and the lawful basis."""
        basis = {name: self.cleaned_data[name] for name in BASIS_FIELDS}
        return {**basis, "purpose": self.cleaned_data[self.purpose_field]}


class ShareBasisForm(DisclosureBasisForm):
    """Sharing an incident with another partnership: the why and the lawful basis asked as for a disclosure,
    but that they are given is left to ``services.share_incident``, which asks it of every share, carrying
    records or none, and whose words the page shows. The share's audit entry keeps the reason, which no
    erasure reaches (the audit log is append-only), so the hint asks for one that names no one."""

    names_no_one = (
        " The audit log keeps the reason for good, even once the records are erased: do not name or describe "
        "anyone affected."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.purpose_field].help_text += self.names_no_one
        for name in (self.purpose_field, "article6_basis"):
            self.fields[name].required = False
