"""The partners' strands in Chromium, on the demo incident: the responder records the school the victim
attends (from the directory), its safeguarding lead told and the support offered, then plans the victim's
discharge from hospital; each page passes axe and fits a 320 px phone, and the plan's actions are done."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from svtoolkit.incidents.demo import seed_demo_incidents
from svtoolkit.incidents.models import ActionStatus, Incident
from svtoolkit.playbooks.demo import seed_demo_checklist
from tests.browser.conftest import assert_accessible, assert_fits
from tests.browser.pages import fill_date, signed_in

PHONE = {"width": 320, "height": 800}
# The plan's actions the walk answers: the school alerted, support offered, the discharge planned.
ANSWERED = ["education-alert-schools", "education-therapeutic-support", "health-discharge-planning"]


def statuses(incident) -> dict:
    actions = incident.actions.filter(item__key__in=ANSWERED).select_related("item")
    return {action.item.key: action.status for action in actions}


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def checked(page):
    """Every strands page: no accessibility problem, nothing wider than a phone."""
    assert_accessible(page)
    assert_fits(page, PHONE["width"])


def test_the_school_and_hospital_strands_of_the_demo_incident(new_page, demo, demo_users, transactional_db):
    seed_demo_checklist(partnership=demo, users=demo_users)
    seed_demo_incidents(partnership=demo, users=demo_users)
    incident = Incident.objects.get(partnership=demo, title__startswith="Stabbing")
    assert statuses(incident) == dict.fromkeys(ANSWERED, ActionStatus.TO_DO)

    phone = signed_in(new_page, "responder", viewport=PHONE)
    phone.goto(f"/incidents/{incident.pk}/")
    phone.get_by_role("link", name="Hospital, schools, safeguarding").click()
    expect(phone.get_by_role("heading", name="Hospital, schools and safeguarding")).to_be_visible()
    expect(phone.get_by_text("1 in hospital")).to_be_visible()
    checked(phone)

    # The school strand: the school from the directory, its safeguarding lead told, the support offered.
    phone.get_by_role("button", name="Record a school").click()
    checked(phone)
    phone.get_by_label("Support offered to pupils and staff (optional)").fill(
        "Educational psychologists in school all week; a quiet room for year 11."
    )
    phone.get_by_role("button", name="Record the school").click()
    summary = phone.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose the school or college")
    # Nothing typed is lost.
    expect(phone.get_by_label("Support offered to pupils and staff (optional)")).to_have_value(
        re.compile("Educational psychologists")
    )
    checked(phone)
    phone.get_by_label("School or college").select_option(label="Northbridge Academy")
    fill_date(
        phone,
        re.compile("^When the designated safeguarding lead was told"),
        local(timezone.now() - timedelta(minutes=30)),
    )
    phone.get_by_role("button", name="Record the school").click()
    card = phone.locator(".govuk-summary-card", has_text="Northbridge Academy")
    expect(card).to_contain_text("Educational psychologists in school all week")
    expect(card.locator(".govuk-summary-list__row", has_text="Safeguarding lead told")).not_to_contain_text(
        "Not yet"
    )
    checked(phone)
    card.get_by_role("link", name=re.compile("Update")).click()
    expect(phone.get_by_role("heading", name="Update Northbridge Academy")).to_be_visible()
    checked(phone)
    phone.go_back()
    phone.get_by_role("button", name="Record a hospital stay").click()
    expect(phone.get_by_label(re.compile("^J.K."))).to_be_visible()
    checked(phone)
    phone.go_back()

    # The hospital strand: opened with a reason, then the discharge planned with partners.
    phone.get_by_label("Why do you need to open the hospital and safeguarding records?").fill(
        "Planning the victim's discharge"
    )
    phone.get_by_role("button", name="Open the records").click()
    stay = phone.locator(".govuk-summary-card", has_text="J.K.: In hospital")
    expect(stay).to_contain_text("Mother and grandmother only")
    checked(phone)
    stay.get_by_role("link", name=re.compile("Update")).click()
    expect(phone.get_by_role("heading", name="Update the hospital stay of J.K.")).to_be_visible()
    checked(phone)
    phone.get_by_label("The discharge plan is agreed with partners").check()
    phone.get_by_role("button", name="Save").click()
    expect(phone.locator(".govuk-error-summary")).to_contain_text(
        "Describe the discharge plan that was agreed"
    )
    checked(phone)
    fill_date(
        phone, "Expected discharge date (optional)", (timezone.localdate() + timedelta(days=3)).isoformat()
    )
    phone.get_by_label("Discharge plan (optional)").fill(
        "Home to his grandmother's; the youth worker visits next day; the police are told first."
    )
    phone.get_by_role("button", name="Save").click()
    expect(phone.get_by_text("The hospital stay was saved.")).to_be_visible()

    # The records say so: the plan's actions are done.
    done = {
        action.item.key: action.status
        for action in incident.actions.filter(
            item__key__in=[
                "education-alert-schools",
                "education-therapeutic-support",
                "health-discharge-planning",
            ]
        ).select_related("item")
    }
    assert done == dict.fromkeys(
        ["education-alert-schools", "education-therapeutic-support", "health-discharge-planning"],
        ActionStatus.DONE,
    )


def test_the_safeguarding_strand_referral_outcome_and_someone_at_risk(
    new_page, demo, demo_users, transactional_db
):
    seed_demo_checklist(partnership=demo, users=demo_users)
    seed_demo_incidents(partnership=demo, users=demo_users)
    incident = Incident.objects.get(partnership=demo, title__startswith="Stabbing")

    phone = signed_in(new_page, "responder", viewport=PHONE)
    phone.goto(f"/incidents/{incident.pk}/strands/")
    phone.get_by_role("button", name="Record a referral").click()
    checked(phone)
    phone.get_by_label(re.compile("^J.K.")).check()
    phone.get_by_label("Multi-agency safeguarding hub (MASH)").check()
    phone.get_by_label("Why are you referring them?").fill("A child at risk of retaliation")
    phone.get_by_role("button", name="Record the referral").click()
    expect(phone.locator(".govuk-error-summary")).to_contain_text("Choose the UK GDPR Article 6 basis")
    checked(phone)
    phone.get_by_label("UK GDPR Article 6 basis").select_option(label="Article 6(1)(e): public task")
    phone.get_by_role("button", name="Record the referral").click()
    expect(phone.locator(".govuk-error-summary")).to_contain_text(
        "Choose the UK GDPR Article 9 condition: this includes health information"
    )
    checked(phone)
    phone.get_by_label(re.compile("^Article 9 / Schedule 1 condition")).select_option(value="9_2_g_sch1_18")
    phone.get_by_role("button", name="Record the referral").click()
    expect(phone.get_by_text("The referral was recorded, and logged as a disclosure.")).to_be_visible()
    assert incident.disclosures.get().recipient == "Multi-agency safeguarding hub (MASH)"

    phone.get_by_label("Why do you need to open the hospital and safeguarding records?").fill(
        "The risk meeting"
    )
    phone.get_by_role("button", name="Open the records").click()
    phone.get_by_role("link", name=re.compile("Record the outcome")).click()
    checked(phone)
    phone.get_by_label("What the referral decided").fill(
        "Strategy discussion held; a social worker allocated."
    )
    phone.get_by_role("button", name="Save the outcome").click()
    expect(phone.get_by_text("The outcome was recorded.")).to_be_visible()

    phone.get_by_role("button", name="Record someone at risk").click()
    expect(phone.get_by_label("Name or initials")).to_be_visible()
    checked(phone)
    phone.get_by_label("Name or initials").fill("T.K.")
    phone.get_by_role("button", name="Record them").click()
    expect(phone.locator(".govuk-error-summary")).to_be_visible()
    checked(phone)
