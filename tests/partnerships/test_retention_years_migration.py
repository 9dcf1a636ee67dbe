"""Retention periods set outside 1 to 25 years before the bounds came (only the admin could) are brought to
the nearer bound, so the database's check can be added."""

import pytest

from tests.factories import PartnershipFactory
from tests.migrating import migrate

BEFORE = [("partnerships", "0014_settings_revisions")]
AFTER = [("partnerships", "0015_retention_years_in_range")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_migrations_afterwards")
def test_a_period_out_of_bounds_is_brought_to_the_nearer_bound_and_the_others_kept():
    none, thousands, usual = (PartnershipFactory() for _ in range(3))
    old_apps = migrate(BEFORE)
    try:
        periods = {none.pk: 0, thousands.pk: 3000, usual.pk: 6}
        for pk, years in periods.items():
            old_apps.get_model("partnerships", "Partnership").objects.filter(pk=pk).update(
                personal_data_retention_years=years
            )
    finally:
        new_apps = migrate(AFTER)
    kept = dict(
        new_apps.get_model("partnerships", "Partnership").objects.values_list(
            "pk", "personal_data_retention_years"
        )
    )
    assert {pk: kept[pk] for pk in periods} == {none.pk: 1, thousands.pk: 25, usual.pk: 6}
