"""What coordinators type when adapting the checklist, rating readiness and planning exercises."""

from django import forms

from svtoolkit.accounts.selectors import member_users
from svtoolkit.core import limits
from svtoolkit.core.datetimes import DateField
from svtoolkit.core.forms import (
    CHOOSE_A_LISTED_ORGANISATION,
    ENTER_A_TITLE,
    ENTER_THE_ACTION,
    PartnershipChoices,
    RevisionChecked,
    choice_field,
    model_choice_field,
    model_tick_boxes,
    text_field,
    tick_box,
    tick_boxes,
)
from svtoolkit.partnerships.forms import OrganisationAndItsContact
from svtoolkit.partnerships.models import OrganisationKind
from svtoolkit.partnerships.selectors import active_organisations
from svtoolkit.playbooks.models import ReadinessStatus


def _vocabulary_choices(version, name):
    vocabulary = version.vocabularies[name]
    if name == "timings":
        return [(code, entry["label"]) for code, entry in vocabulary.items()]
    return list(vocabulary.items())


class ItemForm(RevisionChecked, OrganisationAndItsContact, forms.Form):
    """An item of a draft, changed or added. ``draft`` is the draft the page was opened on: saved after a
    colleague published or discarded it, the page is shown again saying so (``selectors.draft_gone``)."""

    organisation_field = "default_organisation"
    contact_field = "default_contact"

    action = text_field(
        "Action",
        missing=ENTER_THE_ACTION,
        max_length=200,
        help_text="A short instruction, starting with a verb.",
        error_messages={"max_length": "The action must be 200 characters or fewer"},
    )
    guidance = text_field("Guidance", rows=5, max_length=limits.SUMMARY, required=False)
    owner_kind = choice_field(
        "Kind of organisation that usually owns it",
        OrganisationKind.choices,
        missing="Choose the kind of organisation that usually owns it",
    )
    default_organisation = model_choice_field(
        "Default owning organisation in this partnership",
        optional="None chosen",
        not_listed=CHOOSE_A_LISTED_ORGANISATION,
    )
    default_contact = model_choice_field(
        "Default contact", optional="None chosen", not_listed="Choose a contact from the list"
    )
    timing = forms.ChoiceField(label="When it is due", error_messages={"required": "Choose when it is due"})
    incident_types = tick_boxes(
        "Incident types it applies to",
        help_text="Leave all unticked if it applies to every type.",
        required=False,
    )
    categories = tick_boxes(
        "Only when one of these holds",
        help_text="The categorisation's decision, or what is recorded on the incident (a child victim, a "
        "death, the kind of place, the police's declaration). Leave all unticked if it applies whatever they "
        "are.",
        required=False,
    )
    essential = tick_box("Essential: a response must never miss this")
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    draft = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timing"].choices = _vocabulary_choices(version, "timings")
        self.fields["incident_types"].choices = _vocabulary_choices(version, "incident_types")
        self.fields["categories"].choices = _vocabulary_choices(version, "categories")

    def works_elsewhere(self, contact, organisation) -> str:
        return "Choose a contact who works for the default organisation"


class PublishForm(forms.Form):
    change_note = text_field(
        "What changed in this version",
        rows=3,
        missing="Say briefly what changed, so partners know",
        max_length=limits.SHORT_TEXT,
        help_text="Partners see this note beside the version.",
    )
    # The draft's revision as the page showed it: publishing refuses a draft changed since.
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    draft = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RatingForm(RevisionChecked, PartnershipChoices, forms.Form):
    status = choice_field(
        "How ready is this?", ReadinessStatus.choices, radios=True, missing="Choose how ready this is"
    )
    evidence = text_field(
        "Evidence",
        rows=3,
        max_length=limits.SUMMARY,
        help_text="What shows it is in place: an agreed process, a named owner, the resource.",
        required=False,
    )
    next_step = text_field("Next step", rows=2, max_length=limits.SUMMARY, required=False)
    owner = model_choice_field(
        "Owner", optional="Nobody yet", not_listed="Choose a member of the partnership"
    )
    target_date = DateField(label="Target date", required=False, what="The target date")
    revision = forms.IntegerField(widget=forms.HiddenInput)
    partnership_choices = {"owner": member_users}
    stored_choices_kept = ("owner",)

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("status") != ReadinessStatus.READY
            and cleaned.get("status")
            and not cleaned.get("next_step")
        ):
            self.add_error("next_step", "Say what the next step is, as this is not ready yet")
        return cleaned


class ExerciseForm(PartnershipChoices, forms.Form):
    title = text_field("Title", missing=ENTER_A_TITLE, max_length=200)
    scenario = text_field(
        "Scenario",
        rows=5,
        missing="Describe the scenario",
        max_length=limits.LONG_TEXT,
        help_text="What happens in the exercise. Use made-up names only.",
    )
    incident_types = tick_boxes("Incident types", missing="Choose at least one incident type")
    categories = tick_boxes("Categorisation to rehearse", required=False)
    planned_for = DateField(
        label="Date of the exercise",
        what="The date of the exercise",
        error_messages={"required": "Enter the date of the exercise"},
    )
    organisations = model_tick_boxes("Organisations taking part", required=False)
    partnership_choices = {"organisations": active_organisations}

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incident_types"].choices = _vocabulary_choices(version, "incident_types")
        self.fields["categories"].choices = _vocabulary_choices(version, "categories")
