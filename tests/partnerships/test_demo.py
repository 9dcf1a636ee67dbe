from io import StringIO

import pytest
from django.apps import apps
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from svtoolkit.accounts.models import User
from svtoolkit.alerts.demo import EXTRA_PEOPLE
from svtoolkit.core import demo as core_demo
from svtoolkit.incidents import tallies
from svtoolkit.incidents.models import Incident
from svtoolkit.messaging.models import Delivery
from svtoolkit.partnerships import services
from svtoolkit.partnerships.demo import DEMO_REGION_USERS, seed_demo_partnership
from svtoolkit.partnerships.management.commands import seed_demo as seed_demo_command
from svtoolkit.partnerships.models import Contact, IncidentRole, Partnership, SupportService
from tests.concurrency import Paused, overlapping
from tests.conftest import DEMO_PASSWORD
from tests.factories import TEST_PASSWORD

reads_seeded_demo = pytest.mark.xdist_group("seeded_demo")


def every_row() -> dict[str, list]:
    """Every row of every table (many-to-many tables too), by model."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_models(include_auto_created=True)
    }


@reads_seeded_demo
def test_seeding_again_changes_no_row_of_any_table_and_sends_nothing(seeded_demo, monkeypatch):
    seeded = every_row()
    monkeypatch.setenv("SVTOOLKIT_DEMO_PASSWORD", DEMO_PASSWORD)
    call_command("seed_demo", stdout=StringIO())
    assert every_row() == seeded
    assert mail.outbox == []
    # The kept totals (incidents.tallies) agree with the records they count, the history's among them.
    assert tallies.differences() == []


@reads_seeded_demo
def test_the_demo_has_its_partnerships_accounts_directory_and_sent_nothing(seeded_demo):
    # The five demo accounts, the region's two, and the two council people the alerting demo alerts.
    assert User.objects.count() == 5 + len(DEMO_REGION_USERS) + len(EXTRA_PEOPLE)
    assert list(Partnership.objects.values_list("slug", flat=True)) == ["eastmere", "northbridge", "westford"]
    assert Partnership.objects.filter(region__slug="north-riverside").count() == 3
    assert Contact.objects.count() >= 8 and 6 <= SupportService.objects.count() <= 8
    assert User.objects.get(email="police@example.org").check_password(DEMO_PASSWORD)
    # Seeding sends nothing: the demo's messages are in the outbox already, none left for the worker to send.
    assert seeded_demo.sent == []
    assert Delivery.objects.exists()
    assert not Delivery.objects.exclude(provider="outbox", status="delivered").exists()
    assert DEMO_PASSWORD in seeded_demo.output
    # A line per stage as it goes, not minutes of silence.
    for stage in ("partnership, directory and accounts...", "checklist: done in", "reports: done in"):
        assert stage in seeded_demo.output


@reads_seeded_demo
def test_restarted_the_demo_prints_the_password_that_signs_in(seeded_demo, monkeypatch, capsys):
    # Restarted without the variable: the password printed is the one that signs in, not a new one.
    monkeypatch.delenv("SVTOOLKIT_DEMO_PASSWORD", raising=False)
    call_command("seed_demo", "--if-empty")
    assert f"password: {DEMO_PASSWORD}" in capsys.readouterr().out
    monkeypatch.setenv("SVTOOLKIT_DEMO_PASSWORD", "another passphrase")
    call_command("seed_demo", "--if-empty")
    restarted = capsys.readouterr().out
    assert f"password: {DEMO_PASSWORD}" in restarted and "does not change it" in restarted


@pytest.mark.django_db
def test_several_organisations_have_a_single_point_of_contact_and_a_deputy(demo):
    roles = Contact.objects.filter(organisation__partnership=demo).values_list(
        "organisation__name", "incident_role"
    )
    with_both = {name for name, role in roles if role == IncidentRole.SINGLE_POINT_OF_CONTACT} & {
        name for name, role in roles if role == IncidentRole.DEPUTY
    }
    assert len(with_both) >= 3
    assert not Contact.objects.filter(owner__isnull=True).exists()
    assert not SupportService.objects.filter(owner__isnull=True).exists()


@pytest.mark.django_db
def test_seeding_again_after_a_coordinator_named_another_lead_organisation_leaves_their_choice(
    demo, demo_users
):
    """The defect: seeding again made the council the lead whatever led the partnership, so once a
    coordinator had named another lead organisation every later start crashed (the database refuses two)."""
    trust = demo.organisations.get(name="Northbridge Youth Trust")
    services.update_organisation(
        organisation=trust,
        expected_revision=trust.revision,
        details={"name": trust.name, "leads_partnership": True},
        by=demo_users["coordinator"],
    )
    seed_demo_partnership(password=TEST_PASSWORD)
    assert list(demo.organisations.filter(leads_partnership=True)) == [trust]


@pytest.fixture
def accounts_alone(monkeypatch):
    """seed_demo makes the partnership and its accounts but runs no app's seeder (the incidents, the alerts,
    the history: most of its minute): for the tests of what the command itself does with the password and
    the database, which the seeders have no part in."""
    monkeypatch.setattr(core_demo, "_seeders", [])


@pytest.mark.django_db
def test_generated_password_is_printed_and_kept(monkeypatch, capsys, settings, client, accounts_alone):
    monkeypatch.delenv("SVTOOLKIT_DEMO_PASSWORD", raising=False)
    call_command("seed_demo", "--if-empty")
    password = (settings.VAR_DIR / "demo-password").read_text().strip()
    assert f"password: {password}" in capsys.readouterr().out
    response = client.post(
        reverse("accounts:login"), {"username": "viewer@example.org", "password": password}
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_if_empty_leaves_an_existing_database_alone(monkeypatch, capsys):
    User.objects.create_user("someone@example.org", "a long passphrase", full_name="Someone")
    call_command("seed_demo", "--if-empty")
    assert not Partnership.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arguments", "accounts_already_there"),
    [([], False), (["--if-empty"], True)],
    ids=["empty-database", "demo-accounts-already-there"],
)
def test_seed_demo_is_refused_in_production_and_neither_seeds_nor_prints_a_password(
    arguments, accounts_already_there, settings, monkeypatch
):
    """The defect: in production (SVTOOLKIT_ENV unset) seed_demo made the demo accounts, a coordinator among
    them, with the password of the variable (or a generated one) and printed it into the service's journal."""
    settings.PRODUCTION = True
    published = "a password everyone has read in the README"
    monkeypatch.setenv("SVTOOLKIT_DEMO_PASSWORD", published)
    if accounts_already_there:
        seed_demo_partnership(password=published)
    rows = every_row()
    out = StringIO()
    with pytest.raises(CommandError, match="refuses to run in production"):
        call_command("seed_demo", *arguments, stdout=out)
    assert every_row() == rows
    assert out.getvalue() == ""
    assert not (settings.VAR_DIR / "demo-password").exists()


@pytest.mark.django_db
def test_an_interrupted_seeding_leaves_nothing_and_the_next_make_run_seeds_the_whole_demo(
    monkeypatch, settings
):
    """The defect: each stage committed on its own, so a seeding interrupted after the accounts were made
    (Ctrl-C in the minute it takes, a stage failing) kept them, and every later `make run` (seed_demo
    --if-empty) found accounts and seeded nothing: the demo stayed without its history for good. Seeding is
    one transaction now. No stage waits on a commit of its own: seeding queues nothing for after the commit
    (transaction.on_commit), its messages written straight into the outbox (messaging.kept_in_the_outbox)."""
    monkeypatch.delenv("SVTOOLKIT_DEMO_PASSWORD", raising=False)
    before = every_row()

    def interrupted(**kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        # The history's stage, after the accounts, the checklist, the incidents and the alerts were made.
        patch.setattr(
            core_demo,
            "_seeders",
            [
                (order, name, interrupted if name == "reports" else seed)
                for order, name, seed in core_demo._seeders
            ],
        )
        with pytest.raises(KeyboardInterrupt):
            call_command("seed_demo", "--if-empty", stdout=StringIO())
    assert every_row() == before
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)  # the next `make run`
    seeded = out.getvalue()
    assert [name for _, name, _ in core_demo._seeders if f"  {name}: done in" not in seeded] == []
    assert Incident.objects.filter(partnership__slug="northbridge").count() > 20
    assert Partnership.objects.filter(region__slug="north-riverside").count() == 3
    # The password generated by the interrupted run, kept in var/, is the one the accounts sign in with.
    password = (settings.VAR_DIR / "demo-password").read_text().strip()
    assert f"password: {password}" in seeded
    assert User.objects.get(email="coordinator@example.org").check_password(password)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two seedings overlap only on PostgreSQL")
def test_two_make_runs_started_at_once_seed_the_demo_once_and_the_second_finds_it_seeded(
    monkeypatch, accounts_alone
):
    """The defect: `seed_demo --if-empty` looked for accounts before its seeding's transaction, so a second
    `make run` (or a run and a worker) started while the first was seeding found the database empty too and
    seeded it again, or failed part of the way. Now the look and the seeding are one step, one seeding at a
    time: the second waits for the first, then finds its accounts and seeds nothing."""
    monkeypatch.setenv("SVTOOLKIT_DEMO_PASSWORD", DEMO_PASSWORD)
    # The first stops inside its seeding, its accounts made but not yet committed.
    paused = Paused(seed_demo_command.seed_demo_partnership)
    monkeypatch.setattr(seed_demo_command, "seed_demo_partnership", paused)
    outputs = [StringIO(), StringIO()]
    first, second = overlapping(
        lambda: call_command("seed_demo", "--if-empty", stdout=outputs[0]),
        lambda: call_command("seed_demo", "--if-empty", stdout=outputs[1]),
        paused=paused,
    )
    assert "error" not in first and "error" not in second
    seeded, found = (output.getvalue() for output in outputs)
    assert "Seeded Northbridge" in seeded
    assert "Seeding the demo" not in found
    assert "The database already holds accounts; the demo partnership was not seeded." in found
    assert f"password: {DEMO_PASSWORD}" in found
    assert Partnership.objects.filter(slug="northbridge").count() == 1
    assert User.objects.get(email="coordinator@example.org").check_password(DEMO_PASSWORD)
