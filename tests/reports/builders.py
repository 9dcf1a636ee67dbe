"""Test data for reports: a readiness assessment to print."""

from svtoolkit.playbooks import services as playbook_services
from svtoolkit.playbooks.selectors import published_version


def an_assessment(demo, coordinator):
    """A readiness assessment against the demo partnership's published checklist (published if need be)."""
    if published_version(demo) is None:
        version = playbook_services.adopt_default_playbook(partnership=demo, by=coordinator)
        playbook_services.publish_draft(version=version, by=coordinator, change_note="First version")
    return playbook_services.start_assessment(partnership=demo, by=coordinator)
