// svtoolkit's own script: progressive enhancement only. Every page works without it.
import { initAll as initGovUk } from "../vendor/govuk/govuk-frontend.min.js";
import { FilterToggleButton, initAll as initMoj } from "../vendor/moj/moj-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initGovUk();
initMoj();
// MOJ's initAll leaves out the filter's show/hide button. Without it a list's filter panel would cover the
// whole screen of a phone (MOJ's layout fixes it over the page once the page has JavaScript). On a phone the
// panel waits behind the button; on a wider screen it is shown from the start (MOJ's default hides it there
// too, so a desktop user would first have to find "Show filter").
// A filter typed wrongly (a date that does not exist) is named in the page's error summary, whose link leads
// to the field in the panel: on a phone the link first opens the panel (this listener, in the capture phase,
// runs before GOV.UK's, which then moves to the field).
document.querySelectorAll('[data-module="moj-filter"]').forEach(($root) => {
  const toggle = new FilterToggleButton($root, { startHidden: false });
  document.addEventListener(
    "click",
    (event) => {
      const link =
        event.target instanceof Element && event.target.closest(".govuk-error-summary a[href^='#']");
      if (link && $root.querySelector(`#${CSS.escape(link.hash.slice(1))}`)) toggle.showMenu();
    },
    true,
  );
});

// A form is sent once. While its answer is on the way the submit button is shown disabled and a second
// click sends nothing (the server also answers a repeated sending with the first one's result: every
// posting form carries a one-time key). The button is disabled only after the browser has taken the form's
// values, so the button's own name and value still go with it.
const SUBMIT_BUTTONS = "button:not([type]), button[type='submit'], input[type='submit']";

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (event.defaultPrevented || !(form instanceof HTMLFormElement) || form.method !== "post") {
    return;
  }
  if (form.dataset.sending === "true") {
    event.preventDefault();
    return;
  }
  form.dataset.sending = "true";
  const buttons = form.querySelectorAll(SUBMIT_BUTTONS);
  buttons.forEach((button) => button.setAttribute("aria-disabled", "true"));
  window.setTimeout(() => buttons.forEach((button) => { button.disabled = true; }), 0);
});

// A page brought back with the browser's Back button can be sent again.
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) {
    return;
  }
  document.querySelectorAll("form[data-sending='true']").forEach((form) => {
    delete form.dataset.sending;
    form.querySelectorAll(SUBMIT_BUTTONS).forEach((button) => {
      button.disabled = false;
      button.removeAttribute("aria-disabled");
    });
  });
});

// A live part (the incident page's panel, the region's board) asks for itself again every 30 seconds; its
// button pauses that and resumes it (WCAG 2.2.2 Pause, Stop, Hide), its words saying which it will do. A
// paused part's requests are cancelled here before they are sent: the Content-Security-Policy lets htmx
// evaluate no trigger filter. The state is the part's own: nothing swaps a paused part, and a part swapped in
// after resuming starts running, its button saying so. The button is shown only where this script runs
// (.svt-js-only): without it nothing refreshes.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element && event.target.closest("button[data-svt-pause]");
  const part = button && document.getElementById(button.dataset.svtPause);
  if (!part) {
    return;
  }
  part.dataset.svtPaused = String(part.dataset.svtPaused !== "true");
  [button.textContent, button.dataset.svtOtherLabel] = [button.dataset.svtOtherLabel, button.textContent];
});

document.addEventListener("htmx:beforeRequest", (event) => {
  if (event.detail.elt instanceof HTMLElement && event.detail.elt.dataset.svtPaused === "true") {
    event.preventDefault();
  }
});
