"""The region's figures: counted only from what each borough lets the region see, by the database in a fixed
number of queries; small numbers suppressed in the needs assessment extract; the downloads parse back."""

import csv
import io
from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from svtoolkit.audit.models import AuditAction, AuditEntry
from svtoolkit.core import downloads
from svtoolkit.incidents import tallies
from svtoolkit.incidents.models import IncidentStatus, PlaceKind
from svtoolkit.partnerships.models import RegionalCategory, RegionRole
from svtoolkit.regions import figures, selectors
from svtoolkit.reports import selectors as reports
from svtoolkit.reports.forms import ReportFilterForm
from tests.conftest import MODEL_BACKEND
from tests.factories import (
    CategorisationFactory,
    IncidentFactory,
    MeetingFactory,
    MembershipFactory,
    PartnershipFactory,
    PersonAffectedFactory,
    PlanActionFactory,
    RegionalShareFactory,
    RegionalSharingFactory,
    RegionFactory,
    RegionMembershipFactory,
    SceneFactory,
    TensionReadingFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def region():
    """Two boroughs: Aldgate shares the defaults; Bow shares nothing (only that its incidents exist)."""
    region = RegionFactory(slug="london")
    aldgate = PartnershipFactory(name="Aldgate", region=region)
    bow = PartnershipFactory(name="Bow", region=region)
    RegionalSharingFactory(partnership=bow, categories=[])
    now = timezone.now()
    for borough in (aldgate, bow):
        knife = IncidentFactory(
            partnership=borough, incident_types=["knife"], occurred_at=now - timedelta(days=2)
        )
        CategorisationFactory(incident=knife, serious_violence=True)
        MeetingFactory(incident=knife, starts_at=knife.notified_at + timedelta(hours=6), status="held")
        PlanActionFactory(incident=knife, due_at=now - timedelta(hours=1), status="to_do")
        TensionReadingFactory(incident=knife, level=4)
        IncidentFactory(
            partnership=borough,
            incident_types=["firearm", "knife"],
            status=IncidentStatus.CLOSED,
            occurred_at=now - timedelta(days=3),
        )
        # Neither an exercise nor an incident of another region counts.
        IncidentFactory(partnership=borough, is_exercise=True, occurred_at=now - timedelta(days=2))
    IncidentFactory(
        partnership=PartnershipFactory(region=RegionFactory()), occurred_at=now - timedelta(days=2)
    )
    # Bow's incident from long ago: Bow shares no dates, so it is counted over all time.
    IncidentFactory(partnership=bow, occurred_at=now - timedelta(days=800))
    tallies.rebuild()  # the factories write past the services, which keep the totals
    return region


def test_a_borough_that_shares_nothing_contributes_only_that_its_incidents_exist(region):
    shown = figures.dashboard(region)
    aldgate, bow = shown["by_borough"]
    assert (
        aldgate.name,
        aldgate.incidents,
        aldgate.all_time,
        aldgate.still_open,
        aldgate.serious_violence,
    ) == (
        "Aldgate",
        2,
        False,
        1,
        1,
    )
    assert (bow.name, bow.incidents, bow.all_time, bow.still_open, bow.serious_violence) == (
        "Bow",
        3,
        True,
        None,
        None,
    )
    # Months, types, serious violence and progress: Aldgate's alone.
    assert sum(row.incidents for row in shown["per_month"]) == 2
    assert sum(row.serious_violence for row in shown["per_month"]) == 1
    assert dict(shown["by_type"])["Knife crime"] == 2 and dict(shown["by_type"])["Firearm"] == 1
    progress = {row.name: row for row in shown["progress"]}
    assert not progress["Bow"].shared and progress["Bow"].incidents == 0
    aldgate_progress = progress["Aldgate"]
    assert aldgate_progress.with_meeting == 1 and aldgate_progress.hours_to_meeting == 6.0
    assert aldgate_progress.still_open == 1 and aldgate_progress.tension_alerts == 1


def test_actions_not_yet_due_are_taken_away_only_from_their_own_boroughs_incidents(region):
    def aldgate_actions():
        aldgate = next(row for row in figures.dashboard(region)["progress"] if row.name == "Aldgate")
        return aldgate.on_time, aldgate.late, aldgate.still_open

    before = aldgate_actions()
    later = timezone.now() + timedelta(days=2)
    aldgate = region.partnerships.get(name="Aldgate")
    knife = aldgate.incidents.get(is_exercise=False, status=IncidentStatus.RESPONDING)
    exercise = aldgate.incidents.get(is_exercise=True)
    elsewhere = IncidentFactory(partnership=PartnershipFactory(region=RegionFactory()))
    for incident in (knife, exercise, elsewhere):
        PlanActionFactory(incident=incident, due_at=later, status="to_do")
        PlanActionFactory(incident=incident, due_at=later, status="done", completed_at=timezone.now())
    tallies.rebuild()
    # Counted in the totals, taken away as not yet due: the figures are as they were.
    assert aldgate_actions() == before
    assert (
        figures.dashboard(region, now=later + timedelta(hours=1))["progress"][0].still_open == before[2] + 1
    )


def test_sharing_more_opens_more(region):
    bow = region.partnerships.get(name="Bow")
    bow.regional_sharing.categories = [RegionalCategory.TYPES, RegionalCategory.DATES]
    bow.regional_sharing.save()
    shown = figures.dashboard(region)
    assert dict(shown["by_type"])["Knife crime"] == 4
    assert shown["by_borough"][1].incidents == 2 and shown["by_borough"][1].still_open is None


def test_the_figures_are_never_kept_a_new_incident_and_a_borough_sharing_less_count_at_once(region):
    assert dict(figures.dashboard(region)["by_type"])["Knife crime"] == 2
    aldgate = region.partnerships.get(name="Aldgate")
    recorded = IncidentFactory(
        partnership=aldgate, incident_types=["knife"], occurred_at=timezone.now() - timedelta(days=1)
    )
    tallies.recount(recorded)  # as recording an incident does, in its transaction
    assert dict(figures.dashboard(region)["by_type"])["Knife crime"] == 3
    RegionalSharingFactory(partnership=aldgate, categories=[])
    shown = figures.dashboard(region)
    assert dict(shown["by_type"])["Knife crime"] == 0 and shown["by_borough"][0].still_open is None


def test_the_dashboard_asks_the_database_the_same_few_questions_whatever_the_number_of_incidents(
    region, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        figures.dashboard(region)
    IncidentFactory.create_batch(20, partnership=region.partnerships.get(name="Aldgate"))
    with django_assert_max_num_queries(8):
        figures.dashboard(region)


# --- Small numbers -----------------------------------------------------------------------------------------


@hypothesis_settings(derandomize=True)
@given(st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=12))
def test_small_counts_are_never_shown_and_a_lone_hidden_count_cannot_be_worked_out(counts):
    """A count under 5 is "fewer than 5"; one hidden only so that a lone small count cannot be worked out by
    subtraction is said to be hidden for that, never "fewer than 5" (the defect: a borough of 50 incidents
    was said to have had fewer than 5)."""
    shown = figures.suppress(counts)
    hidden = [i for i, value in enumerate(shown) if not isinstance(value, int)]
    for count, value in zip(counts, shown, strict=True):
        if count < 5:
            assert value == figures.FEWER_THAN_5
        else:
            assert value in {count, figures.HIDDEN_TO_PROTECT}
    assert len(hidden) != 1 or len(counts) == 1


def test_the_needs_assessment_extract_counts_by_borough_type_age_and_month_with_small_numbers_hidden():
    region = RegionFactory()
    aldgate = PartnershipFactory(name="Aldgate", region=region)
    bow = PartnershipFactory(name="Bow", region=region)
    RegionalSharingFactory(partnership=bow, categories=[])  # no dates: not in a year's extract
    march = timezone.make_aware(datetime(2025, 3, 10, 12))
    incidents = IncidentFactory.create_batch(
        7, partnership=aldgate, occurred_at=march, incident_types=["knife"]
    )
    IncidentFactory.create_batch(
        2, partnership=aldgate, occurred_at=march.replace(month=7), incident_types=["firearm"]
    )
    IncidentFactory.create_batch(9, partnership=bow, occurred_at=march)
    IncidentFactory(partnership=aldgate, occurred_at=march.replace(year=2024))
    for incident in incidents[:6]:
        RegionalShareFactory(incident=incident)
        PersonAffectedFactory(incident=incident, age_band="16_17")
    PersonAffectedFactory(incident=incidents[6], age_band="16_17")  # not shared with the region: not counted
    rows = {(row[0], row[1]): row[2] for row in figures.needs_assessment(region, year=2025)}
    assert rows[("All incidents", "2025")] == 9
    assert rows[("Borough", "Aldgate")] == 9 and ("Borough", "Bow") not in rows
    assert rows[("Incident type", "Knife crime")] == 7
    assert rows[("Incident type", "Firearm")] == figures.FEWER_THAN_5
    assert rows[("Age band of people affected", "16 or 17")] == 6
    assert rows[("Age band of people affected", "18 to 24")] == figures.FEWER_THAN_5
    assert rows[("Month", "2025-03")] == 7
    assert rows[("Month", "2025-07")] == figures.FEWER_THAN_5


def test_the_extract_counts_place_types_from_boroughs_sharing_areas_with_small_numbers_hidden(
    django_assert_num_queries,
):
    region = RegionFactory()
    aldgate = PartnershipFactory(name="Aldgate", region=region)
    bow = PartnershipFactory(name="Bow", region=region)
    RegionalSharingFactory(partnership=aldgate, categories=["dates", "types", "areas"])
    RegionalSharingFactory(partnership=bow, categories=["dates"])  # no areas: its places are not counted
    march = timezone.make_aware(datetime(2025, 3, 10, 12))

    def with_scene(partnership, *places, shared=False):
        incident = IncidentFactory(partnership=partnership, occurred_at=march)
        for place in places:
            SceneFactory(incident=incident, place=place)
        if shared:
            RegionalShareFactory(incident=incident)
        return incident

    def extract():
        return {(row[0], row[1]): row[2] for row in figures.needs_assessment(region, year=2025)}

    for _ in range(5):
        with_scene(aldgate, "school", "school")  # two scenes at schools: one incident
    with_scene(aldgate, "school", "hospital")
    with_scene(aldgate, "hospital")
    with_scene(aldgate)  # no kind of place recorded
    for _ in range(6):
        with_scene(bow, "transport")  # Bow does not share areas
    with_scene(bow, "estate", shared=True)  # ...but shares this incident with the region
    with_scene(aldgate, "estate")
    with django_assert_num_queries(6):
        rows = extract()
    schools, hospitals, transport, estates, worship = (
        rows[("Place type of the scenes", PlaceKind(kind).label)]
        for kind in ("school", "hospital", "transport", "estate", "worship")
    )
    assert schools == 6
    assert hospitals == estates == transport == worship == figures.FEWER_THAN_5
    assert rows[("All incidents", "2025")] == 16

    # Ten times the incidents, the same questions asked: grouped queries, not one per incident or scene.
    for _ in range(10):
        with_scene(aldgate, "transport", "worship")
    with django_assert_num_queries(6):
        rows = extract()
    assert rows[("Place type of the scenes", PlaceKind.TRANSPORT.label)] == 10


def test_this_years_extract_lists_only_the_months_begun_so_a_lone_small_month_cannot_be_worked_out(client):
    """The defect: this year's extract, taken in March, listed April to December as "fewer than 5", though
    they are nought by necessity (no incident is recorded as happening in the future): hiding them hid
    nothing, and January's small count was the total less the months shown."""
    import time_machine

    region = RegionFactory(slug="london")
    aldgate = PartnershipFactory(name="Aldgate", region=region)
    for month, count in ((1, 3), (2, 10), (3, 8)):
        IncidentFactory.create_batch(
            count, partnership=aldgate, occurred_at=timezone.make_aware(datetime(2026, month, 5, 12))
        )
    client.force_login(RegionMembershipFactory(region=region).user, backend=MODEL_BACKEND)
    with time_machine.travel(timezone.make_aware(datetime(2026, 3, 20, 12)), tick=False):
        extract = client.get(reverse("figures:needs_assessment", args=["london", 2026, "csv"]))
    _, _, *lines = list(csv.reader(io.StringIO(extract.content.decode("utf-8-sig"))))
    assert ["All incidents", "2026", "21"] in lines
    months = {group: shown for counted_by, group, shown in lines if counted_by == "Month"}
    assert months == {"2026-01": "fewer than 5", "2026-02": "10", "2026-03": figures.HIDDEN_TO_PROTECT}


# --- The pages and the downloads ---------------------------------------------------------------------------


@pytest.fixture
def regional_viewer(region, client):
    user = RegionMembershipFactory(region=region, role=RegionRole.VIEWER).user
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def test_the_dashboard_shows_charts_with_tables_and_each_borough_sees_the_read_in_its_log(
    region, regional_viewer
):
    response = regional_viewer.get(reverse("figures:dashboard", args=["london"]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-report-chart="chart-data-boroughs"' in page and "not shared" in page
    assert set(
        AuditEntry.objects.filter(action=AuditAction.REGIONAL_VIEW).values_list(
            "partnership__name", flat=True
        )
    ) == {"Aldgate", "Bow"}


def test_borough_staff_and_other_regions_do_not_see_the_figures(region, client):
    client.force_login(
        MembershipFactory(partnership=region.partnerships.first(), role="coordinator").user,
        backend=MODEL_BACKEND,
    )
    assert client.get(reverse("figures:dashboard", args=["london"])).status_code == 403
    client.force_login(RegionMembershipFactory().user, backend=MODEL_BACKEND)
    assert client.get(reverse("figures:dashboard", args=["london"])).status_code == 404


def test_the_csv_download_parses_back_to_the_dashboards_figures(region, regional_viewer):
    response = regional_viewer.get(reverse("figures:export", args=["london", "csv"]))
    assert response["Content-Type"].startswith("text/csv")
    marking, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert downloads.is_marking_line(marking)
    assert rows[0] == figures.DASHBOARD_COLUMNS
    expected = [[str(cell) for cell in row] for row in figures.dashboard_rows(figures.dashboard(region))]
    assert rows[1:] == expected
    assert ["Incidents", "Bow", "all time", "3"] in rows and ["Still open", "Bow", "", "not shared"] in rows


def test_the_excel_download_and_the_extract_parse_back(region, regional_viewer):
    workbook = load_workbook(
        io.BytesIO(regional_viewer.get(reverse("figures:export", args=["london", "xlsx"])).content)
    )
    marking, *rows = [list(row) for row in workbook.active.iter_rows(values_only=True)]
    assert marking[0] in downloads.LEVELS
    assert rows[0] == figures.DASHBOARD_COLUMNS
    assert ["Incidents", "Aldgate", "in the period", 2] in rows
    year = timezone.localdate().year
    extract = regional_viewer.get(reverse("figures:needs_assessment", args=["london", year, "csv"]))
    marking, *lines = list(csv.reader(io.StringIO(extract.content.decode("utf-8-sig"))))
    assert downloads.is_marking_line(marking)
    assert lines[0] == figures.NEEDS_ASSESSMENT_COLUMNS
    assert all(cell == "fewer than 5" or int(cell) >= 5 for *_, cell in lines[1:])
    assert (
        regional_viewer.get(reverse("figures:needs_assessment", args=["london", year, "pdf"])).status_code
        == 404
    )


# --- The board's cost --------------------------------------------------------------------------------------


def test_the_board_asks_the_same_few_questions_whatever_the_number_of_boroughs_and_incidents(
    region, django_assert_max_num_queries
):
    viewer = RegionMembershipFactory(region=region, role=RegionRole.VIEWER).user
    with django_assert_max_num_queries(6) as few:
        selectors.board(region, user=viewer)
    for n in range(6):
        borough = PartnershipFactory(name=f"Borough {n}", region=region)
        IncidentFactory.create_batch(3, partnership=borough)
    with django_assert_max_num_queries(len(few.captured_queries)):
        shown = selectors.board(region, user=viewer)
    # Still one entry in each borough's log naming the incidents of it the region read (Bow, which keeps
    # its incidents' status from the region, has none on the board).
    read = AuditEntry.objects.filter(action=AuditAction.REGIONAL_VIEW).order_by("-id")[: 1 + 6]
    assert sorted(entry.partnership.name for entry in read) == sorted(
        ["Aldgate", *(f"Borough {n}" for n in range(6))]
    )
    assert {len(entry.detail["incidents"]) for entry in read if entry.partnership.name.startswith("Bor")} == {
        3
    }
    assert len(shown["incidents"]) == sum(len(entry.detail["incidents"]) for entry in read)


# A month's end, the first of a month after a short February, and a leap day.
MONTH_ENDS = {
    date(2027, 1, 31): date(2026, 2, 1),
    date(2028, 3, 1): date(2027, 4, 1),
    date(2028, 2, 29): date(2027, 3, 1),
}


NOT_PERIODS = ["al", "2026-13", "²", "٣", "9" * 5000, "7", "12 "]


def _reads_logged() -> set[str]:
    reads = AuditEntry.objects.filter(action=AuditAction.REGIONAL_VIEW)
    return set(reads.values_list("partnership__name", flat=True))


def test_no_period_or_an_empty_one_counts_the_usual_twelve_months(region, regional_viewer):
    export = reverse("figures:export", args=["london", "csv"])
    usual = regional_viewer.get(export, {"period": "12"}).content
    assert regional_viewer.get(export).content == usual
    assert regional_viewer.get(export, {"period": ""}).content == usual


@pytest.mark.parametrize("period", NOT_PERIODS)
def test_the_dashboard_with_a_period_not_offered_says_which_there_are_and_no_borough_logs_a_read(
    region, regional_viewer, period
):
    """The defect: a period not offered (mistyped, or a link edited) showed the usual 12 months as if asked
    for, with nothing to say so."""
    response = regional_viewer.get(reverse("figures:dashboard", args=["london"]), {"period": period})

    page = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in page
    assert "Choose a period from the list: the last 3 months, 6 months, 12 months, 2 years or 3 years" in page
    assert 'data-report-chart="chart-data-boroughs"' not in page and "Incidents by borough" not in page
    assert _reads_logged() == set()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("period", ["al", "2026-13"])
def test_a_download_with_a_period_not_offered_hands_out_nothing_and_no_borough_logs_a_read(
    region, regional_viewer, file_format, period
):
    """The defect: the download handed out the usual 12 months, and each borough's log recorded the region
    reading its figures."""
    response = regional_viewer.get(
        reverse("figures:export", args=["london", file_format]), {"period": period}
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response
    page = response.content.decode()
    assert "govuk-error-summary" in page and "Choose a period from the list" in page
    for borough in ("Aldgate", "Bow"):
        assert borough not in _reads_logged()


@pytest.mark.parametrize("today", MONTH_ENDS)
def test_twelve_months_are_twelve_calendar_months_as_on_the_partnership_dashboard(demo, demo_users, today):
    now = timezone.make_aware(datetime.combine(today, time(12)))
    first = MONTH_ENDS[today]
    midnight = timezone.make_aware(datetime.combine(first, time()))
    for occurred_at in (midnight + timedelta(minutes=30), midnight - timedelta(minutes=30)):
        IncidentFactory(partnership=demo, occurred_at=occurred_at, notified_at=occurred_at)
    tallies.rebuild()

    shown = figures.dashboard(demo.region, period=12, now=now)
    chosen = ReportFilterForm({"period": "12"}, types={}).filters(now=now)
    partnership = reports.dashboard(demo_users["coordinator"], demo, chosen, now=now)

    assert shown["since"] == first == timezone.localtime(chosen.since).date()
    assert [row.month for row in shown["per_month"]] == partnership["months"]
    assert len(partnership["months"]) == 12 and partnership["months"][-1] == today.replace(day=1)
    [northbridge] = [row for row in shown["by_borough"] if row.name == demo.name]
    assert northbridge.incidents == partnership["incidents_total"] == 1  # not the one the day before


@pytest.mark.parametrize("period", figures.PERIODS)
def test_each_period_is_that_many_calendar_months(region, period):
    for today in MONTH_ENDS:
        now = timezone.make_aware(datetime.combine(today, time(12)))
        months = [row.month for row in figures.dashboard(region, period=period, now=now)["per_month"]]
        assert len(months) == period and months[-1] == today.replace(day=1)


def test_the_figures_downloads_give_hours_as_numbers_not_text():
    """The defect: an average in hours (1.5) was written as text, which a spreadsheet neither adds up nor
    charts, and a negative one (a meeting recorded before the notification time) as '-0.5, the apostrophe
    that keeps a formula from running put before a number."""
    from svtoolkit.partnerships.tabular import write

    shown = {
        "by_borough": [],
        "per_month": [],
        "types": [],
        "by_type": [],
        "progress": [
            figures.Progress(
                name="Aldgate", shared=True, hours_to_meeting=1.5, hours_to_partners_informed=-0.5
            )
        ],
    }
    rows = figures.dashboard_rows(shown)
    workbook, _ = write("xlsx", figures.DASHBOARD_COLUMNS, rows, title="Figures", marking="OFFICIAL")
    cells = [list(row) for row in load_workbook(io.BytesIO(workbook)).active.iter_rows(values_only=True)]
    hours = {row[2]: row[3] for row in cells if row[2] and "hours" in str(row[2])}
    assert hours == {
        "hours to the first critical-incident meeting": 1.5,
        "hours to the first partner informed": -0.5,
    }
    text, _ = write("csv", figures.DASHBOARD_COLUMNS, rows, title="Figures", marking="OFFICIAL")
    values = {row[2]: row[3] for row in csv.reader(io.StringIO(text.decode("utf-8-sig"))) if len(row) > 3}
    assert values["hours to the first partner informed"] == "-0.5"
