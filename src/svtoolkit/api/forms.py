from django import forms
from django.conf import settings

from svtoolkit.api.services import MAX_TOKEN_DAYS


def lifetime_choices():
    days = sorted({7, 30, 90, 180, MAX_TOKEN_DAYS, settings.API_TOKEN_DEFAULT_DAYS})
    return [(day, "1 year" if day == 365 else f"{day} days") for day in days if day <= MAX_TOKEN_DAYS]


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name of the token",
        max_length=100,
        help_text="What it is for, so you recognise it later. For example: weekly report script.",
        error_messages={"required": "Enter a name for the token"},
    )
    valid_days = forms.TypedChoiceField(
        label="How long should it work?",
        coerce=int,
        empty_value=None,
        required=False,
        choices=lifetime_choices,
        widget=forms.RadioSelect,
        help_text="After this the token stops working and you make a new one.",
        error_messages={"invalid_choice": "Choose how long the token should work"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["valid_days"].initial = settings.API_TOKEN_DEFAULT_DAYS
