"""Tokens made before tokens expired are given 90 days from when they were made."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.migrating import migrate

BEFORE = [("api", "0001_initial")]
AFTER = [("api", "0002_apitoken_expires_at")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_migrations_afterwards")
def test_an_existing_token_expires_90_days_after_it_was_made(demo, demo_users):
    made = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    old_apps = migrate(BEFORE)
    try:
        OldToken = old_apps.get_model("api", "ApiToken")
        token = OldToken.objects.create(
            user_id=demo_users["viewer"].pk,
            partnership_id=demo.pk,
            name="Old",
            token_hash="x" * 64,
            prefix="svt_",
        )
        OldToken.objects.filter(pk=token.pk).update(created_at=made)
    finally:
        new_apps = migrate(AFTER)
    assert new_apps.get_model("api", "ApiToken").objects.get(pk=token.pk).expires_at == made + timedelta(
        days=90
    )
