"""A change that compares nothing still moves the revision on, so an edit form open meanwhile cannot
overwrite it."""

import pytest

from svtoolkit.core.errors import EditConflict
from svtoolkit.core.locking import save_if_unchanged, update_and_move_revision
from svtoolkit.incidents.models import PlanAction
from tests.incidents.builders import demo_incident, more_actions

pytestmark = pytest.mark.django_db


def test_a_change_made_elsewhere_is_not_overwritten_by_a_form_opened_before_it(demo, demo_users):
    action = demo_incident(demo, demo_users)[1]
    opened_at = action.revision
    changed = update_and_move_revision(PlanAction.objects.filter(pk=action.pk), title="Handed to the lead")
    assert changed == 1
    with pytest.raises(EditConflict) as raised:
        save_if_unchanged(PlanAction, action.pk, expected_revision=opened_at, title="Typed in the open form")
    action.refresh_from_db()
    assert (action.title, action.revision) == ("Handed to the lead", opened_at + 1)
    assert raised.value.current_revision == opened_at + 1


def test_a_change_made_elsewhere_moves_on_each_row_it_changes_and_no_other(demo, demo_users):
    incident, action = demo_incident(demo, demo_users)
    more_actions(incident, demo_users["responder"], how_many=2)
    others = list(incident.actions.exclude(pk=action.pk).order_by("pk").values_list("pk", "revision"))
    assert len(others) == 2
    assert update_and_move_revision(PlanAction.objects.filter(pk=action.pk), title="Only this one") == 1
    assert list(incident.actions.exclude(pk=action.pk).order_by("pk").values_list("pk", "revision")) == others
    assert update_and_move_revision(PlanAction.objects.none(), title="Nothing") == 0
