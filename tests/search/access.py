"""Who may GET the search page."""

from tests.access_expectations_base import SIGNED_IN_200

EXPECTED = {"search:results": SIGNED_IN_200}
