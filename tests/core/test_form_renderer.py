"""Form widgets: Django's own templates are drawn through Jinja2 (several times cheaper: a select of a hundred
options is a hundred sub-templates), our own widget templates through Django's engine, as before."""

from django import forms
from django.forms.renderers import Jinja2, get_default_renderer

from svtoolkit.core.datetimes import DateField, LocalDateTimeField


class Choosing(forms.Form):
    owner = forms.ChoiceField(choices=[(str(n), f"Children's team {n}") for n in range(100)])
    note = forms.CharField(widget=forms.Textarea)
    on = DateField(label="On")
    at = LocalDateTimeField(label="When it happened")


def test_django_s_own_widget_templates_are_drawn_by_jinja2():
    template = get_default_renderer().get_template("django/forms/widgets/select.html")
    assert type(template).__module__ == "django.template.backends.jinja2"


def test_every_widget_still_draws_its_markup():
    form = Choosing(data={"owner": "7", "note": "<b>kept as text</b>"})
    html = str(form["owner"])
    assert html.count("<option") == 100
    assert '<option value="7" selected>Children&#39;s team 7</option>' in html
    assert "&lt;b&gt;kept as text&lt;/b&gt;</textarea>" in str(form["note"])
    # Our own widgets (components/widgets/) have no Jinja2 copy and are drawn as before.
    assert 'name="on_day"' in str(form["on"]) and 'name="at_time"' in str(form["at"])


class Grouped(forms.Form):
    team = forms.ChoiceField(
        choices=[
            ("", "Nobody yet"),
            ("Council", [("1", "Children's team"), ("2", 'Youth <offending> & "justice"')]),
            ("3", "Police"),
        ]
    )
    teams = forms.MultipleChoiceField(choices=[("1", "One"), ("2", "Two"), ("3", "Three")])
    answer = forms.NullBooleanField()


def test_a_select_draws_its_options_in_place_with_the_same_markup_as_django_s_own():
    renderer = get_default_renderer()
    assert renderer.get_template("django/forms/widgets/select.html").template.filename.endswith(
        "core/widgets/select.html"
    )
    data = {"team": "2", "teams": ["1", "3"], "answer": "true"}
    form, as_django_draws_it = Grouped(data=data), Grouped(data=data, renderer=Jinja2())
    attrs = {"class": "govuk-select", "disabled": True, "aria-describedby": "x"}
    for name in form.fields:
        ours = form[name].as_widget(attrs=attrs)
        assert ours == as_django_draws_it[name].as_widget(attrs=attrs), name
    assert [str(form[name]).count("<option") for name in form.fields] == [4, 3, 3]
    assert '<option value="2" selected>Youth &lt;offending&gt; &amp; &#34;justice&#34;</option>' in str(
        form["team"]
    )
