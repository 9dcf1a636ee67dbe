"""The core's nightly housekeeping jobs, which the operations guide once asked for from cron."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from svtoolkit.core.tasks import clear_expired_sessions, prune_task_results
from tests.core.test_scheduling import DATABASE_QUEUE, note_run

pytestmark = pytest.mark.django_db


def test_expired_sessions_are_cleared_and_live_ones_kept():
    now = timezone.now()
    Session.objects.create(session_key="expired", session_data="", expire_date=now - timedelta(days=1))
    Session.objects.create(session_key="live", session_data="", expire_date=now + timedelta(days=1))
    clear_expired_sessions.call()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


def test_finished_task_results_are_pruned_after_two_weeks(settings):
    settings.TASKS = DATABASE_QUEUE
    old, recent = note_run.enqueue().id, note_run.enqueue().id
    for task_id, days_ago in ((old, 15), (recent, 13)):
        DBTaskResult.objects.filter(pk=task_id).update(
            status="SUCCESSFUL", finished_at=timezone.now() - timedelta(days=days_ago)
        )
    prune_task_results.call()
    assert [str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)] == [str(recent)]
