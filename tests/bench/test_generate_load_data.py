from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from svtoolkit.accounts.models import Membership, User
from svtoolkit.bench.generator import LARGE_TITLE, LoadGenerator, stored_for_this_server
from svtoolkit.incidents import services
from svtoolkit.incidents.models import (
    Categorisation,
    Decision,
    Incident,
    LeadAssignment,
    Participation,
    PlanAction,
    TimelineEntry,
)
from svtoolkit.meetings.models import Meeting
from svtoolkit.partnerships.models import Partnership
from svtoolkit.tension.models import TensionReading
from tests.conftest import MODEL_BACKEND
from tests.factories import PartnershipFactory


def _generate(incidents=40, partnerships=2, **options):
    call_command("generate_load_data", incidents=incidents, partnerships=partnerships, quiet=True, **options)


def test_generated_incidents_are_spread_and_consistent(db):
    _generate()
    partnerships = Partnership.objects.filter(slug__startswith="load-")
    assert partnerships.count() == 2
    assert all(p.incidents.count() == 20 for p in partnerships)
    assert Incident.objects.values("year").distinct().count() > 1
    for incident in Incident.objects.exclude(playbook_version=None):
        actions = PlanAction.objects.filter(incident=incident)
        assert actions.exists()
        # Drawn from the incident's own partnership's published checklist, each item once.
        assert not actions.exclude(item=None).exclude(item__version=incident.playbook_version).exists()
        assert (
            actions.exclude(item=None).values("item").distinct().count() == actions.exclude(item=None).count()
        )
        assert (
            not actions.exclude(owner_organisation=None)
            .exclude(owner_organisation__partnership=incident.partnership)
            .exists()
        )
        assert incident.reference.startswith(incident.partnership.reference_prefix)
    large = Incident.objects.get(title__startswith=LARGE_TITLE)
    assert large.actions.count() == 100 and large.timeline.count() == 500


def test_generated_incident_page_is_seen_only_by_its_partnerships_members(db, client):
    _generate()
    first, second = Partnership.objects.filter(slug__startswith="load-").order_by("pk")
    incident = first.incidents.exclude(playbook_version=None).first()
    url = reverse("incidents:incident", args=[incident.pk])
    member = Membership.objects.get(partnership=first, role="viewer").user
    client.force_login(member, backend=MODEL_BACKEND)
    response = client.get(url)
    assert response.status_code == 200 and incident.title in response.content.decode()
    outsider = Membership.objects.get(partnership=second, role="coordinator").user
    client.force_login(outsider, backend=MODEL_BACKEND)
    assert client.get(url).status_code == 404


def test_generated_members_sign_in_with_the_bench_password_and_work_on(db, client):
    _generate(incidents=5, partnerships=1)
    coordinator = User.objects.get(email__startswith="coordinator.")
    response = client.post(
        reverse("accounts:login"), {"username": coordinator.email, "password": LoadGenerator.DEFAULT_PASSWORD}
    )
    assert response.status_code == 302 and client.get(reverse("incidents:list")).status_code == 200
    # Ids continue after the generated rows: new work is saved as usual.
    incident = Incident.objects.exclude(playbook_version=None).first()
    entry = services.add_update(incident=incident, by=coordinator, text="After the generator.")
    assert entry.pk > TimelineEntry.objects.exclude(pk=entry.pk).order_by("-pk").first().pk


def test_each_incidents_reference_is_of_the_year_it_happened_the_large_incidents_too(db):
    _generate()
    large = Incident.objects.get(title__startswith=LARGE_TITLE)
    assert large.status == "responding" and timezone.now() - large.occurred_at < timedelta(days=4)
    for incident in Incident.objects.all():
        year = timezone.localtime(incident.occurred_at).year
        assert incident.year == year and incident.reference.split("-")[1] == str(year), incident.reference
    # Numbered in the order they happened within each partnership's year, as recording them would have.
    for partnership in Partnership.objects.filter(slug__startswith="load-"):
        for year in partnership.incidents.values_list("year", flat=True).distinct():
            in_order = partnership.incidents.filter(year=year).order_by("occurred_at", "sequence")
            assert list(in_order.values_list("sequence", flat=True)) == list(range(1, in_order.count() + 1))


def test_nothing_generated_is_dated_in_the_future(db):
    # Large incidents happened three days ago: what follows them (a reading a day, the decision, the plan)
    # reaches now; so do the incidents of the last hours.
    _generate(incidents=30, partnerships=1, years=1, large_incidents=10)
    now = timezone.now()
    dated = {
        Incident: ["occurred_at", "notified_at", "created_at", "closed_at"],
        Categorisation: ["decided_at"],
        LeadAssignment: ["starts_at"],
        Participation: ["added_at", "informed_at", "acknowledged_at"],
        PlanAction: ["created_at", "completed_at"],
        TimelineEntry: ["at"],
        Decision: ["decided_at"],
        Meeting: ["created_at"],
        TensionReading: ["observed_at"],
    }
    assert TensionReading.objects.exists()
    for model, fields in dated.items():
        for name in fields:
            assert not model.objects.filter(**{f"{name}__gt": now}).exists(), f"{model.__name__}.{name}"


def test_a_second_run_adds_partnerships(db):
    _generate(incidents=4, partnerships=1)
    _generate(incidents=4, partnerships=1)
    assert Partnership.objects.filter(slug__startswith="load-").count() == 2
    assert Incident.objects.count() == 8


def test_the_generator_refuses_a_production_database(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="refuses to run in production"):
        _generate(incidents=1, partnerships=1)
    assert not Partnership.objects.filter(slug__startswith="load-").exists()


def test_the_generator_refuses_a_database_holding_a_real_partnership_unless_forced(db):
    PartnershipFactory(slug="northbridge")
    with pytest.raises(CommandError, match=r"refuses to add load data .*northbridge.*--force"):
        _generate(incidents=2, partnerships=1)
    assert not Partnership.objects.filter(slug__startswith="load-").exists()
    assert not Incident.objects.exists()

    _generate(incidents=2, partnerships=1, force=True)
    assert Partnership.objects.filter(slug__startswith="load-").count() == 1
    assert not Incident.objects.filter(partnership__slug="northbridge").exists()


PBKDF2 = "django.contrib.auth.hashers.PBKDF2PasswordHasher"
BENCH_SERVER_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", PBKDF2]  # svtoolkit.bench.settings


def test_the_bench_stores_passwords_so_that_a_sign_in_never_signs_another_session_out(db, settings, client):
    settings.PASSWORD_HASHERS = [PBKDF2]  # as `svtoolkit generate_load_data` hashes them outside the bench
    _generate(incidents=4, partnerships=1)
    settings.PASSWORD_HASHERS = BENCH_SERVER_HASHERS
    generated = User.objects.filter(email__endswith="@load.example.org")
    assert stored_for_this_server(LoadGenerator.DEFAULT_PASSWORD) == generated.count()
    assert stored_for_this_server(LoadGenerator.DEFAULT_PASSWORD) == 0, "once is enough"

    email = generated.filter(email__startswith="coordinator.").values_list("email", flat=True).get()
    # The mixed load signs several simulated people in as one account at once: this one is read by a second
    # sign-in at the moment the first signs in.
    read_by_a_second_sign_in = User.objects.get(email=email)
    signed_in = client.post(
        reverse("accounts:login"), {"username": email, "password": LoadGenerator.DEFAULT_PASSWORD}
    )
    assert signed_in.status_code == 302
    assert client.get(reverse("incidents:list")).status_code == 200
    assert read_by_a_second_sign_in.check_password(LoadGenerator.DEFAULT_PASSWORD)
    assert client.get(reverse("incidents:list")).status_code == 200, "the first is still signed in"
