"""What coordinators type to set up an endpoint, with messages a person understands."""

from django import forms

from svtoolkit.core.events import EVENT_TYPES
from svtoolkit.core.forms import RevisionChecked, ServiceChecked, tick_box, tick_boxes
from svtoolkit.webhooks import services


class EndpointForm(ServiceChecked, forms.Form):
    url = forms.URLField(
        label="Address (URL) of the endpoint",
        help_text="Where svtoolkit sends each event, given by whoever runs the receiving system. "
        "It must start with https://.",
        max_length=500,
        assume_scheme="https",
        error_messages={
            "required": "Enter the address of the endpoint",
            "invalid": "Enter a web address that starts with https://",
            "max_length": "The address must be 500 characters or fewer",
        },
    )
    description = forms.CharField(
        label="What it is for",
        help_text="So other coordinators know, for example: Council Teams channel through Power Automate.",
        max_length=200,
        required=False,
        error_messages={"max_length": "Describe it in 200 characters or fewer"},
    )
    # Not required here: that one is chosen is the service's rule, shown here with the form's own.
    event_types = tick_boxes("Events it hears of", list(EVENT_TYPES.items()), required=False)
    service_check = services.check_event_types
    service_checks = ("event_types",)


class EndpointChangeForm(RevisionChecked, EndpointForm):
    is_active = tick_box(
        "Send events to this endpoint",
        help_text="While it is off, no events are sent to it. Those waiting when it is switched off are not "
        "sent (the delivery log shows them as not sent): once it is on again, it hears only of new events.",
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
