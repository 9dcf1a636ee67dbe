"""Keys sent with alerts before keys were kept per partnership belong to their alert's partnership."""

import pytest

from tests.alerts.builders import raise_police_alert
from tests.migrating import migrate

BEFORE = [("api", "0003_raised_alert_key")]
AFTER = [("api", "0004_raised_alert_key_partnership")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_migrations_afterwards")
def test_a_key_sent_before_belongs_to_its_alerts_partnership_and_is_still_answered(demo, demo_users):
    alert = raise_police_alert(demo, demo_users)
    old_apps = migrate(BEFORE)
    try:
        key = old_apps.get_model("api", "RaisedAlertKey").objects.create(
            user_id=demo_users["police"].pk, key="cad-0042", request_hash="0" * 64, alert_id=alert.pk
        )
    finally:
        new_apps = migrate(AFTER)
    assert new_apps.get_model("api", "RaisedAlertKey").objects.get(pk=key.pk).partnership_id == demo.pk
