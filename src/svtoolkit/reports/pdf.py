"""PDFs from Django templates with WeasyPrint: the print stylesheet puts the protective marking at the top and
foot of every page, with the page number.

WeasyPrint fetches nothing: the stylesheet is read from this app and every other URL is refused, so text
typed into an incident can never make the server request an address.
"""

from pathlib import Path

from django.http import HttpResponse
from django.template.loader import render_to_string

from svtoolkit.core import downloads

STYLESHEET = Path(__file__).resolve().parent / "data" / "print.css"


def pdf_bytes(request, template_name: str, context: dict) -> bytes:
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string(template_name, context, request=request)
    # No protocol is allowed: an image or link address in the page is never fetched.
    fetch_nothing = URLFetcher(allowed_protocols=set())
    return HTML(string=html, url_fetcher=fetch_nothing).write_pdf(stylesheets=[CSS(filename=str(STYLESHEET))])


def pdf_response(
    request, template_name: str, context: dict, *, filename: str, marking: str, exercise: bool = False
) -> HttpResponse:
    """A PDF marked on every page and in its keywords with the marking of the most sensitive thing in it; an
    exercise's is named EXERCISE first."""
    content = pdf_bytes(request, template_name, {**context, "protective_marking": marking})
    return downloads.download(
        content, filename=filename, content_type="application/pdf", marking=marking, exercise=exercise
    )
