// svtoolkit's own script: progressive enhancement only. Every page works without it.
import { initAll as initGovUk } from "../vendor/govuk/govuk-frontend.min.js";
import { initAll as initMoj } from "../vendor/moj/moj-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initGovUk();
initMoj();
