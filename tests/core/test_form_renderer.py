"""Form widgets: Django's own templates are drawn through Jinja2 (several times cheaper: a select of a hundred
options is a hundred sub-templates), our own widget templates through Django's engine, as before."""

from django import forms
from django.forms.renderers import get_default_renderer

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
