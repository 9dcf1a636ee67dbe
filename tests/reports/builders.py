"""Test data for reports: a readiness assessment to print."""

from svtoolkit.playbooks import services as playbook_services
from svtoolkit.playbooks.selectors import published_version

# Asking for a situation report with the records of people affected: a disclosure, so with its basis.
SITREP_WITH_PEOPLE = {
    "include_people": "on",
    "reason": "Briefing the gold group",
    "recipient": "The gold group",
    "article6_basis": "6_1_e",
    "gateway": "cda_1998_s115",
}
# The same, for records holding health information (support needs, a hospital stay): special category data.
SITREP_WITH_HEALTH = {**SITREP_WITH_PEOPLE, "article9_condition": "9_2_g_sch1_18"}


def an_assessment(demo, coordinator):
    """A readiness assessment against the demo partnership's published checklist (published if need be)."""
    if published_version(demo) is None:
        version = playbook_services.adopt_default_playbook(partnership=demo, by=coordinator)
        playbook_services.publish_draft(
            version=version, by=coordinator, change_note="First version", expected_revision=version.revision
        )
    return playbook_services.start_assessment(partnership=demo, by=coordinator)
