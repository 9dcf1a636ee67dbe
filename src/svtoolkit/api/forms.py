from django import forms


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name of the token",
        max_length=100,
        help_text="What it is for, so you recognise it later. For example: weekly report script.",
        error_messages={"required": "Enter a name for the token"},
    )
