"""Page objects for the browser tests: the steps many journeys repeat, written once.

A page object wraps a Playwright ``Page`` on one of svtoolkit's pages and offers what a person does there in
the page's own words (labels, buttons, links), so a change of wording is fixed here, not in every test. Tests
keep their own assertions about what the page shows; these classes only drive it.
"""

import re

from playwright.sync_api import Page, expect

from tests.conftest import DEMO_ROLES
from tests.factories import TEST_PASSWORD


class GovukPage:
    """What every page of svtoolkit has: the notification banner and the error summary."""

    def __init__(self, page: Page):
        self.page = page

    def open(self):
        """Go to the page, for one with an address of its own (its class's ``path``)."""
        self.page.goto(self.path)
        return self

    @property
    def banner(self):
        """The GOV.UK notification banner (the success message after a change)."""
        return self.page.locator(".govuk-notification-banner")

    @property
    def error_summary(self):
        return self.page.locator(".govuk-error-summary")

    def sign_out(self):
        """Press Sign out in the header (on a phone it is folded into the menu: widen the page first)."""
        self.page.get_by_role("button", name="Sign out").click()
        return self


class SignInPage(GovukPage):
    """/sign-in/: the email address and password form."""

    path = "/sign-in/"

    def submit(self, email: str = "", password: str = ""):
        """Fill in what is given and press Sign in (no check of where it leads: errors stay on this page)."""
        if email:
            self.page.get_by_label("Email address").fill(email)
        if password:
            self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in", exact=True).click()
        return self

    def sign_in(self, email: str, password: str = TEST_PASSWORD) -> Page:
        """Sign in and wait until the sign-in page is left behind; returns the Playwright page."""
        self.open().submit(email, password)
        expect(self.page).not_to_have_url(re.compile(r"/sign-in/"))
        return self.page


class AuthenticatorCodePage(GovukPage):
    """/two-factor/verify/: "Enter the code from your authenticator app", after the password."""

    def enter(self, code: str):
        """Type the code (or a backup code) and press Continue."""
        self.page.get_by_label("Code from your authenticator app, or a backup code").fill(code)
        self.page.get_by_role("button", name="Continue").click()
        return self


class ApiTokensPage(GovukPage):
    """/account/api-tokens/: a person's API tokens, and the form to create one."""

    path = "/account/api-tokens/"

    def create(self, name: str = "", *, lifetime: str = ""):
        """Fill in what is given and press Continue. ``lifetime`` is the radio's label ("30 days")."""
        if name:
            self.page.get_by_label("Name of the token").fill(name)
        if lifetime:
            self.page.get_by_label(lifetime).check()
        self.page.get_by_role("button", name="Continue").click()
        return self


def start_session(page: Page, email: str) -> Page:
    """Signed in as ``email`` without the sign-in form, then on the page the form leads to (the home page, or
    where that sends a password-only session): the session is made here as the form's view makes it
    (``django.contrib.auth.login``, with its signals: the session clock, the audit entry) and its cookie given
    to the browser; the live server shares this process's database, so finds the session. A third of a second
    less than the form each time. The tests of signing in drive the form itself (``SignInPage.sign_in``:
    test_journeys, test_two_factor, test_single_sign_on, test_clock_change_and_stale_forms)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.shortcuts import resolve_url
    from django.test import Client

    client = Client()
    client.force_login(
        get_user_model().objects.get(email=email), backend="svtoolkit.accounts.backends.PersonBackend"
    )
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    url = page.context.live_server_url  # set by the new_page fixture
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": url}])
    page.goto(resolve_url(settings.LOGIN_REDIRECT_URL))
    expect(page).not_to_have_url(re.compile(r"/sign-in/"))
    return page


def sign_in_as(page: Page, role: str) -> Page:
    """Signed in (``start_session``) as one of the demo partnership's people: coordinator, responder, police,
    health, viewer."""
    return start_session(page, DEMO_ROLES[role])


def fill_date(page, label, when: str) -> None:
    """Type ``when`` (2026-11-25, or 2026-11-25T15:40 with a time) into the GOV.UK date input whose legend
    is ``label`` (text, or a pattern): its Day, Month and Year boxes, and its Time box when there is one."""
    group = page.get_by_role("group", name=label, **({"exact": True} if isinstance(label, str) else {}))
    day, _, time = when.partition("T")
    year, month, day = day.split("-")
    for box, value in (("Day", day), ("Month", month), ("Year", year), ("Time", time)):
        if value:
            group.get_by_label(box, exact=True).fill(value)


def signed_in(new_page, role: str, *, viewport: dict | None = None) -> Page:
    """A new browser page (from the ``new_page`` fixture) signed in as the demo ``role``, optionally on a
    screen of the ``viewport`` size (``{"width": 320, "height": 800}``, a phone)."""
    page = new_page()
    if viewport:
        page.set_viewport_size(viewport)
    return sign_in_as(page, role)


class ActionPage(GovukPage):
    """An action of the response plan (/incidents/<id>/plan/<id>/): its status, owner and a note."""

    def save(self, *, status: str = "", owner_organisation: str = "", note: str = ""):
        """Change what is given and press Save. ``status`` is the radio's label ("Done", "In progress")."""
        if status:
            self.page.get_by_label(status).check()
        if owner_organisation:
            self.page.get_by_label("Owning organisation").select_option(label=owner_organisation)
        if note:
            self.page.get_by_label("Note for the timeline").fill(note)
        self.page.get_by_role("button", name="Save").click()
        return self


class ReviewContributionPage(GovukPage):
    """An organisation's part of the review of the response (/incidents/<id>/review/contribute/)."""

    def open_from_review(self):
        self.page.get_by_role("button", name="Add your organisation's part").click()
        return self

    def save(self, *, organisation: str, went_well: str, went_badly: str, to_change: str):
        self.page.get_by_label("Organisation").select_option(label=organisation)
        self.page.get_by_label("What went well").fill(went_well)
        self.page.get_by_label("What did not go well").fill(went_badly)
        self.page.get_by_label("What to change next time").fill(to_change)
        self.page.get_by_role("button", name="Save").click()
        return self


class RecordIncidentPage(GovukPage):
    """/incidents/new/: recording an incident in full (the response team's form)."""

    path = "/incidents/new/"

    def record(self, **fields):
        """Fill in the form (see ``fill``) and press Continue."""
        return self.fill(**fields).press_continue()

    def press_continue(self):
        """Send the form (again, after a question such as "BST or GMT?")."""
        self.page.get_by_role("button", name="Continue").click()
        return self

    def fill(
        self,
        *,
        occurred_at,
        notified_at,
        title: str = "Stabbing near Northbridge Academy",
        incident_type: str = "Knife crime",
        summary: str = "A young man was stabbed at the bus stop outside the school.",
        scene: str = "Bus stop, Northbridge Academy",
    ):
        """Fill in the open form (a stabbing near a school unless told otherwise). ``occurred_at`` and
        ``notified_at`` are aware datetimes, or local times typed as they are (2026-10-25T01:30)."""
        self.page.get_by_label("Short title").fill(title)
        self.page.get_by_label(incident_type).check()
        fill_date(self.page, "When it happened", _local(occurred_at))
        fill_date(self.page, "When the partnership was told", _local(notified_at))
        self.page.get_by_label("Who told the partnership").select_option(label="Police")
        self.page.get_by_label("Factual summary").fill(summary)
        self.page.get_by_label("Scene", exact=True).fill(scene)
        return self


def _local(moment) -> str:
    """An aware datetime as fill_date types it, in local time; a string as it is."""
    from django.utils import timezone

    return moment if isinstance(moment, str) else f"{timezone.localtime(moment):%Y-%m-%dT%H:%M}"


class CategorisePage(GovukPage):
    """/incidents/<id>/categorise/: the impact factors and the decision on them."""

    def tick(self, *factors: str):
        """Tick the impact factors (their labels)."""
        for factor in factors:
            self.page.get_by_label(factor).check()
        return self

    def show_suggestion(self):
        self.page.get_by_role("button", name="Show the suggestion").click()
        return self

    def decide(self, *, factors=(), serious_violence: bool, meeting: bool, why: str):
        """Tick ``factors``, answer the three questions (never across borough boundaries) and press Record the
        decision."""
        self.tick(*factors)
        for question, answer in [
            ("Is this a serious violence incident?", serious_violence),
            ("Is an incident management meeting needed?", meeting),
            ("Must the response cross borough boundaries?", False),
        ]:
            self.page.get_by_role("group", name=question).get_by_label("Yes" if answer else "No").check()
        self.page.get_by_label("Why").fill(why)
        self.page.get_by_role("button", name="Record the decision").click()
        return self


class OpenPersonRecordPage(GovukPage):
    """Open a person's record (/incidents/<id>/people/<id>/): the reason asked before a person affected's
    record is shown, written to the audit log."""

    def give_reason(self, why: str):
        self.page.get_by_label("Why do you need to open this record?").fill(why)
        self.page.get_by_role("button", name="Continue").click()
        return self


class AttachFilePage(GovukPage):
    """Attaching a file to a record (/attachments/<kind>/<id>/add/), reached from its Attachments section."""

    def open_from_section(self):
        self.page.locator("#attachments").get_by_role("link", name="Attach a file").click()
        return self

    def attach(self, *, path=None, description: str = ""):
        if path is not None:
            self.page.get_by_label("Upload a file").set_input_files(path)
        if description:
            self.page.get_by_label("What is it? (optional)").fill(description)
        self.page.get_by_role("button", name="Attach the file").click()
        return self


class LivePart:
    """A part of a page that htmx asks for again every 30 seconds (the incident page's live panel, the
    region's board), with its button that pauses and resumes that. Counts, in the page itself, the requests
    its scripts send (htmx's are XMLHttpRequests): one Playwright reports may arrive after the clock moved
    on."""

    def __init__(self, page: Page, part_id: str):
        self.page, self.part = page, page.locator(f"#{part_id}")
        page.evaluate(
            """() => {
                window.svtSent = 0;
                const send = XMLHttpRequest.prototype.send;
                XMLHttpRequest.prototype.send = function (...args) {
                    window.svtSent += 1;
                    return send.apply(this, args);
                };
            }"""
        )

    def button(self, name: str):
        return self.part.get_by_role("button", name=name, exact=True)

    def press_pause_or_resume(self) -> None:
        """From the keyboard: the button focused, then Enter."""
        self.part.get_by_role("button", name=re.compile(r"^(Pause|Resume) automatic updates$")).focus()
        self.page.keyboard.press("Enter")

    def requests_sent(self) -> int:
        return self.page.evaluate("window.svtSent")
