from django import forms

from svtoolkit.attachments import checks


class AttachmentForm(forms.Form):
    """A file to attach, and a line saying what it is. The file itself is checked by the service."""

    file = forms.FileField(
        label="Upload a file",
        help_text=(
            f"It must be {checks.ALLOWED}. Everyone who may see this record may download it, so it must not "
            "name anyone affected: their details belong on their own records."
        ),
        widget=forms.ClearableFileInput(),
        error_messages={"required": "Select a file to upload", "empty": checks.EMPTY_FILE},
    )
    description = forms.CharField(
        label="What is it? (optional)",
        help_text="For example: CCTV hand-over record, signed minutes.",
        max_length=200,
        required=False,
    )
