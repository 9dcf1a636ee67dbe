"""Who may GET the attachment pages: the upload page of the demo incident, and one of its files.

Files follow their record's rules: everyone who may see the incident may download them (the health partner,
whose organisation does not take part, is told they do not exist); those working it may attach more.
"""

from tests.factories import AttachmentFactory
from tests.incidents.access import READ, WORK
from tests.incidents.builders import demo_incident

EXPECTED = {
    "attachments:add": WORK,
    "attachments:download": READ,
}

# A file to download, not a page: the accessibility walk skips it.
NOT_PAGES = {"attachments:download"}


def url_kwargs(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    attachment = AttachmentFactory(owner=incident)
    return {
        "attachments:add": {"kind": "incident", "owner_id": incident.pk},
        "attachments:download": {"attachment_id": attachment.pk},
    }
