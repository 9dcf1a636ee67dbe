import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("command", "queued"),
    [
        ("send_communications_reminders", "the communications update reminders"),
        ("send_overdue_reminders", "the overdue-action reminders"),
        ("send_recovery_reminders", "the recovery reminders"),
        ("erase_expired_personal_data", "the retention job"),
        ("escalate_alerts", "the alert escalation"),
    ],
)
def test_each_queue_now_command_queues_its_task_and_says_so(command, queued):
    out = io.StringIO()
    call_command(command, stdout=out)
    assert out.getvalue().startswith(f"Queued {queued} (task ")
