"""Review contributions, completing the review and marking its follow-ups done under truly simultaneous saves
from a live server: one save wins, the other is told, nothing is lost silently and nothing answers 500 (issue
15, defect 2).

PostgreSQL only: the live server shares the test's one SQLite connection, so requests cannot overlap."""

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from svtoolkit.recovery.models import Debrief, DebriefContribution, FollowUpAction
from svtoolkit.recovery.review import services as review_services
from tests.concurrency import held_by_a_row_being_written, held_until_both_wait, posts_started
from tests.incidents.access import demo_incident
from tests.incidents.test_messages import signed_in_session
from tests.recovery.builders import demo_recovery

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="requests overlap only on PostgreSQL"),
]


@pytest.fixture
def review(demo, demo_users):
    incident, _ = demo_incident(demo, demo_users)
    return review_services.start_review(incident=incident, by=demo_users["responder"])


def _texts(word):
    return {"went_well": f"{word} well", "went_badly": f"{word} badly", "to_change": f"{word} change"}


def test_two_first_saves_for_one_organisation_at_once_keep_one_and_tell_the_other(
    client, live_server, demo, demo_users, review
):
    police = demo.organisations.get(kind="police")
    url = reverse("recovery:review_contribute", args=[review.incident_id])
    cookies, token = signed_in_session(client, live_server, demo_users["police"], url)
    saves = [(live_server.url + url, {"organisation": police.pk, **_texts(word)}) for word in ("One", "Two")]
    with held_by_a_row_being_written(
        DebriefContribution, debrief=review, organisation=police, written_by=None, **_texts("Held")
    ):
        finished = posts_started(saves, cookies=cookies, form_token=token)
    answers = finished()
    assert sorted(answer.status_code for answer in answers) == [200, 302]
    refused = next(answer for answer in answers if answer.status_code == 200)
    assert "Someone else changed this contribution" in refused.text
    kept = DebriefContribution.objects.get(debrief=review)
    assert kept.went_well in refused.text


def test_two_saves_of_one_contribution_at_once_keep_one_and_tell_the_other(
    client, live_server, demo, demo_users, review
):
    police = demo.organisations.get(kind="police")
    first = review_services.contribute_to_review(
        debrief=review, organisation=police, by=demo_users["police"], **_texts("First")
    )
    url = reverse("recovery:review_contribute", args=[review.incident_id])
    cookies, token = signed_in_session(client, live_server, demo_users["police"], url)
    saves = [
        (live_server.url + url, {"organisation": police.pk, "revision": first.revision, **_texts(word)})
        for word in ("One", "Two")
    ]
    with held_until_both_wait(DebriefContribution.objects.filter(pk=first.pk)):
        finished = posts_started(saves, cookies=cookies, form_token=token)
    answers = finished()
    assert sorted(answer.status_code for answer in answers) == [200, 302]
    saved = next(
        word for word, answer in zip(("One", "Two"), answers, strict=True) if answer.status_code == 302
    )
    assert DebriefContribution.objects.get(pk=first.pk).went_well == f"{saved} well"


def test_two_completions_at_once_complete_the_review_once(client, live_server, demo, demo_users, review):
    police = demo.organisations.get(kind="police")
    review_services.contribute_to_review(
        debrief=review, organisation=police, by=demo_users["police"], **_texts("A")
    )
    url = reverse("recovery:review_complete", args=[review.incident_id])
    cookies, token = signed_in_session(client, live_server, demo_users["responder"], url)
    saves = [
        (live_server.url + url, {"summary": f"Summary {n}", "held_on": str(timezone.localdate())})
        for n in (1, 2)
    ]
    with held_until_both_wait(Debrief.objects.filter(pk=review.pk)):
        finished = posts_started(saves, cookies=cookies, form_token=token)
    answers = finished()
    assert sorted(answer.status_code for answer in answers) == [200, 302]
    refused = next(answer for answer in answers if answer.status_code == 200)
    assert "already completed" in refused.text
    kept = next(n for n, answer in zip((1, 2), answers, strict=True) if answer.status_code == 302)
    assert Debrief.objects.get(pk=review.pk).summary == f"Summary {kept}"
    timeline = review.incident.timeline.filter(text="The review of the response is complete.")
    assert timeline.count() == 1


def test_a_follow_up_marked_done_twice_at_once_is_done_once(client, live_server, demo, demo_users):
    """Two people pressing "Mark done" at the same moment: one entry on the timeline, and the other told."""
    made = demo_recovery(demo, demo_users)
    cookies, token = signed_in_session(
        client, live_server, demo_users["responder"], reverse("recovery:review", args=[made.incident.pk])
    )
    done = live_server.url + reverse("recovery:follow_up_done", args=[made.incident.pk, made.follow_up.pk])
    with held_until_both_wait(FollowUpAction.objects.filter(pk=made.follow_up.pk)):
        finished = posts_started([(done, {}), (done, {})], cookies=cookies, form_token=token)
    assert [answer.status_code for answer in finished()] == [302, 302]
    assert made.incident.timeline.filter(text__startswith="Follow-up action done").count() == 1
