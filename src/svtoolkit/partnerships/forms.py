"""What coordinators type into the directory and the rows of a contacts CSV, in plain messages."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dateformat import format as date_format

from svtoolkit.accounts.models import normalise_email
from svtoolkit.core import limits
from svtoolkit.core.datetimes import DateField
from svtoolkit.core.forms import (
    CHOOSE_A_LISTED_ORGANISATION,
    EMAIL_MAX_LENGTH,
    EMAIL_TOO_LONG,
    ENTER_AN_EMAIL,
    ListedChoiceField,
    RevisionChecked,
    choice_field,
    keep_stored_choice,
    model_choice_field,
    model_tick_boxes,
    text_field,
    tick_box,
)
from svtoolkit.partnerships import contacts_csv, lawful_bases
from svtoolkit.partnerships.models import (
    NO_AGREEMENT_PARTIES,
    SHARING_AGREEMENT_FIELDS,
    SUPPORT_SERVICE_FIELDS,
    Contact,
    IncidentRole,
    OrganisationKind,
    SupportServiceKind,
    a_year_from_today,
    already_a_contact,
    contact_key,
)
from svtoolkit.partnerships.selectors import active_organisations

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


NO_ORGANISATION_NAME = "Enter the organisation's name"
NAME_TOO_LONG = "The name must be 200 characters or fewer"


class OrganisationAndItsContact:
    """Mixin for a form choosing one of the partnership's active organisations and one of its contacts (the
    fields ``organisation_field`` and ``contact_field``): a contact who works elsewhere is refused, in the
    words of the form's ``works_elsewhere``. The organisation and contact stored stay offered when no longer
    active (``keep_stored_choice``)."""

    organisation_field = "organisation"
    contact_field = "contact"

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.organisation_field].queryset = active_organisations(partnership)
        self.fields[self.contact_field].queryset = Contact.objects.filter(
            organisation__partnership=partnership, is_active=True
        ).select_related("organisation")
        keep_stored_choice(self, self.organisation_field)
        keep_stored_choice(self, self.contact_field)

    def clean(self):
        cleaned = super().clean()
        organisation, contact = cleaned.get(self.organisation_field), cleaned.get(self.contact_field)
        if organisation and contact and contact.organisation_id != organisation.pk:
            self.add_error(self.contact_field, self.works_elsewhere(contact, organisation))
        return cleaned

    def works_elsewhere(self, contact, organisation) -> str:
        return f"{contact.name} does not work for {organisation}"


class OwnerChoiceField(ListedChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name} ({obj.email})" if obj.full_name else obj.email


def review_date_field() -> DateField:
    """The date an entry is next to be reviewed by, as every directory form asks for it."""
    return DateField(
        label="Review by",
        what="The review date",
        input_formats=DATE_FORMATS,
        help_text="For example, 31 3 2027. After this date the entry is marked as overdue for review.",
        error_messages={
            "required": "Enter the date the entry should be reviewed by",
            "invalid": "Enter the review date as day/month/year, for example 31/03/2027",
        },
    )


class EntryForm(RevisionChecked, forms.Form):
    """A directory entry's form: owner and review date, and the ``revision`` the edit started from.

    Iterating the form gives only the fields a person fills in, so the shared form page and error summary
    never render a label for the hidden revision; the template puts ``hidden_fields`` in the form itself.
    The fields named in ``organisation_fields`` offer the partnership's active organisations, and keep the
    ones stored when no longer active (``keep_stored_choice``).
    """

    organisation_fields: tuple[str, ...] = ()

    owner = OwnerChoiceField(
        label="Owner",
        queryset=None,
        empty_label="Choose a member",
        help_text="The member who keeps this entry right. They are reminded when it is due for review.",
        error_messages={
            "required": "Choose who owns this entry",
            "invalid_choice": "Choose a member of the partnership from the list",
        },
    )
    review_due = review_date_field()
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, partnership, members, entry=None, **kwargs):
        if entry is not None:
            kwargs.setdefault("initial", self.initial_from(entry))
        else:
            kwargs.setdefault("initial", {"review_due": a_year_from_today()})
        super().__init__(*args, **kwargs)
        self.partnership = partnership
        self.fields["owner"].queryset = members
        for name in self.organisation_fields:
            self.fields[name].queryset = active_organisations(partnership)
            keep_stored_choice(self, name)
        self.entry = entry
        self.is_edit = entry is not None
        if entry is not None and entry.owner_id and not members.filter(pk=entry.owner_id).exists():
            self.ask_for_new_owner(entry.owner)

    def ask_for_new_owner(self, former_owner) -> None:
        """The owner stored has left the partnership, so is not offered: the field says so before anything is
        typed, and again if saved without a new owner."""
        left = f"{former_owner}, who owned this entry, is no longer a member of the partnership"
        owner = self.fields["owner"]
        owner.help_text = f"{left}. Choose a new owner: they are reminded when the entry is due for review."
        owner.error_messages = {
            **owner.error_messages,
            "required": f"{left}. Choose a new owner for this entry",
        }

    def __iter__(self):
        return (self[name] for name in self.fields if not self[name].is_hidden)

    def hidden_fields(self):
        return [self[name] for name in self.fields if self[name].is_hidden]

    def initial_from(self, entry) -> dict:
        initial = {name: getattr(entry, name) for name in self.base_fields if name != "revision"}
        initial["revision"] = entry.revision
        return initial

    def clean(self):
        cleaned = super().clean()
        if self.is_edit and not cleaned.get("revision"):
            self.errors.pop("revision", None)
            raise ValidationError("This page is out of date. Open the entry again and make your changes.")
        return cleaned

    def details(self) -> dict:
        """What the services save: every field except the revision, which they check separately."""
        return {name: value for name, value in self.cleaned_data.items() if name != "revision"}

    def stored_entry(self):
        """The entry being edited as it is stored now: someone else's save, after an edit conflict."""
        return type(self.entry).objects.get(pk=self.entry.pk)

    def summary_of(self, entry) -> list[tuple[str, str]]:
        """Each field's label and ``entry``'s value as a person reads it, to show someone else's version."""
        rows = []
        for field in self.visible_fields():
            display = getattr(entry, f"get_{field.name}_display", None)
            value = display() if display else getattr(entry, field.name)
            if isinstance(value, date):
                value = date_format(value, "j F Y")
            rows.append((field.label, "" if value is None else str(value)))
        return rows


class ReviewForm(forms.Form):
    """An entry's next review date, set by its owner or a coordinator once they have checked it, with the
    ``revision`` of the entry the page showed."""

    review_due = review_date_field()
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    conflict_advice = (
        "Nothing was saved. The entry is shown below as it is now and the date you entered is kept: check "
        "the entry is still right, then save again."
    )

    def __init__(self, *args, entry, **kwargs):
        # A year ahead, as for a new entry: the owner changes it if the entry needs looking at sooner.
        kwargs.setdefault("initial", {"review_due": a_year_from_today(), "revision": entry.revision})
        super().__init__(*args, **kwargs)

    def __iter__(self):
        return (self[name] for name in self.fields if not self[name].is_hidden)


class RemoveForm(forms.Form):
    """The button that takes an entry off the directory, with the ``revision`` of the entry its page asked
    about: one changed since is not removed unseen."""

    revision = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    conflict_advice = (
        "Nothing was removed. The question below is about it as it is now: check it is still the one to "
        "remove, then remove it or cancel."
    )


class OrganisationForm(EntryForm):
    name = text_field(
        "Name", missing=NO_ORGANISATION_NAME, max_length=200, error_messages={"max_length": NAME_TOO_LONG}
    )
    kind = choice_field(
        "Kind of organisation",
        [("", "Choose a kind"), *OrganisationKind.choices],
        missing="Choose the kind of organisation",
    )
    may_report_incidents = tick_box(
        "Its members may raise incident alerts",
        help_text="An alert records a new incident and alerts the partnership's duty officer at once.",
    )
    leads_partnership = tick_box(
        "It is the partnership's lead organisation",
        help_text="Its community safety team takes part in every incident from the start and owns the "
        "checklist's council actions. Only one organisation leads.",
    )
    field_order = ["name", "kind", "may_report_incidents", "leads_partnership", "owner", "review_due"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_edit:
            # A new organisation takes the usual setting for its kind (police forces may report) and does
            # not lead; both are changed on the organisation's edit page.
            del self.fields["may_report_incidents"]
            del self.fields["leads_partnership"]


class ContactDetailsFields(forms.Form):
    """The fields a contact has in the page form and in a CSV row alike."""

    name = text_field(
        "Name",
        missing="Enter the contact's name",
        max_length=150,
        error_messages={"max_length": "The name must be 150 characters or fewer"},
    )
    job_title = forms.CharField(
        label="Job title",
        max_length=150,
        required=False,
        error_messages={"max_length": "The job title must be 150 characters or fewer"},
    )
    email = forms.EmailField(
        label="Email address",
        required=False,
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
        error_messages={"invalid": ENTER_AN_EMAIL, "max_length": EMAIL_TOO_LONG},
    )
    phone = forms.CharField(
        label="Phone",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "class": "govuk-input--width-20"}),
        error_messages={"max_length": "The phone number must be 40 characters or fewer"},
    )
    other_phone = forms.CharField(
        label="Other phone",
        max_length=40,
        required=False,
        help_text="A mobile or a second number.",
        widget=forms.TextInput(attrs={"type": "tel", "class": "govuk-input--width-20"}),
        error_messages={"max_length": "The other phone number must be 40 characters or fewer"},
    )
    out_of_hours = text_field(
        "Out of hours",
        rows=3,
        max_length=limits.SHORT_TEXT,
        required=False,
        help_text="How to reach them, or who covers for them, outside office hours.",
    )
    escalation_order = forms.IntegerField(
        label="Escalation order",
        required=False,
        min_value=1,
        max_value=99,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
        help_text="1 is called first when the organisation must be reached. Leave blank if not in the order.",
        error_messages={
            "invalid": "Enter the escalation order as a whole number, like 1",
            "min_value": "Enter an escalation order from 1 to 99",
            "max_value": "Enter an escalation order from 1 to 99",
        },
    )


class ContactForm(EntryForm, ContactDetailsFields):
    incident_role = choice_field(
        "Role in incident work",
        IncidentRole.choices,
        radios=True,
        missing="Choose the contact's role in incident work",
        initial=IncidentRole.NONE,
    )
    field_order = [
        "name",
        "job_title",
        "incident_role",
        "escalation_order",
        "phone",
        "other_phone",
        "email",
        "out_of_hours",
        "owner",
        "review_due",
    ]


class SupportServiceForm(EntryForm):
    name = text_field(
        "Name",
        missing="Enter the service's name",
        max_length=200,
        error_messages={"max_length": NAME_TOO_LONG},
    )
    kind = choice_field(
        "Kind of service",
        [("", "Choose a kind"), *SupportServiceKind.choices],
        missing="Choose the kind of service",
    )
    provider = model_choice_field(
        "Provided by", optional="Not a partner organisation", not_listed=CHOOSE_A_LISTED_ORGANISATION
    )
    how_to_refer = text_field(
        "How to refer",
        rows=4,
        missing="Enter how to refer someone to the service",
        max_length=limits.SUMMARY,
        help_text="Who can refer, how (phone, email, form) and what the service needs to know.",
    )
    availability = text_field(
        "Availability",
        rows=3,
        max_length=limits.SHORT_TEXT,
        required=False,
        help_text="Hours, and how to reach it out of hours.",
    )
    capacity_notes = text_field(
        "Capacity notes",
        rows=3,
        max_length=limits.SHORT_TEXT,
        required=False,
        help_text="For example, waiting times or how many people it can take after an incident.",
    )
    field_order = list(SUPPORT_SERVICE_FIELDS)
    organisation_fields = ("provider",)


class LawfulBasisChoices(forms.Form):
    """The three parts of a lawful basis, as separate choices read from data/lawful_bases.toml."""

    article6_basis = forms.ChoiceField(
        label="UK GDPR Article 6 basis",
        error_messages={"required": "Choose the UK GDPR Article 6 basis"},
    )
    article9_condition = forms.ChoiceField(
        label="Article 9 / Schedule 1 condition (special category data)",
        required=False,
        help_text="Only when special category data is covered: health, for example.",
    )
    gateway = forms.ChoiceField(
        label="Gateway",
        required=False,
        help_text="The law that permits the sharing, for example the Crime and Disorder Act 1998 s.115.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["article6_basis"].choices = [("", "Choose a basis"), *lawful_bases.choices("article6")]
        self.fields["article9_condition"].choices = [("", "None"), *lawful_bases.choices("article9")]
        self.fields["gateway"].choices = [("", "None"), *lawful_bases.choices("gateway")]


class SharingAgreementForm(LawfulBasisChoices, EntryForm):
    name = text_field(
        "Name",
        missing="Enter the agreement's name",
        max_length=200,
        error_messages={"max_length": "The name must be 200 characters or fewer"},
    )
    parties = model_tick_boxes(
        "Parties",
        help_text="The organisations of the directory that signed the agreement.",
        error_messages={
            "required": NO_AGREEMENT_PARTIES,
            "invalid_choice": "Choose organisations from the list",
        },
    )
    purpose = text_field(
        "Purpose", rows=3, missing="Enter the purpose of the sharing", max_length=limits.SUMMARY
    )
    data_covered = text_field(
        "Data covered",
        rows=3,
        missing="Enter the data the agreement covers",
        max_length=limits.SUMMARY,
        help_text="The kinds of personal data the parties may share under it.",
    )
    field_order = list(SHARING_AGREEMENT_FIELDS)
    organisation_fields = ("parties",)

    def initial_from(self, entry) -> dict:
        return {**super().initial_from(entry), "parties": list(entry.parties.all())}

    def summary_of(self, entry) -> list[tuple[str, str]]:
        return [
            (label, ", ".join(str(party) for party in entry.parties.all()) if label == "Parties" else value)
            for label, value in super().summary_of(entry)
        ]


# --- Contacts CSV ------------------------------------------------------------------------------------


class ContactRowForm(ContactDetailsFields):
    """One row of a contacts CSV: organisation by name, role by code or label, owner by email address."""

    organisation = forms.CharField(max_length=200, error_messages={"required": NO_ORGANISATION_NAME})
    incident_role = forms.CharField(max_length=200, required=False)
    owner_email = forms.CharField(max_length=EMAIL_MAX_LENGTH, required=False)
    review_due = forms.DateField(
        validators=[limits.within_supported_years],
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": "Enter the review date as YYYY-MM-DD or DD/MM/YYYY, or leave it blank"},
    )

    def __init__(self, *args, organisations: dict, members: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = organisations
        self.members = members

    def clean_organisation(self):
        name = self.cleaned_data["organisation"]
        organisation = self.organisations.get(name.casefold())
        if organisation is None:
            raise ValidationError(
                f"There is no organisation called “{name}” in the directory. "
                "Add it first or check the spelling"
            )
        return organisation

    def clean_incident_role(self):
        given = self.cleaned_data["incident_role"].casefold()
        if not given:
            return IncidentRole.NONE
        for role in IncidentRole:
            if given in {role.value, role.label.casefold()}:
                return role.value
        allowed = ", ".join(f"{role.value} ({role.label})" for role in IncidentRole)
        raise ValidationError(f"Use one of {allowed}")

    def clean_owner_email(self):
        email = self.cleaned_data["owner_email"]
        if not email:
            return None
        owner = self.members.get(normalise_email(email))
        if owner is None:
            raise ValidationError(
                f"{email} is not a member of the partnership. Use a member's email or leave it blank"
            )
        return owner

    def clean_review_due(self):
        return self.cleaned_data["review_due"] or a_year_from_today()

    def contact(self) -> dict:
        """The row as the import service takes it."""
        row = dict(self.cleaned_data)
        row["owner"] = row.pop("owner_email")
        return row

    def problems(self) -> list[str]:
        """Each problem as "column: message", in the file's column order."""
        columns = sorted(self.errors, key=lambda column: contacts_csv.COLUMNS.index(column))
        return [f"{column}: {message}" for column in columns for message in self.errors[column]]


def check_rows(rows, *, organisations: dict, members: dict, listed: frozenset = frozenset(), progress=None):
    """Check every row read from a contacts CSV; return the contacts as the import takes them and the
    problems as (line, [problem, ...]). A row repeating an earlier row, or a contact already ``listed``
    (``import_lookups``), is a problem, so importing a file twice does not list everyone twice.
    ``progress(rows_checked)`` is called now and then, if given."""
    contacts, row_problems, seen = [], [], {}
    for checked, (line, values, problem) in enumerate(rows, start=1):
        if problem:
            row_problems.append((line, [problem]))
        else:
            row = ContactRowForm(values, organisations=organisations, members=members)
            if row.is_valid():
                contact = row.contact()
                key = contact_key(contact["organisation"].pk, contact["name"], contact["email"])
                if key in seen:
                    row_problems.append(
                        (line, [f"it repeats line {seen[key]}: the same contact at the same organisation"])
                    )
                elif key in listed:
                    row_problems.append((line, [already_a_contact(contact["name"], contact["organisation"])]))
                else:
                    seen[key] = line
                    contacts.append(contact)
            else:
                row_problems.append((line, row.problems()))
        if progress is not None and checked % contacts_csv.PROGRESS_EVERY == 0:
            progress(checked)
    return contacts, row_problems


def rows_problem_message(count: int) -> str:
    return (
        f"{count} row{'s' if count != 1 else ''} of the file {'have' if count != 1 else 'has'} "
        "problems, listed below. Nothing was imported. Correct the file and upload it again"
    )


def import_lookups(organisations, members) -> dict:
    """The organisations by name, the members by email address and the contacts already listed at those
    organisations, as ``check_rows`` takes them."""
    organisations = list(organisations)
    listed = Contact.objects.filter(organisation__in=organisations, is_active=True)
    return {
        "organisations": {organisation.name.casefold(): organisation for organisation in organisations},
        "members": {member.email: member for member in members},
        "listed": frozenset(
            contact_key(*values) for values in listed.values_list("organisation_id", "name", "email")
        ),
    }


class ContactImportForm(forms.Form):
    """The uploaded CSV: the whole file is checked, then every row, before anything is imported.

    A file of more than ``contacts_csv.IN_REQUEST_ROWS`` rows is only checked as a whole here: its rows are
    checked and imported by the task worker (``background_text`` holds it), with its progress on a page."""

    file = forms.FileField(
        label="Upload a CSV file",
        help_text="Saved as CSV UTF-8, smaller than 2 MB, with a header row naming the columns.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages={
            "required": "Choose a CSV file to upload",
            "empty": contacts_csv.EMPTY_FILE,
        },
    )

    def __init__(self, *args, organisations, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.lookups = import_lookups(organisations, members)
        self.contacts: list[dict] = []
        self.row_problems: list[tuple[int, list[str]]] = []
        self.background_text = ""
        self.row_count = 0

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > contacts_csv.MAX_BYTES:
            raise ValidationError("The file must be smaller than 2 MB. Split it into smaller files")
        content = upload.read()
        rows = contacts_csv.read_rows(content)
        self.row_count = len(rows)
        if self.row_count > contacts_csv.IN_REQUEST_ROWS:
            self.background_text = content.decode("utf-8-sig")
            return upload
        self.contacts, self.row_problems = check_rows(rows, **self.lookups)
        if self.row_problems:
            raise ValidationError(rows_problem_message(len(self.row_problems)))
        return upload
