import pytest
from rest_framework.test import APIClient

from svtoolkit.api.services import create_token
from tests.incidents.builders import demo_incident


@pytest.fixture
def token_for(demo, demo_users):
    """A fresh API token's secret for the named demo role, in Northbridge."""

    def issue(role):
        return create_token(user=demo_users[role], partnership=demo, name=f"{role} test")[1]

    return issue


@pytest.fixture
def api_as(token_for):
    """An API client sending the named demo role's token (or none, for "anonymous")."""

    def client(role):
        api = APIClient()
        if role != "anonymous":
            api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(role)}")
        return api

    return client


@pytest.fixture
def incident_and_action(demo, demo_users):
    """The demo incident (police taking part, health not) and its action owned by the police."""
    return demo_incident(demo, demo_users)
