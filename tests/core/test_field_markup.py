"""The markup of every kind of form field the project draws (``components/field.html``), checked byte for
byte against a file written when it was last changed on purpose (``field_markup.txt`` beside this test).

How a field is drawn may change (its templates, the engine that draws them); what it draws may not, unless
on purpose: the browser tests' accessibility checks and many page tests rely on it. To accept a deliberate
change, run this test with ``SVTOOLKIT_WRITE_FIELD_MARKUP=1`` and read the difference before committing it."""

import os
from pathlib import Path

from django import forms
from django.core.validators import MinLengthValidator, RegexValidator
from django.template import Context, Template, VariableDoesNotExist
from django.test.signals import template_rendered

from svtoolkit.core.datetimes import DateField, LocalDateTimeField
from svtoolkit.core.forms import choice_field, text_field, tick_box, tick_boxes

EXPECTED = Path(__file__).with_name("field_markup.txt")


class EveryKindOfField(forms.Form):
    name = text_field(
        "The person's name",
        max_length=20,
        missing="Enter the person's name",
        help_text='As it is written: <b>"bold"</b> & so on',
        validators=[MinLengthValidator(3), RegexValidator(r"^[a-z]", "Start with a small letter")],
    )
    reference = forms.CharField(
        label="Reference", widget=forms.TextInput(attrs={"class": "govuk-input--width-10"})
    )
    email = forms.EmailField(label="Email address", required=False)
    secret = forms.CharField(label="Password", widget=forms.PasswordInput, required=False)
    count = forms.IntegerField(label="How many", required=False)
    summary = text_field("Summary", rows=5, max_length=5000, help_text="What happened, in a few lines.")
    notes = text_field("Notes", rows=3, required=False)
    kind = choice_field("Kind", [("", "Choose one"), ("youth", "Children's & youth"), ("adult", "Adult")])
    owner = choice_field("Owner", [("1", "Team <one>"), ("2", "Team two")], required=False, disabled=True)
    status = choice_field(
        "Status", [("to_do", "To do"), ("done", "Done")], radios=True, help_text="Where it's at now."
    )
    tension = choice_field("Tension", [(1, "Low"), (2, "Raised"), (3, "High")], radios=True, required=False)
    factors = tick_boxes("Factors", [("drugs", "Drugs"), ("gangs", "Gangs & groups")], required=False)
    agreed = tick_box("I agree", help_text="Tick if it's agreed.")
    urgent = tick_box("Urgent")
    review_on = DateField(label="Review by", what="The review date", required=False)
    happened_at = LocalDateTimeField(label="When it happened", required=False)
    attachment = forms.FileField(label="Attachment", required=False)
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)


WITH_ERRORS = {
    "name": "!",
    "email": "not an email",
    "count": "many",
    "summary": "y" * 5001,
    "kind": "unknown",
    "factors": ["drugs", "unknown"],
    "review_on_day": "31",
    "review_on_month": "",
    "review_on_year": "26",
    "happened_at_day": "25",
    "happened_at_month": "10",
    "happened_at_year": "2026",
    "happened_at_time": "01:30",
    "revision": "7",
}

FILLED_IN = {
    "name": "o'brien <x> & co",
    "reference": "REF-1",
    "email": "someone@example.org",
    "count": "1234",
    "summary": 'It\'s "quoted" <b>text</b>',
    "notes": "Line one\nLine two",
    "kind": "youth",
    "owner": "2",
    "status": "done",
    "tension": "2",
    "factors": ["drugs", "gangs"],
    "agreed": "on",
    "review_on_day": "27",
    "review_on_month": "3",
    "review_on_year": "2026",
    "happened_at_day": "25",
    "happened_at_month": "10",
    "happened_at_year": "2026",
    "happened_at_time": "01:30",
    "happened_at_clock": "second",
    "revision": "8",
}

PAGE = Template(
    '{% include "components/error_summary.html" %}\n'
    '{% for field in form %}{% include "components/field.html" %}{% endfor %}\n'
    '{% with field=form.reference label_class="govuk-label--m" input_class="govuk-input--width-5" %}'
    '{% include "components/field.html" %}{% endwith %}\n'
    '{% with field=form.summary label_class="govuk-label--s" %}'
    '{% include "components/field.html" %}{% endwith %}'
)


def drawn() -> str:
    forms_drawn = {"empty": EveryKindOfField(), "with errors": EveryKindOfField(data=WITH_ERRORS)}
    forms_drawn["filled in"] = EveryKindOfField(data=FILLED_IN)
    assert forms_drawn["with errors"].errors and forms_drawn["filled in"].is_valid()
    return "".join(
        f"<!-- {name} -->\n{PAGE.render(Context({'form': form}))}\n" for name, form in forms_drawn.items()
    )


def test_every_kind_of_field_draws_the_markup_it_drew_before():
    if os.environ.get("SVTOOLKIT_WRITE_FIELD_MARKUP") == "1":
        EXPECTED.write_text(drawn())
    assert drawn() == EXPECTED.read_text()


def test_a_field_is_drawn_by_one_jinja2_template_not_by_templates_of_django_s_engine():
    drawn_by_django = []

    def note(sender, template, **kwargs):
        drawn_by_django.append(template.name)

    template_rendered.connect(note)
    try:
        PAGE.render(Context({"form": EveryKindOfField(data=WITH_ERRORS)}))
    finally:
        template_rendered.disconnect(note)
    # The component itself for each field, and the date inputs' own boxes (components/widgets/).
    assert set(drawn_by_django) - {None} == {
        "components/field.html",
        "components/error_summary.html",
        "components/error_summary_box.html",
        "components/widgets/date_parts.html",
        "components/widgets/local_datetime.html",
        "components/widgets/date_part.html",
    }


def test_a_field_the_page_gives_no_classes_is_drawn_without_django_s_engine_failing_to_find_them(monkeypatch):
    # Passed as the tag's arguments, each name a page does not give (most give neither) cost an exception.
    missed = []
    original = VariableDoesNotExist.__init__

    def noted(error, message="", params=()):
        missed.extend(name for name in params[:1] if name in {"label_class", "input_class"})
        original(error, message, params)

    monkeypatch.setattr(VariableDoesNotExist, "__init__", noted)
    Template('{% for field in form %}{% include "components/field.html" %}{% endfor %}').render(
        Context({"form": EveryKindOfField()})
    )

    assert missed == []
