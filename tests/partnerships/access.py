"""Who may GET each page of the partner directory."""

from tests.access_expectations_base import SIGNED_IN_200

EXPECTED = {
    "partnerships:organisations": SIGNED_IN_200,
}


def url_kwargs(demo, demo_users):
    """Objects of the demo partnership that the directory's URLs name."""
    return {}
