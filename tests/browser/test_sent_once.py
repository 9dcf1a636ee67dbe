"""A double click on a form's button sends it once: the button is disabled while the answer is on the way
(issue 15, defect 4). The page's script is served from assets/app.js, as the next build will ship it; the
sendings are counted in the page (a listener after the app's), so nothing leaves the browser."""

from pathlib import Path

from django.urls import reverse

from tests.browser.pages import sign_in_as
from tests.incidents.access import demo_incident

APP_JS = Path(__file__).resolve().parents[2] / "assets" / "app.js"

CLICK_THREE_TIMES = """async () => {
  const form = document.querySelector("main form[method='post']");
  const button = form.querySelector("button");
  let sent = 0;
  window.addEventListener("submit", (event) => {
    if (!event.defaultPrevented) sent += 1;
    event.preventDefault();
  });
  button.click();
  button.click();
  await new Promise((resolve) => setTimeout(resolve, 50));
  button.click();
  return {sent, disabled: button.disabled, ariaDisabled: button.getAttribute("aria-disabled")};
}"""


def test_a_double_click_sends_a_form_once(new_page, demo, demo_users, transactional_db, live_server):
    incident, _ = demo_incident(demo, demo_users)
    page = new_page()
    page.set_default_timeout(15_000)
    page.route(
        "**/static/js/app.js", lambda route: route.fulfill(path=APP_JS, content_type="text/javascript")
    )
    sign_in_as(page, "responder")
    page.goto(reverse("incidents:update", args=[incident.pk]))
    page.get_by_label("Update").fill("Cordon lifted at 22:00")
    assert page.evaluate(CLICK_THREE_TIMES) == {"sent": 1, "disabled": True, "ariaDisabled": "true"}
