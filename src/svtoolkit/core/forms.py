"""Form helpers shared by every app, and the one place a domain error becomes what a person sees."""

import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property, lru_cache

from django import forms
from django.contrib import messages
from django.db.models import Model, QuerySet
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue
from django.forms.utils import ErrorDict
from django.utils import timezone
from django.utils.formats import date_format
from markupsafe import Markup, escape

from svtoolkit.core import limits
from svtoolkit.core.datetimes import is_plain_number
from svtoolkit.core.errors import DomainError, EditConflict
from svtoolkit.core.kept_lists import KeptLists

# Format messages said alike wherever the same kind of thing is typed or chosen, so each is written once.
ENTER_AN_EMAIL = "Enter an email address like name@example.org"
# What an email address column holds (a model's EmailField); a form's EmailField would take up to 320.
EMAIL_MAX_LENGTH = 254
EMAIL_TOO_LONG = f"The email address must be {EMAIL_MAX_LENGTH} characters or fewer"
CHOOSE_A_LISTED_ORGANISATION = "Choose an organisation from the list"
# Beside a record a form still shows as chosen though it has left its list (``keep_stored_choice``).
NO_LONGER_ACTIVE = "no longer active"
ENTER_A_TITLE = "Enter a title"
ENTER_THE_ACTION = "Enter the action"

ORIGINALS = "originals"
SHOWN = "shown"


class AddressForm(forms.Form):
    """A GET form read from the page's address (a filter, a period): always bound, so the page shows what it
    counts, with ``defaults`` standing in for a value the address leaves out or empty. A value not offered is
    an error to show (``pages.address_page``), never read as the default in silence."""

    defaults: dict[str, str] = {}

    def __init__(self, query):
        super().__init__({name: query.get(name) or self.defaults.get(name, "") for name in self.base_fields})


# The field shapes every form repeats, written once. ``missing`` is the message shown when a required field is
# left empty (Django's own when not given); every other keyword goes to the Django field as it is.


class TextField(forms.CharField):
    """Free text, changed only when what it says is (as ``comparable`` has it): a browser sends a text area's
    line breaks as CRLF, which the same text stored with LF (seeded, imported) is not changed by."""

    def has_changed(self, initial, data) -> bool:
        return super().has_changed(initial, data) and comparable(initial) != comparable(self.to_python(data))


def text_field(label, *, rows: int | None = None, missing: str | None = None, **kwargs) -> TextField:
    """Free text: one line, or a text area of ``rows`` lines."""
    if rows:
        kwargs["widget"] = forms.Textarea(attrs={"rows": rows})
    return TextField(label=label, **_told_when_missing(missing, kwargs))


def choice_field(
    label, choices, *, missing: str | None = None, radios: bool = False, **kwargs
) -> forms.ChoiceField:
    """One of ``choices``: a select, or GOV.UK radios for a short list (``radios``)."""
    if radios:
        kwargs["widget"] = forms.RadioSelect
    return forms.ChoiceField(label=label, choices=choices, **_told_when_missing(missing, kwargs))


class ListedChoiceIterator(ModelChoiceIterator):
    """A list of records read with one plain query, once per form: Django's own iterator reads them through
    ``queryset.iterator()``, on PostgreSQL a server-side cursor (declare, fetch and close) each time the
    choices are shown, which costs more than the tens of records a partnership's list holds. Records a form
    keeps though no longer listed (``keep_stored_choice``) are labelled so. A field ``labelled_by`` some
    columns reads only those to show its records (validation still reads the chosen record whole)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        listed = self._listed()
        if listed is not None:
            for pk, label in listed:
                yield ModelChoiceIteratorValue(pk, None), label
            return
        kept = getattr(self.field, "stored_kept", None)
        if kept is None:
            for record in labelled(self.queryset, self.field):
                yield self.choice(record)
            return
        listed_pks = {record.pk for record in kept.listed}
        # Only when a stored record has left the list is it read too, in the list's own order.
        choosable = kept.choosable_in(self.field)
        records = kept.listed if listed_pks.issuperset(kept.pks) else labelled(choosable, self.field)
        for record in records:
            value, label = self.choice(record)
            yield value, label if record.pk in listed_pks else f"{label} ({NO_LONGER_ACTIVE})"

    def options(self) -> "ListedOptions | None":
        """The options a select of this list shows (``Select``), written once for each version of a kept
        list; None when the list is read to be shown (not kept, or a stored record gone from it)."""
        listed = self._listed()
        if listed is None:
            return None
        empty = () if self.field.empty_label is None else (("", self.field.empty_label),)
        return listed_options((*empty, *listed))

    def _listed(self) -> list[tuple] | None:
        """The (id, label) pairs of the kept list when they are all the field shows (every record the form
        keeps as stored is in it), else None."""
        kept = getattr(self.field, "stored_kept", None)
        listed = self._kept_list(kept)
        if listed is not None and (kept is None or {pk for pk, _ in listed}.issuperset(kept.pks)):
            return listed
        return None

    def _kept_list(self, kept) -> list[tuple] | None:
        """The (id, label) pairs of the list as ``core.kept_lists`` keeps them, when the field's list is the
        one offered to be kept (a form that changes it or its labels after, or a stored record gone from it:
        read)."""
        kept_list = getattr(self.field, "kept_list", None)
        if kept_list is None or not kept_list.still_offered(self.field):
            return None
        return kept_list.choices(
            kept.listed if kept is not None else labelled(self.queryset, self.field),
            self.field.label_from_instance,
        )

    def __len__(self):
        # Counted from the records read (and kept to be shown), where Django's own asks the database again.
        return sum(1 for _ in self)


def labelled(records: QuerySet, field) -> QuerySet:
    """``records`` reading only the columns ``field`` is ``labelled_by`` (all of them when it names none)."""
    columns = getattr(field, "labelled_by", ())
    return records.only(*columns) if columns else records


class ListedOptions:
    """A select's options as Django's select template writes them (``core/widgets/select.html``), written
    once: a page only marks the one chosen."""

    def __init__(self, choices: tuple):
        parts, self.ends, written = [], {}, 0
        for value, label in choices:
            opening = f'\n  <option value="{escape(str(value))}"'
            # Where " selected" goes: after the first option of each value, the one Django would mark.
            self.ends.setdefault(str(value), written + len(opening))
            parts += [opening, f">{escape(label)}</option>"]
            written += len(parts[-2]) + len(parts[-1])
        self.markup = "".join(parts)

    def marked(self, values: list[str]) -> Markup:
        """The options with the first one whose value is among ``values`` (the widget's, as strings) marked
        selected, as Django marks it."""
        at = min((self.ends[value] for value in values if value in self.ends), default=None)
        if at is None:
            return Markup(self.markup)
        return Markup(f"{self.markup[:at]} selected{self.markup[at:]}")


@lru_cache(maxsize=256)
def listed_options(choices: tuple) -> ListedOptions:
    """The options of ``choices`` ((value, label) pairs), written once for as long as a kept list holds them:
    keyed by the pairs themselves, a list that changes is written anew, never shown as it was."""
    return ListedOptions(choices)


class Select(forms.Select):
    """The select of a list field: when its options are a kept list's (``ListedChoiceIterator.options``), they
    are written once for each version of the list and each page marks only the one chosen, where Django's
    select makes a dictionary and draws a template line for every option on every page. The same markup.
    Named as Django's so that a field's ``widget_type`` is still "select" (GOV.UK's class goes by it)."""

    def get_context(self, name, value, attrs):
        options = self.choices.options() if isinstance(self.choices, ListedChoiceIterator) else None
        if options is None:
            return super().get_context(name, value, attrs)
        # What every widget's context holds (its name, value and attributes), without Django's options.
        context = forms.Widget.get_context(self, name, value, attrs)
        context["widget"]["drawn_options"] = options.marked(context["widget"]["value"])
        return context


class ListedChoiceField(forms.ModelChoiceField):
    """One record from a list, its choices read as ``ListedChoiceIterator`` says. The record the form shows
    as stored (``keep_stored_choice``), sent back unchanged, is that record as the view read it: it may
    always be chosen, so it is not read again (an action saved with the same owner, the commonest save)."""

    iterator = ListedChoiceIterator
    widget = Select

    def __init__(self, *args, labelled_by: tuple = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.labelled_by = tuple(labelled_by)

    def to_python(self, value):
        kept = getattr(self, "stored_kept", None)
        if kept is None or value in self.empty_values:
            return super().to_python(value)
        stored = None if self.to_field_name else kept.stored_pk(value)
        if stored in kept.records:
            return kept.records[stored]
        # Checked, as Django checks it, against what may be chosen: a record kept as stored among the records
        # kept (a query the simpler, for the commonest save), any other among the list and those records.
        choosable = (
            kept.kept_alone if stored is not None and self.queryset is kept.of else kept.choosable_in(self)
        )
        listed, self._queryset = self._queryset, choosable
        try:
            return super().to_python(value)
        finally:
            self._queryset = listed


def model_choice_field(
    label, *, missing: str | None = None, optional: str | None = None, not_listed: str | None = None, **kwargs
) -> ListedChoiceField:
    """One record from a list the form's ``__init__`` gives (its ``queryset``: a partnership's own).

    ``optional`` makes it optional, with that as the empty choice's words ("Nobody yet"); ``not_listed`` is
    the message when what was sent is not in the list (a record removed while the page was open).
    ``labelled_by`` names the only columns the list's labels read (the record's ``__str__``), so that only
    those are read to show it; a column read besides would be one more query for each record."""
    kwargs.setdefault("queryset", None)
    if optional is not None:
        kwargs.update(required=False, empty_label=optional)
    if not_listed is not None:
        kwargs["error_messages"] = {"invalid_choice": not_listed, **kwargs.get("error_messages", {})}
    return ListedChoiceField(label=label, **_told_when_missing(missing, kwargs))


def tick_boxes(label, choices=(), *, missing: str | None = None, **kwargs) -> forms.MultipleChoiceField:
    """GOV.UK checkboxes: any of ``choices`` (or of the choices the form's ``__init__`` gives)."""
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        widget=forms.CheckboxSelectMultiple,
        **_told_when_missing(missing, kwargs),
    )


class RecordsField(forms.ModelMultipleChoiceField):
    """Records of a list by id, where an id no record can have (``limits.is_record_id``: past 2**63 - 1,
    which the database would fail on) is not one of the choices, like any other id not listed. Its choices are
    read as ``ListedChoiceIterator`` says."""

    iterator = ListedChoiceIterator

    def _check_values(self, value):
        for given in value:
            try:
                number = int(str(given).strip())
            except ValueError:
                continue  # not a number: Django's own check says so
            if not limits.is_record_id(number):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": given}
                )
        return super()._check_values(value)


def model_tick_boxes(label, *, missing: str | None = None, **kwargs) -> RecordsField:
    """GOV.UK checkboxes: any records from a list the form's ``__init__`` gives (its ``queryset``)."""
    kwargs.setdefault("queryset", None)
    return RecordsField(
        label=label, widget=forms.CheckboxSelectMultiple, **_told_when_missing(missing, kwargs)
    )


def tick_box(label, **kwargs) -> forms.BooleanField:
    """A GOV.UK checkbox that says yes when ticked: left unticked it means no, never that something is
    missing."""
    return forms.BooleanField(label=label, required=False, **kwargs)


def _told_when_missing(missing: str | None, kwargs: dict) -> dict:
    if missing is not None:
        kwargs["error_messages"] = {"required": missing, **kwargs.get("error_messages", {})}
    return kwargs


def listed_or_stored(listed: QuerySet, stored_pks) -> QuerySet:
    """What may be chosen where the record stored is kept: the records ``listed`` and those stored (by id),
    even once they have left the list (a member who left, an organisation closed). A web form keeps them
    through ``keep_stored_choice``, the API's fields of the partnership's records alike."""
    return (listed | listed.model._default_manager.filter(pk__in=stored_pks)).distinct()


@dataclass
class StoredKept:
    """What ``keep_stored_choice`` leaves on a field: its list of active records (``of``, and ``listed`` as
    its labels read it), and the stored ones kept (``records``: those the form was given as records rather
    than ids, by id)."""

    of: QuerySet
    listed: QuerySet
    pks: set
    records: dict

    @cached_property
    def choosable(self) -> QuerySet:
        """What may be chosen: the list and the records kept. Made when first read (a value checked, the list
        read with a stored record gone from it), not for a page shown from a kept list."""
        return listed_or_stored(self.of, self.pks)

    @property
    def kept_alone(self) -> QuerySet:
        """The records kept, all of which may be chosen."""
        return self.of.model._default_manager.filter(pk__in=self.pks)

    def choosable_in(self, field) -> QuerySet:
        """What may be chosen in ``field``: ``choosable`` while it lists what the records were kept beside,
        else its own queryset (a model form's field, given ``choosable``; a list the form set since)."""
        return self.choosable if field.queryset is self.of else field.queryset

    def stored_pk(self, value):
        """The id of the record kept that ``value`` (an id sent back, or a record) names, else None."""
        pk = value.pk if isinstance(value, Model) else value
        try:
            pk = self.of.model._meta.pk.to_python(pk)
        except (forms.ValidationError, TypeError):
            return None
        return pk if pk in self.pks else None


def keep_stored_choice(form, name) -> None:
    """Let field ``name``, a list of the records still active, offer too the one the form shows as stored when
    it is no longer active (a member who left, a contact taken out of the directory), labelled so: an answer
    saved untouched keeps it rather than losing it. Choosing any other record outside the list is refused.
    A field of several records (tick boxes) keeps each of those stored alike."""
    field = form.fields[name]
    stored = form.get_initial_for_field(field, name)
    several = stored if isinstance(stored, (list, tuple, QuerySet)) else [stored]
    stored_pks = [getattr(record, "pk", record) for record in several]
    stored_pks = [pk for pk in stored_pks if pk not in (None, "")]
    if not stored_pks:
        return
    listed = field.queryset
    to_pk = listed.model._meta.pk.to_python
    records = {record.pk: record for record in several if isinstance(record, listed.model)}
    field.stored_kept = kept = StoredKept(
        of=listed, listed=labelled(listed, field), pks={to_pk(pk) for pk in stored_pks}, records=records
    )
    if isinstance(field, ListedChoiceField):
        return  # it lists its queryset and checks a value against what may be chosen (ListedChoiceField)
    # Django's own fields (a model form's, tick boxes) show their choices as project fields do, and check a
    # value against their queryset: what may be chosen.
    field.iterator = ListedChoiceIterator
    field.queryset = kept.choosable


class PartnershipChoices:
    """Mixin for a form whose lists are a partnership's own records, made with a ``partnership`` keyword:
    ``partnership_choices`` maps each such field to the selector that lists them for that partnership
    (``{"owner": member_users}``), so the form's ``__init__`` need not set each ``queryset`` by hand. The
    fields named in ``stored_choices_kept`` still offer the record stored when it has left the list
    (``keep_stored_choice``)."""

    partnership_choices: dict = {}
    stored_choices_kept: tuple = ()

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        for name, listed_for in self.partnership_choices.items():
            self.fields[name].queryset = listed_for(partnership)
        for name in self.stored_choices_kept:
            keep_stored_choice(self, name)
        # Shown from the cache while nobody changes them (core.kept_lists); a POST is checked against the
        # database all the same.
        lists = KeptLists(self, partnership)
        for name in self.partnership_choices:
            lists.offer(name, self.fields[name])


NOT_EDITED = {"revision", ORIGINALS}


class RevisionChecked:
    """Mixin for a form that edits a revision-checked record (``revision`` is its hidden field).

    The page carries, beside the revision it was based on, the values it showed (a hidden ``originals``
    field), so after an edit conflict the server can tell which fields this person changed: only those keep
    what they typed; every other field takes the value stored now (see ``show_edit_conflict``). The view
    builds the form with ``initial`` read from the record as stored when the request arrived.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[ORIGINALS] = forms.CharField(widget=forms.HiddenInput, required=False)
        self.keep_originals()

    def changed_since_read(self) -> bool:
        """Whether the record moved on since the page was read: the revision sent is not the one stored now
        (the view's ``initial``). Such a page is answered with the conflict first, before its fields are
        judged against the record as it is now (an owner it shows may since have been replaced, and left)."""
        stored = self.initial.get("revision")
        sent = str(self.data.get(self.add_prefix("revision")) or "").strip()
        # No revision, or one that is no number, is the form's own error to show (10 digits: 2**31 - 1).
        readable = is_plain_number(sent, digits=10)
        return self.is_bound and stored not in (None, "") and readable and int(sent) != int(stored)

    def keep_originals(self) -> None:
        """Put the values the page shows in its hidden ``originals``: called again by a form that adds fields
        of its own after this mixin's ``__init__``, so that they are told apart after a conflict too."""
        if not self.is_bound:
            self.initial[ORIGINALS] = json.dumps(self._comparable_values(self._initial_values()))

    def clean(self):
        cleaned = super().clean()
        # What the page showed is for telling changes apart, never something a service saves.
        self.cleaned_data.pop(ORIGINALS, None)
        return cleaned

    def has_edits(self) -> bool:
        """Whether the person changed anything on the page (the revision and originals are not theirs): what
        was sent differs from what is stored now and, when the page carried them, from its ``originals`` too,
        so that a field someone else changed meanwhile is not taken for this person's change."""
        edited = [name for name in self.changed_data if name not in NOT_EDITED]
        originals = self.originals()
        if originals is None:  # a page opened before the originals were carried: what differs is theirs
            return bool(edited)
        stored = self._comparable_values(self._initial_values())
        return any(self._sent(name) != originals.get(name, stored[name]) for name in edited)

    def _sent(self, name):
        """What was sent for field ``name``, as ``comparable`` gives it; None, unlike any value a page shows,
        when it is no value the field takes (it is the person's, for the form's check to explain)."""
        try:
            return comparable(self.fields[name].clean(self[name].data))
        except forms.ValidationError:
            return None

    def _edited_names(self) -> list[str]:
        return [name for name in self.fields if name not in NOT_EDITED]

    def _initial_values(self) -> dict:
        return {name: self.get_initial_for_field(self.fields[name], name) for name in self._edited_names()}

    def _comparable_values(self, values: dict) -> dict:
        return {name: comparable(value) for name, value in values.items()}

    def originals(self) -> dict | None:
        """The values the page showed when this edit began, as ``comparable`` gives them (None if unknown).
        Read under the form's prefix, as its page wrote them (one form of several on a page)."""
        try:
            shown = json.loads(self.data.get(self.add_prefix(ORIGINALS)) or "null")
        except (ValueError, RecursionError):  # not JSON, or nested past the decoder's depth: unknown
            return None
        return shown if isinstance(shown, dict) else None

    def rebase_after_conflict(self) -> list[tuple[str, str]] | None:
        """Move the form onto the record as stored now; return (field, their value) where both changed it.

        Fields this person did not change take the stored values, fields they changed keep what they typed,
        and the revision and originals become those of the stored record, so a second save writes only this
        person's changes over the other's. None (and nothing moved) when the view gave no stored record.
        """
        if self.initial.get("revision") in (None, ""):
            return None
        originals = self.originals()
        stored = self._initial_values()
        if originals is None:  # a page opened before the originals were carried: what differs is theirs
            originals = self._comparable_values(stored) | {name: None for name in self.changed_data}
        merged, clashes = {}, []
        for name in self._edited_names():
            stored_value = comparable(stored[name])
            before = originals.get(name, stored_value)
            # A field that failed its check (judged against the record as it is now) is compared as sent.
            typed = self.cleaned_data[name] if name in self.cleaned_data else self[name].data
            if comparable(typed) == before:
                merged[name] = stored[name]
                continue
            merged[name] = typed
            if stored_value != before and stored_value != comparable(typed):
                clashes.append((name, shown_value(self.fields[name], stored[name])))
        merged["revision"] = self.initial.get("revision")
        merged[ORIGINALS] = json.dumps(self._comparable_values(stored))
        # The form is shown again from these values, as a page that starts from them would be.
        self.is_bound = False
        self.data, self.files = {}, {}
        self.initial = merged
        self._bound_fields_cache = {}
        self._errors = ErrorDict()
        self.cleaned_data = {}
        return clashes


class WhatThePageShowed(forms.JSONField):
    """A hidden field of JSON the page wrote. Not JSON, or nested past the decoder's depth, it says nothing
    of what the page showed (as ``RevisionChecked.originals`` takes it): the records it lists count as
    changed meanwhile, and the page shows them as stored now, rather than an error no one can put right."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except (forms.ValidationError, RecursionError):
            return None

    def bound_data(self, data, initial):
        try:
            return super().bound_data(data, initial)
        except RecursionError:
            return None


class ShownRecords:
    """Mixin for a form that changes records its page lists, which have no form of their own (an incident's
    partners, the plan's actions): its hidden ``shown`` carries what the page showed of each, ``{id: value}``
    as ``stored_now()`` reads it, for the service to compare with what is stored, so that a record changed
    meanwhile is refused (EditConflict) rather than overwritten. After a conflict the form carries what is
    stored now (``show_edit_conflict``): sent again, knowingly, it goes through."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[SHOWN] = WhatThePageShowed(widget=forms.HiddenInput, required=False)
        # Read only when the page is drawn: a form sent back holds what its page showed.
        self.initial.setdefault(SHOWN, self.stored_now)

    def stored_now(self) -> dict:
        """What the page shows of each record it lists, by id, as stored now."""
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        # What the page showed is for the service to compare (``seen``), never something it saves.
        shown = self.cleaned_data.pop(SHOWN, None)
        self.shown = shown if isinstance(shown, dict) else {}
        return cleaned

    def seen(self, pk):
        """What the page showed of record ``pk`` (None when it did not list it, or sent nothing)."""
        return self.shown.get(str(pk))


def initial_from(record, *names, **values) -> dict:
    """A form's ``initial`` for editing ``record``: each of ``names`` as the record holds it, and ``values``
    for the fields a page shows otherwise (a time in local time, the ids of related records)."""
    return {name: getattr(record, name) for name in names} | values


def revised(data: dict) -> dict:
    """A revision-checked form's cleaned data as a service takes it: the revision the page was based on
    becomes ``expected_revision`` (see ``core.locking.save_if_unchanged``), every other field as it is."""
    fields = dict(data)
    fields["expected_revision"] = fields.pop("revision")
    return fields


def comparable(value):
    """``value`` (typed, or as stored) in a form two values can be compared in, and written as JSON."""
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, (list, tuple, set, frozenset)) or hasattr(value, "model"):
        return sorted(str(comparable(item)) for item in value)
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.replace(second=0, microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize())
    if value is None or value is False:
        return ""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").strip()
    return str(value)


def shown_value(field, value) -> str:
    """``value`` of ``field`` as a person reads it, to name someone else's version beside theirs."""
    if value in (None, "", [], ()):
        return "nothing"
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "j F Y H:i")
    if isinstance(value, date):
        return date_format(value, "j F Y")
    choices = dict(getattr(field, "choices", None) or [])
    if hasattr(field, "queryset"):
        wanted = comparable(value)
        wanted = wanted if isinstance(wanted, list) else [wanted]
        kept = getattr(field, "stored_kept", None)
        records = field.queryset if kept is None else kept.choosable_in(field)
        return ", ".join(str(item) for item in records.filter(pk__in=wanted)) or "nothing"
    if choices:
        keys = value if isinstance(value, (list, tuple)) else [value]
        return ", ".join(str(choices.get(key, key)) for key in keys)
    if isinstance(value, (list, tuple)):  # a list typed as text (email domains, one a line)
        return ", ".join(str(item) for item in value)
    if value is True:
        return "yes"
    return str(value)


# What a form that is not ``RevisionChecked`` tells the person after an edit conflict, unless it says better
# (``conflict_advice``: an upload, whose file the browser does not keep, does).
PLAIN_CONFLICT_ADVICE = (
    "What you entered is below and was not saved; their version is shown underneath. "
    "Check both, then save again."
)


def show_edit_conflict(form, *, thing: str, current_revision: int | None, message: str = "") -> None:
    """Tell the person their save lost a race and let their next save write only what they changed.

    A ``RevisionChecked`` form moves onto the stored record: what the other person changed comes in, what
    this person changed stays, and a field both changed shows both values for the person to choose. Any
    other form keeps what was typed and takes the stored revision (a ``ShownRecords`` form, what is stored
    now of the records its page lists). ``message`` replaces the first sentence.
    """
    opening = message or f"Someone else changed this {thing} while you were editing it."
    clashes = form.rebase_after_conflict() if isinstance(form, RevisionChecked) else None
    if clashes is None:
        form.add_error(None, f"{opening} {getattr(form, 'conflict_advice', PLAIN_CONFLICT_ADVICE)}")
        form.data = form.data.copy()
        form.data["revision"] = "" if current_revision is None else current_revision
        if isinstance(form, ShownRecords):
            form.data[SHOWN] = json.dumps(form.stored_now())
        return
    if not clashes:
        form.add_error(
            None,
            f"{opening} Nothing was saved yet: the form now holds their changes and yours together. "
            "Check it, then save again.",
        )
        return
    form.add_error(
        None,
        f"{opening} They changed something you changed too. Nothing was saved yet: choose which version to "
        "keep where shown, then save again.",
    )
    for name, theirs in clashes:
        form.add_error(
            name,
            f"Someone else saved “{theirs}” here while you were editing. What you entered is kept: keep it, "
            "or change it to theirs.",
        )


def add_domain_error(form, error: DomainError) -> None:
    """Show ``error`` on its field when the form has that field, else above the form (a non-field error)."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


def shown_by_service(form, check, **values) -> None:
    """Run a service's check of some inputs (a function that raises DomainError) while the form is cleaned,
    so the form shows that rule beside its own problems, at once and in the service's words; the service
    runs the same check again when it is called. Values the form could not read are not checked."""
    if any(value is None for value in values.values()):
        return
    try:
        check(**values)
    except DomainError as error:
        add_domain_error(form, error)


class ServiceChecked:
    """Mixed into a form whose inputs a service checks too: ``service_check`` (a function that raises
    DomainError) runs as the form is cleaned, given the values of the fields ``service_checks`` names as
    keywords of the same names, so the form shows that rule with its own problems (``shown_by_service``)."""

    service_check = None
    service_checks: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # ``("observed_at")`` is a string, whose letters would be taken for field names: refused at import.
        if not isinstance(cls.service_checks, tuple):
            raise TypeError(f"{cls.__name__}.service_checks must be a tuple of field names")

    def clean(self):
        cleaned = super().clean()
        # Read from the class: a function stored on a class would otherwise be bound to the form.
        check = type(self).service_check
        shown_by_service(self, check, **{name: cleaned.get(name) for name in self.service_checks})
        return cleaned


@dataclass
class Refusal:
    """What ``errors_shown_on`` caught, for the view to read after the ``with`` block (both None: nothing)."""

    error: DomainError | None = None

    @property
    def conflict(self) -> EditConflict | None:
        return self.error if isinstance(self.error, EditConflict) else None


@contextmanager
def errors_shown_on(form, *, thing: str | None = "record"):
    """Run a service call and its success path; a DomainError raised inside ends the block and is shown on
    ``form`` (see ``add_domain_error``), an EditConflict as the conflict message (``show_edit_conflict``,
    with ``thing`` naming the record, or opening with the service's own conflict message when ``thing`` is
    None). Yields a ``Refusal`` so the view can show "their version" afterwards::

        with errors_shown_on(form, thing="action") as refused:
            services.update_action(...)
            return redirect(...)
        if refused.conflict:
            planned.refresh_from_db()
    """
    refused = Refusal()
    try:
        yield refused
    except EditConflict as conflict:
        refused.error = conflict
        show_edit_conflict(
            form,
            thing=thing or "record",
            current_revision=conflict.current_revision,
            message="" if thing else conflict.message,
        )
    except DomainError as error:
        refused.error = error
        add_domain_error(form, error)


@contextmanager
def errors_as_message(request):
    """For a button with no form (a plain POST that redirects): a DomainError raised inside ends the block
    and becomes an error message on the next page. Yields a ``Refusal`` like ``errors_shown_on``."""
    refused = Refusal()
    try:
        yield refused
    except DomainError as error:
        refused.error = error
        messages.error(request, error.message)


@contextmanager
def errors_shown_by_page():
    """For a page with a button and no form that shows a refusal in its own error summary (a confirmation
    page answered on itself): a DomainError raised inside ends the block and is kept, as ``refused.error``,
    for the page to show (its message when printed). Yields a ``Refusal`` like ``errors_shown_on``."""
    refused = Refusal()
    try:
        yield refused
    except DomainError as error:
        refused.error = error


def record_id_in(text: str) -> int | None:
    """The id of a record ``text`` (a hidden field, a query string) names, or None when it names none: not
    plain digits, or no number a record's id can be (``limits.is_record_id``). Measured before ``int`` reads
    it, which fails on more than 4,300 digits."""
    if not is_plain_number(text, digits=len(str(limits.LARGEST_ID))):
        return None
    number = int(text)
    return number if limits.is_record_id(number) else None


def id_from(value) -> int:
    """An object id from a query string or hidden field; anything else is a page not found, not an error."""
    from django.http import Http404

    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("No such object") from None
