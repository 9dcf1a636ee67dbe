"""A readiness assessment answered one area per page, each area's answers saved together (issue 16, the
pages, item 2: it took about 80 page loads, one per item)."""

from datetime import date

import pytest
from django.urls import reverse

from svtoolkit.accounts.services import remove_member
from svtoolkit.audit.models import AuditEntry
from svtoolkit.playbooks import services
from svtoolkit.playbooks.models import ReadinessRating, ReadinessStatus
from tests.page_forms import form_on
from tests.playbooks.builders import demo_checklist, rated

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment(demo, demo_users):
    return demo_checklist(demo, demo_users["coordinator"]).assessment


def area_url(assessment, area):
    return reverse("playbooks:assessment_area", args=[assessment.pk, area.pk])


def areas_of(assessment):
    return list(assessment.version.areas.order_by("position"))


def ratings_in(assessment, area):
    return list(assessment.ratings.filter(item__area=area).order_by("item__position"))


def answered(page, ratings, **per_rating):
    """The area page's form as shown, with each rating's fields changed as ``per_rating`` says."""
    data = form_on(page, having=f"rating-{ratings[0].pk}-status")
    for rating in ratings:
        for name, value in per_rating.items():
            data[f"rating-{rating.pk}-{name}"] = value
    return data


def test_one_page_answers_every_item_of_an_area_and_continues_to_the_next(client_for, assessment):
    first, second = areas_of(assessment)[:2]
    ratings = ratings_in(assessment, first)
    client = client_for("responder")
    page = client.get(area_url(assessment, first))
    content = page.content.decode()
    assert all(rating.item.action in content for rating in ratings)
    audited_before = AuditEntry.objects.count()

    response = client.post(
        area_url(assessment, first),
        answered(page, ratings, status=ReadinessStatus.READY, evidence="Agreed at the board"),
    )

    assert response["Location"] == area_url(assessment, second)
    assert {r.status for r in ratings_in(assessment, first)} == {ReadinessStatus.READY}
    assert {r.evidence for r in ratings_in(assessment, first)} == {"Agreed at the board"}
    assert AuditEntry.objects.count() == audited_before + len(ratings)


def test_the_last_area_returns_to_the_assessment(client_for, assessment):
    last = areas_of(assessment)[-1]
    client = client_for("coordinator")
    page = client.get(area_url(assessment, last))

    response = client.post(area_url(assessment, last), answered(page, ratings_in(assessment, last)))

    assert response["Location"] == reverse("playbooks:assessment", args=[assessment.pk]) + f"#area-{last.key}"


def test_an_answer_in_error_saves_nothing_of_the_area_and_keeps_everything_typed(client_for, assessment):
    area = areas_of(assessment)[0]
    ratings = ratings_in(assessment, area)
    client = client_for("responder")
    page = client.get(area_url(assessment, area))
    data = answered(page, ratings, status=ReadinessStatus.READY, evidence="Agreed at the board")
    # Not ready needs a next step: the last item has none.
    data[f"rating-{ratings[-1].pk}-status"] = ReadinessStatus.IN_PROGRESS
    data[f"rating-{ratings[-1].pk}-next_step"] = ""
    before = {r.pk: (r.status, r.evidence, r.revision) for r in ratings}

    response = client.post(area_url(assessment, area), data)

    content = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in content
    assert f'href="#id_rating-{ratings[-1].pk}-next_step">Say what the next step is' in content
    assert content.count("Agreed at the board") == len(ratings)
    assert {r.pk: (r.status, r.evidence, r.revision) for r in ratings_in(assessment, area)} == before


def test_a_mistake_in_one_answer_is_the_only_error_shown_and_everything_typed_is_kept(
    client_for, assessment, demo_users
):
    """The defect: one answer in error, and every answer left "not started" was reported as wanting a next
    step too, on the page and in its error summary."""
    area = areas_of(assessment)[0]
    ratings = ratings_in(assessment, area)
    rated(ratings[1], demo_users["coordinator"], evidence="Kept as it was")
    client = client_for("responder")
    page = client.get(area_url(assessment, area))
    data = answered(page, ratings[:1], status=ReadinessStatus.IN_PROGRESS, evidence="Typed here")

    response = client.post(area_url(assessment, area), data)

    content = response.content.decode()
    assert response.status_code == 200
    wrong = [r for r in ratings if f'href="#id_rating-{r.pk}-next_step"' in content]
    assert wrong == ratings[:1]
    assert content.count("Say what the next step is") == 2  # in the summary, and beside the answer
    assert "Typed here" in content and "Kept as it was" in content
    assert ReadinessRating.objects.get(pk=ratings[0].pk).revision == ratings[0].revision


def test_someone_elses_change_to_one_answer_saves_nothing_and_names_that_answer(
    client_for, assessment, demo_users
):
    area = areas_of(assessment)[0]
    ratings = ratings_in(assessment, area)
    client = client_for("responder")
    page = client.get(area_url(assessment, area))
    theirs = ratings[1]
    rated(
        theirs, demo_users["coordinator"], status=ReadinessStatus.READY, evidence="Checked by the coordinator"
    )

    response = client.post(
        area_url(assessment, area), answered(page, ratings, status=ReadinessStatus.READY, evidence="Mine")
    )

    content = response.content.decode()
    assert f"Someone else changed the answer to “{theirs.item.action}”" in content
    assert "Nothing in this area was saved yet" in content
    assert not ReadinessRating.objects.filter(pk__in=[r.pk for r in ratings], evidence="Mine").exists()
    # Saved again from the page as now shown, everything goes in.
    again = client.post(area_url(assessment, area), form_on(content, having=f"rating-{ratings[0].pk}-status"))
    assert again.status_code == 302
    mine = ReadinessRating.objects.filter(pk__in=[r.pk for r in ratings], evidence="Mine")
    assert mine.count() == len(ratings)


def test_after_a_conflict_an_answer_keeps_the_colleagues_change_to_a_field_i_never_touched(
    client_for, assessment, demo_users
):
    """The defect: the area page's forms carry what they showed under a prefixed name, which the conflict
    check never read, so after someone else's change every field differing from what is stored now was taken
    for the person's own: the colleague's evidence was said to clash with theirs, the old evidence put back
    in the form, and saving again wrote it over the colleague's. Now only the fields the person changed keep
    what they typed; the colleague's evidence comes in, and saving again keeps it."""
    area = areas_of(assessment)[0]
    ratings = ratings_in(assessment, area)
    shared = rated(
        ratings[1], demo_users["coordinator"], status=ReadinessStatus.READY, evidence="Protocol agreed"
    )
    client = client_for("responder")
    page = client.get(area_url(assessment, area))
    theirs = "Protocol agreed and signed by the police"
    rated(
        ReadinessRating.objects.get(pk=shared.pk),
        demo_users["coordinator"],
        status=ReadinessStatus.READY,
        evidence=theirs,
    )
    data = answered(page, [shared], status=ReadinessStatus.IN_PROGRESS, next_step="Review it in March")

    refused = client.post(area_url(assessment, area), data)

    content = refused.content.decode()
    assert f"Someone else changed the answer to “{shared.item.action}”" in content
    assert "They changed something you changed too" not in content
    again = client.post(area_url(assessment, area), form_on(content, having=f"rating-{shared.pk}-status"))
    assert again.status_code == 302
    now = ReadinessRating.objects.get(pk=shared.pk)
    assert (now.status, now.next_step, now.evidence) == (
        ReadinessStatus.IN_PROGRESS,
        "Review it in March",
        theirs,
    )


def test_an_answer_a_colleague_changed_while_i_left_it_alone_is_not_checked_nor_blocks_mine(
    client_for, assessment, demo_users
):
    """The defect: whether an answer was changed on the page was judged against what is stored now, so an
    answer the person left alone counted as theirs once a colleague had changed it: checked (refused for a
    next step on the colleague's answer), and refused as a conflict. Now an answer is changed on the page only
    when what was sent differs from what the page showed: one left alone is neither checked nor saved, and is
    shown as the colleague left it."""
    area = areas_of(assessment)[0]
    ratings = ratings_in(assessment, area)
    mine, theirs = ratings[0], ratings[1]
    client = client_for("responder")
    page = client.get(area_url(assessment, area))
    theirs = rated(
        theirs, demo_users["coordinator"], status=ReadinessStatus.IN_PROGRESS, evidence="Checked by them"
    )
    data = answered(page, [mine], status=ReadinessStatus.IN_PROGRESS, evidence="Mine")

    refused = client.post(area_url(assessment, area), data)

    content = refused.content.decode()
    wrong = [r for r in ratings if f'href="#id_rating-{r.pk}-next_step"' in content]
    assert wrong == [mine]
    assert "Someone else changed" not in content
    assert "Checked by them" in content
    data[f"rating-{mine.pk}-next_step"] = "Agree it at the board"
    assert client.post(area_url(assessment, area), data).status_code == 302
    assert ReadinessRating.objects.get(pk=mine.pk).next_step == "Agree it at the board"
    theirs_now = ReadinessRating.objects.get(pk=theirs.pk)
    assert (theirs_now.evidence, theirs_now.revision) == ("Checked by them", theirs.revision)


def test_an_owner_who_left_stays_on_an_untouched_answer_and_cannot_be_chosen_anew(
    client_for, assessment, demo, demo_users
):
    """The defect: the owner list offered only members, so saving the area page cleared the owner who had left
    from an answer nobody touched."""
    area = areas_of(assessment)[0]
    ratings = ratings_in(assessment, area)
    leaver, kept = demo_users["viewer"], ratings[1]
    rated(
        kept,
        demo_users["coordinator"],
        status=ReadinessStatus.IN_PROGRESS,
        next_step="Draft the protocol",
        owner=leaver,
    )
    remove_member(membership=leaver.memberships.get(partnership=demo), by=demo_users["coordinator"])
    client = client_for("responder")
    page = client.get(area_url(assessment, area))
    assert f"{leaver} (no longer active)" in page.content.decode()
    data = answered(page, ratings[:1], status=ReadinessStatus.READY)

    assert client.post(area_url(assessment, area), data).status_code == 302
    kept_now = ReadinessRating.objects.get(pk=kept.pk)
    assert (kept_now.owner, kept_now.revision) == (leaver, kept.revision)

    # Given to another answer, someone who left is refused as before.
    page = client.get(area_url(assessment, area))
    chosen = answered(page, ratings[2:3], owner=str(leaver.pk), next_step="Ask them", status="in_progress")
    response = client.post(area_url(assessment, area), chosen)
    assert "Choose a member of the partnership" in response.content.decode()
    assert ReadinessRating.objects.get(pk=ratings[2].pk).owner is None


@pytest.mark.parametrize(
    "page", ["playbooks:readiness", "playbooks:assessment", "playbooks:assessment_report"]
)
def test_the_read_only_pages_mark_an_owner_who_left(client_for, assessment, demo, demo_users, page):
    """The defect: the gaps (readiness page, printable report) and the assessment page named an owner who had
    left the partnership as if they were still there to chase."""
    leaver = demo_users["viewer"]
    rated(
        assessment.ratings.order_by("pk").first(),
        demo_users["coordinator"],
        status=ReadinessStatus.IN_PROGRESS,
        next_step="Draft the protocol",
        owner=leaver,
        target_date=date(2027, 3, 1),
    )
    remove_member(membership=leaver.memberships.get(partnership=demo), by=demo_users["coordinator"])
    args = [] if page == "playbooks:readiness" else [assessment.pk]
    content = client_for("coordinator").get(reverse(page, args=args)).content.decode()
    assert f"{leaver.full_name} (no longer active)" in content


def test_the_assessment_page_shows_a_target_date_without_an_owner_and_an_owner_without_a_next_step(
    client_for, assessment, demo_users
):
    """The defect: the target date was shown only beside an owner, and the owner only beside a next step."""
    first, second = assessment.ratings.order_by("pk")[:2]
    coordinator = demo_users["coordinator"]
    rated(
        first,
        coordinator,
        status=ReadinessStatus.IN_PROGRESS,
        next_step="Agree it",
        target_date=date(2027, 3, 1),
    )
    rated(second, coordinator, status=ReadinessStatus.READY, owner=demo_users["responder"])
    content = (
        client_for("coordinator").get(reverse("playbooks:assessment", args=[assessment.pk])).content.decode()
    )
    assert "1 Mar 2027" in content
    assert demo_users["responder"].full_name in content


def test_the_assessment_is_a_task_list_of_areas_leading_to_their_pages(client_for, assessment):
    content = client_for("responder").get(reverse("playbooks:assessment", args=[assessment.pk])).content
    content = content.decode()

    assert 'class="govuk-task-list"' in content
    for area in areas_of(assessment):
        assert area_url(assessment, area) in content
    one_item = reverse("playbooks:rating_edit", args=[assessment.pk, assessment.ratings.first().pk])
    assert one_item not in content


def test_an_area_page_reads_in_few_queries(client_for, assessment, django_assert_max_num_queries):
    client = client_for("responder")
    for area in areas_of(assessment)[:3]:
        with django_assert_max_num_queries(25):
            client.get(area_url(assessment, area))


def test_an_untouched_answer_with_evidence_over_several_lines_stays_as_it_was(
    client_for, assessment, demo_users
):
    """The defect: a browser sends a text area's line breaks as CRLF, so an answer whose evidence is stored
    with LF (seeded, imported) counted as changed: checked, refused for a next step nobody was asked for, and
    saved again."""
    area = areas_of(assessment)[0]
    ratings = ratings_in(assessment, area)
    kept = rated(
        ratings[1],
        demo_users["coordinator"],
        status=ReadinessStatus.IN_PROGRESS,
        evidence="Protocol drafted.\nAwaiting the police's signature.",
    )
    client = client_for("responder")
    data = answered(client.get(area_url(assessment, area)), ratings[:1], status=ReadinessStatus.READY)
    sent = {
        name: value.replace("\n", "\r\n") if name.endswith("-evidence") else value
        for name, value in data.items()
    }

    response = client.post(area_url(assessment, area), sent)

    assert response.status_code == 302, response.content.decode()
    assert ReadinessRating.objects.get(pk=ratings[0].pk).status == ReadinessStatus.READY
    kept_now = ReadinessRating.objects.get(pk=kept.pk)
    assert (kept_now.evidence, kept_now.revision) == (kept.evidence, kept.revision)


def test_an_older_assessment_offers_no_changes_and_its_answers_are_not_changed(client_for, assessment, demo):
    """The defect: once a newer assessment was started, the older one's pages still offered Change links and
    saved answers on it, rewriting the dated record and the readiness trend."""
    first = areas_of(assessment)[0]
    ratings = ratings_in(assessment, first)
    client = client_for("coordinator")
    page = client.get(area_url(assessment, first))  # opened before the newer assessment was started
    client.post(reverse("playbooks:assessment_start"))
    newer = demo.readiness_assessments.exclude(pk=assessment.pk).get()
    audited_before = AuditEntry.objects.count()

    response = client.post(area_url(assessment, first), answered(page, ratings, status=ReadinessStatus.READY))

    assert response["Location"] == reverse("playbooks:assessment", args=[assessment.pk])
    assert {r.status for r in ratings_in(assessment, first)} == {ReadinessStatus.NOT_STARTED}
    assert AuditEntry.objects.count() == audited_before
    rating_page = reverse("playbooks:rating_edit", args=[assessment.pk, ratings[0].pk])
    assert (
        client.post(rating_page, {"status": "ready", "revision": ratings[0].revision})["Location"]
        == (response["Location"])
    )
    assert ReadinessRating.objects.get(pk=ratings[0].pk).status == ReadinessStatus.NOT_STARTED
    shown = client.get(response["Location"]).content.decode()
    assert "A newer assessment was started on" in shown
    assert "so this one is kept as it was" in shown
    assert reverse("playbooks:assessment", args=[newer.pk]) in shown
    assert reverse("playbooks:assessment_area", args=[assessment.pk, first.pk]) not in shown
    assert "Change<span" not in shown
    # The newer assessment's pages offer the changes.
    current = client.get(reverse("playbooks:assessment", args=[newer.pk])).content.decode()
    assert reverse("playbooks:assessment_area", args=[newer.pk, first.pk]) in current


def test_a_second_start_from_a_page_opened_before_the_first_opens_the_first(client_for, assessment, demo):
    """Two coordinators (or two tabs) start an assessment from readiness pages opened at the same time: one
    is started, and the second person is taken to it and told."""
    first_page = client_for("coordinator").get(reverse("playbooks:readiness"))
    second_page = client_for("responder").get(reverse("playbooks:readiness"))
    start = reverse("playbooks:assessment_start")

    started = client_for("coordinator").post(start, form_on(first_page, having="latest_seen"))
    again = client_for("responder").post(start, form_on(second_page, having="latest_seen"), follow=True)

    assert demo.readiness_assessments.count() == 2  # the one of the fixture, and one started now
    assert again.redirect_chain[0][0] == started["Location"]
    assert "since you opened the readiness page, so no other was started" in again.content.decode()


def test_an_area_whose_items_are_all_retired_is_passed_over(client_for, demo, demo_users):
    """The defect: an area of the checklist with every item retired has nothing to assess, so it is not on the
    assessment's task list; yet the area before it said "Save and continue to" it, and continuing opened its
    page with no items, a dead end off the task list."""
    coordinator = demo_users["coordinator"]
    first_version = services.adopt_default_playbook(partnership=demo, by=coordinator)
    first, emptied, third = list(first_version.areas.order_by("position"))[:3]
    for item in emptied.items.all():
        services.set_item_retired(item=item, retired=True, by=coordinator)
    first_version.refresh_from_db()
    services.publish_draft(
        version=first_version, by=coordinator, change_note="First", expected_revision=first_version.revision
    )
    assessment = services.start_assessment(partnership=demo, by=coordinator)
    client = client_for("responder")
    page = client.get(area_url(assessment, first))
    assert f"Save and continue to {third.title}" in page.content.decode()

    response = client.post(area_url(assessment, first), answered(page, ratings_in(assessment, first)))

    assert response["Location"] == area_url(assessment, third)
    assert client.get(area_url(assessment, emptied)).status_code == 404
