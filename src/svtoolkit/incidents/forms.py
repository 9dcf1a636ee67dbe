"""What responders and partners type about an incident, with messages a person understands."""

from django import forms

from svtoolkit.accounts.selectors import PERSON_LABEL_COLUMNS, member_users
from svtoolkit.core import limits
from svtoolkit.core.datetimes import datetime_field
from svtoolkit.core.forms import (
    ENTER_THE_ACTION,
    PartnershipChoices,
    RevisionChecked,
    ServiceChecked,
    ShownRecords,
    choice_field,
    model_choice_field,
    model_tick_boxes,
    text_field,
    tick_box,
    tick_boxes,
)
from svtoolkit.incidents import services
from svtoolkit.incidents.categorisation import factor_choices
from svtoolkit.incidents.models import (
    ActionStatus,
    IncidentStatus,
    NotificationSource,
    PlaceKind,
    PoliceTier,
)
from svtoolkit.incidents.people.forms import ShareBasisForm
from svtoolkit.partnerships.forms import OrganisationAndItsContact
from svtoolkit.partnerships.models import Partnership
from svtoolkit.partnerships.selectors import active_organisations

YES_NO = [("yes", "Yes"), ("no", "No")]


def place_field(label):
    """The kind of place a scene is: some items of the plan are for a school or a hospital."""
    return forms.ChoiceField(
        label=label,
        choices=[("", "None of these")] + PlaceKind.choices,
        required=False,
        help_text="A school or a hospital brings its own actions into the plan.",
    )


def coordinate_field(name: str, limit: int, example: str, **kwargs):
    """An optional latitude or longitude in degrees; that both or neither are given is the service's rule."""
    return forms.DecimalField(
        label=f"{name.capitalize()} (optional)",
        required=False,
        min_value=-limit,
        max_value=limit,
        decimal_places=5,
        error_messages={"invalid": f"Enter the {name} as a number, like {example}"},
        **kwargs,
    )


class IncidentRecordChecks(ServiceChecked):
    """Mixed into the forms of an incident's record: the partnership's incident types to choose from, and
    the service's rule on its times (in the past, told after it happened), shown with the rest."""

    service_check = services.check_incident_times
    service_checks = ("occurred_at", "notified_at")

    def __init__(self, *args, incident_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incident_types"].choices = list(incident_types.items())


class IncidentForm(IncidentRecordChecks, forms.Form):
    title = text_field(
        "Short title",
        missing="Enter a short title",
        max_length=200,
        help_text="No names of people. For example: Stabbing near Northbridge Academy.",
    )
    incident_types = tick_boxes("Type of incident", missing="Choose at least one type of incident")
    occurred_at = datetime_field("When it happened", "Enter when it happened")
    notified_at = datetime_field("When the partnership was told", "Enter when the partnership was told")
    notification_source = choice_field(
        "Who told the partnership",
        [("", "Choose")] + NotificationSource.choices,
        missing="Choose who told the partnership",
    )
    notified_by = forms.CharField(
        label="Name or role of the person who told us", max_length=limits.SHORT_TEXT, required=False
    )
    summary = text_field(
        "Factual summary",
        rows=5,
        missing="Enter a factual summary",
        max_length=limits.SUMMARY,
        help_text="What is known so far. Keep personal details for the people-affected records.",
    )
    scene_description = text_field(
        "Scene", missing="Describe the scene", max_length=300, help_text="Where it happened."
    )
    scene_area = forms.CharField(label="Ward or area of the scene", max_length=120, required=False)
    scene_place = place_field("Kind of place")
    scene_latitude = coordinate_field("latitude", 90, "51.50740")
    scene_longitude = coordinate_field("longitude", 180, "-0.12780")
    is_exercise = tick_box("This is an exercise, not a real incident")


class CategorisationForm(forms.Form):
    factors = tick_boxes(
        "What applies to this incident?",
        help_text="Judge the likely impact on the confidence of the victim, their family and the community.",
        required=False,
    )
    other_factors = text_field("Anything else", rows=2, max_length=limits.SUMMARY, required=False)
    serious_violence = choice_field(
        "Is this a serious violence incident?", YES_NO, radios=True, required=False
    )
    meeting_needed = choice_field(
        "Is an incident management meeting needed?", YES_NO, radios=True, required=False
    )
    cross_borough = choice_field(
        "Must the response cross borough boundaries?", YES_NO, radios=True, required=False
    )
    rationale = text_field("Why", rows=3, max_length=limits.SUMMARY, required=False)
    # The categorisation the page showed as current (its id, 0 or nothing for none: the service's
    # ``categorisation_seen``), named as a revision is so that after a conflict the page carries the one now.
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, deciding: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.deciding = deciding
        self.fields["factors"].choices = [(code, label) for code, label, _ in factor_choices()]

    def clean(self):
        cleaned = super().clean()
        if self.deciding:
            for name, message in [
                ("serious_violence", "Say whether this is a serious violence incident"),
                ("meeting_needed", "Say whether an incident management meeting is needed"),
                ("cross_borough", "Say whether the response must cross borough boundaries"),
                ("rationale", "Give the reason for the decision"),
            ]:
                if not cleaned.get(name):
                    self.add_error(name, message)
        return cleaned


class LeadForm(PartnershipChoices, forms.Form):
    organisation = model_choice_field("Lead organisation", missing="Choose the lead organisation")
    officer = model_choice_field("Lead officer", missing="Choose the lead officer")
    handover_note = text_field(
        "Handover note",
        rows=2,
        max_length=limits.SHORT_TEXT,
        required=False,
        help_text="When the lead changes: what the new lead needs to know.",
    )
    # The lead the page showed as current (its assignment's id, 0 or nothing for none: the service's
    # ``lead_seen``), named as a revision is so that after a conflict the page carries the lead now.
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    partnership_choices = {"organisation": active_organisations, "officer": member_users}

    def clean(self):
        cleaned = super().clean()
        cleaned["lead_seen"] = cleaned.pop("revision", None) or 0
        return cleaned


class StopTakingPartForm(forms.Form):
    """Nothing to type: the button confirms that the organisation no longer takes part."""


class ParticipantForm(ShownRecords, OrganisationAndItsContact, forms.Form):
    """An organisation taking part and its contact. The page lists each partner's contact (``shown``), so
    that the service refuses a contact someone else changed since (its ``contact_seen``)."""

    organisation = model_choice_field("Organisation", missing="Choose the organisation taking part")
    contact = model_choice_field(
        "Their contact for this incident",
        optional="Choose later",
        help_text="The person who is emailed when partners are informed.",
    )

    def __init__(self, *args, incident, **kwargs):
        self.incident = incident
        super().__init__(*args, **kwargs)

    def stored_now(self) -> dict:
        """Each partner's contact (its id, 0 for none), by organisation."""
        return {p.organisation_id: p.contact_id or 0 for p in self.incident.participations.all()}

    def clean(self):
        cleaned = super().clean()
        organisation, contact = cleaned.get("organisation"), cleaned.get("contact")
        if organisation is None:
            return cleaned
        taking_part = self.stored_now()
        if organisation.pk in taking_part and (contact is None or taking_part[organisation.pk] == contact.pk):
            self.add_error(
                "organisation",
                f"{organisation} is already taking part. To change their contact, choose a different one",
            )
        # Its contact as the page showed it: 0 for none, or when it was not taking part.
        cleaned["contact_seen"] = self.seen(organisation.pk) or 0
        return cleaned


# Who an action can be given to: the partnership's active organisations and its members.
ACTION_OWNERS = {"owner_organisation": active_organisations, "owner": member_users}


def timeline_note_field(help_text="") -> forms.CharField:
    """The optional note a change to actions leaves on the timeline."""
    return text_field(
        "Note for the timeline", rows=2, max_length=limits.SUMMARY, help_text=help_text, required=False
    )


class ActionUpdateForm(RevisionChecked, PartnershipChoices, forms.Form):
    status = choice_field("Status", ActionStatus.choices, radios=True)
    not_needed_reason = text_field("If not needed, why", rows=2, max_length=limits.SHORT_TEXT, required=False)
    owner_organisation = model_choice_field("Owning organisation", optional="Nobody yet")
    owner = model_choice_field("Person responsible", optional="Nobody yet", labelled_by=PERSON_LABEL_COLUMNS)
    note = timeline_note_field(
        help_text="If handed over, say to whom: for example, the youth offending service's case worker."
    )
    revision = forms.IntegerField(widget=forms.HiddenInput)
    partnership_choices = ACTION_OWNERS
    stored_choices_kept = tuple(ACTION_OWNERS)

    def __init__(self, *args, can_reassign, **kwargs):
        super().__init__(*args, **kwargs)
        # Partners report progress on their own actions; reassigning work is for the response team.
        for name in ACTION_OWNERS:
            self.fields[name].disabled = not can_reassign


class BulkActionForm(ShownRecords, forms.Form):
    """Several actions of the plan at once: complete them or give them to someone, with one note. Only
    presence is checked here; the service decides what may be done (one rule, written once). The page
    carries each listed action's revision (``shown``), so that the service refuses actions changed since."""

    BULK_STATUSES = [
        ("", "Keep their status"),
        (ActionStatus.DONE, ActionStatus.DONE.label),
        (ActionStatus.IN_PROGRESS, ActionStatus.IN_PROGRESS.label),
        (ActionStatus.TO_DO, ActionStatus.TO_DO.label),
    ]

    actions = model_tick_boxes("Actions", missing=services.NO_ACTIONS_SELECTED)
    status = choice_field("Mark them", BULK_STATUSES, radios=True, required=False, initial="")
    owner_organisation = model_choice_field("Give them to an organisation", optional="Keep their owners")
    owner = model_choice_field("Person responsible", optional="Nobody", labelled_by=PERSON_LABEL_COLUMNS)
    note = timeline_note_field()

    def __init__(self, *args, actions, partnership, can_reassign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actions"].queryset = actions
        self.fields["actions"].error_messages["invalid_choice"] = services.AN_ACTION_NO_LONGER_OPEN
        if can_reassign:
            for name, listed_for in ACTION_OWNERS.items():
                self.fields[name].queryset = listed_for(partnership)
        else:
            # Partners report progress on their own actions; reassigning work is for the response team.
            del self.fields["owner_organisation"], self.fields["owner"]

    def stored_now(self) -> dict:
        """Each action listed, by id, with its revision."""
        return dict(self.fields["actions"].queryset.values_list("pk", "revision"))

    def clean(self):
        cleaned = super().clean()
        cleaned["expected_revisions"] = {
            action.pk: self.seen(action.pk) for action in cleaned.get("actions", ())
        }
        return cleaned


class NewActionForm(PartnershipChoices, forms.Form):
    title = text_field("Action", missing=ENTER_THE_ACTION, max_length=200)
    guidance = text_field("Details", rows=3, max_length=limits.SUMMARY, required=False)
    owner_organisation = model_choice_field("Owning organisation", optional="Nobody yet")
    owner = model_choice_field("Person responsible", optional="Nobody yet", labelled_by=PERSON_LABEL_COLUMNS)
    due_at = datetime_field("Due", "Enter when it is due")
    partnership_choices = ACTION_OWNERS


class UpdateForm(forms.Form):
    text = text_field("Update", rows=3, missing="Enter the update", max_length=limits.SUMMARY)


class DecisionForm(forms.Form):
    what = text_field("What was decided", rows=2, missing="Enter what was decided", max_length=limits.SUMMARY)
    why = text_field("Why", rows=3, missing="Enter why it was decided", max_length=limits.SUMMARY)
    who_decided = text_field(
        "Who decided",
        missing="Enter who decided",
        max_length=200,
        help_text="The person or group who made the decision, such as the police gold commander. It starts as"
        " you: change it if someone else decided.",
    )


class PlanReviewForm(forms.Form):
    changes = text_field(
        "What changed in the plan, and why",
        rows=4,
        missing="Say what the review changed, or that nothing needed to change",
        max_length=limits.SUMMARY,
    )


class StatusForm(RevisionChecked, forms.Form):
    status = forms.ChoiceField(
        label="Move the incident to",
        # Closing comes with the review; "alerted" is only where an incident alert starts.
        choices=[
            c for c in IncidentStatus.choices if c[0] not in {IncidentStatus.CLOSED, IncidentStatus.ALERTED}
        ],
    )
    # The status the page showed (the service's ``status_seen``): what this change starts from, as a revision
    # is for an edit, so a status moved on meanwhile is an edit conflict, shown as any edit's is.
    revision = forms.ChoiceField(choices=IncidentStatus.choices, widget=forms.HiddenInput)


class ShareForm(ShareBasisForm):
    """Sharing an incident discloses its people affected to another partnership: the basis is asked too."""

    partnership = model_choice_field("Partnership to share with", missing="Choose a partnership")
    field_order = ["partnership", "purpose", "article6_basis", "article9_condition", "gateway", "agreement"]

    def __init__(self, *args, exclude, **kwargs):
        super().__init__(*args, partnership=exclude, **kwargs)
        self.fields["partnership"].queryset = Partnership.objects.filter(is_active=True).exclude(
            pk=exclude.pk
        )


class EditRecordForm(RevisionChecked, IncidentRecordChecks, forms.Form):
    title = IncidentForm.base_fields["title"]
    incident_types = IncidentForm.base_fields["incident_types"]
    occurred_at = IncidentForm.base_fields["occurred_at"]
    notified_at = IncidentForm.base_fields["notified_at"]
    summary = IncidentForm.base_fields["summary"]
    revision = forms.IntegerField(widget=forms.HiddenInput)


class SceneForm(forms.Form):
    description = IncidentForm.base_fields["scene_description"]
    area = forms.CharField(label="Ward or area", max_length=120, required=False)
    place = place_field("Kind of place")
    latitude = IncidentForm.base_fields["scene_latitude"]
    longitude = IncidentForm.base_fields["scene_longitude"]


def _hours_field(label, help_text):
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        min_value=0,
        max_value=744,
        error_messages={
            "required": "Enter a number of hours",
            "invalid": "Enter a whole number of hours, like 4",
            "min_value": "Enter 0 hours or more",
            "max_value": "Enter 744 hours (31 days) or fewer",
        },
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )


class EscalationTimetableForm(RevisionChecked, forms.Form):
    owner_after_hours = _hours_field(
        "Remind the owner, hours after the action was due",
        "0 reminds the person named on the action as soon as it is overdue.",
    )
    spoc_after_hours = _hours_field(
        "Tell the organisation's single point of contact, hours after the action was due",
        "When the action names no person, the single point of contact is told at the owner's time.",
    )
    lead_after_hours = _hours_field(
        "Tell the incident lead, hours after the action was due",
        "Actions that nobody owns go to the lead as soon as they are overdue.",
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PoliceDeclarationForm(forms.Form):
    critical_incident = choice_field(
        "Have the police declared a critical incident?",
        YES_NO,
        radios=True,
        missing="Say whether the police have declared a critical incident",
    )
    tier = choice_field(
        "The police response", PoliceTier.choices, radios=True, missing="Choose the police response"
    )
    declared_by = text_field(
        "Officer who declared it",
        missing=services.NO_DECLARING_OFFICER,
        max_length=200,
        help_text="Rank and name, for example: Supt A. Khan.",
    )
    declared_at = datetime_field("When the police declared it", "Enter when the police declared it")
