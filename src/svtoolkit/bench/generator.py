"""Realistic volumes of partnership data, written fast, for the benchmarks in bench/.

Rows are built as plain tuples with their ids chosen here (one past the table's highest), then written in
batches: with PostgreSQL's COPY, elsewhere with one multi-row INSERT. Nothing goes through the services,
which write one incident at a time with its audit entries: that is what the benchmarks measure, not what
fills the database. Run it only on a database nothing else is writing to.

On PostgreSQL the load is a bulk load: the tables' secondary indexes (the full-text ones above all) are
dropped while the rows go in and built again once at the end, and the foreign keys are not checked row by row
(the generator makes every row it points to), which takes 150,000 incidents from hours to minutes. The running
totals the figures read are counted again from the rows at the end (``tallies.rebuild``).
"""

import contextlib
import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from svtoolkit.accounts.models import Membership, Role, User
from svtoolkit.core import changes
from svtoolkit.incidents import tallies
from svtoolkit.incidents.categorisation import rules, suggest
from svtoolkit.incidents.models import (
    ActionStatus,
    Categorisation,
    Decision,
    Incident,
    IncidentStatus,
    LeadAssignment,
    NotificationSource,
    Participation,
    PlanAction,
    Scene,
    TimelineEntry,
    TimelineKind,
)
from svtoolkit.meetings.models import Meeting, MeetingKind, MeetingStatus
from svtoolkit.partnerships.models import Organisation, OrganisationKind, Partnership
from svtoolkit.playbooks import services as playbooks
from svtoolkit.playbooks.models import Item
from svtoolkit.tension.models import AreaKind, Confidence, TensionReading

BATCH = 250
LARGE_TITLE = "Large incident"
LARGE_AGE = timedelta(days=3)
# The organisations of every generated partnership, and which of them take part in most incidents.
ORGANISATION_KINDS = [
    OrganisationKind.COUNCIL,
    OrganisationKind.POLICE,
    OrganisationKind.AMBULANCE,
    OrganisationKind.HEALTH_HOSPITAL,
    OrganisationKind.CHILDRENS_SOCIAL_CARE,
    OrganisationKind.EDUCATION,
    OrganisationKind.YOUTH_JUSTICE,
    OrganisationKind.HOUSING,
    OrganisationKind.VOLUNTARY,
]
PLACES = [
    "High Street",
    "Station Road",
    "the Marsh Estate",
    "Victoria Park",
    "the bus station",
    "Church Lane",
    "the retail park",
    "Albert Road",
    "the canal towpath",
    "Kingsway shopping centre",
]
WARDS = ["Central", "Riverside", "Northfield", "Eastgate", "Hillside", "Westbrook", "Marsh", "Parkside"]
TYPE_WEIGHTS = {"knife": 55, "firearm": 8, "homicide": 4, "corrosive": 3, "exploitation": 12, "other": 18}
UPDATES = [
    "Police cordon lifted; scene released.",
    "Victim's family visited by the family liaison officer.",
    "School leadership briefed; extra staff at the gates this week.",
    "Youth workers out on the estate this evening.",
    "Community reassurance walk arranged with ward councillors.",
    "Social media monitoring shows rumours about retaliation; shared with police.",
    "Hospital confirms the victim is stable.",
    "Housing checked the block's CCTV and passed footage to police.",
]


@dataclass
class _Partnership:
    """What the incident rows of one generated partnership refer to."""

    partnership: Partnership
    version_id: int
    organisations: dict[str, int]
    coordinator: int
    responders: list[int]
    timings: dict  # the checklist's timings: when an action falls due after the plan is drawn
    partners: dict[int, int] = field(default_factory=dict)  # organisation id: the partner representing it
    items: list[Item] = field(default_factory=list)


class _Table:
    """Rows for one table, their ids allocated here, written in one go per batch."""

    def __init__(self, model, columns: list[str], next_id: int):
        self.model = model
        named = [model._meta.get_field(name) for name in ["id", *columns]]
        # Columns the generator does not name take the model's default, so a new field with a default needs
        # no change here (the rows are written straight to the table, where Django's defaults do not apply).
        self.defaulted = [
            field
            for field in model._meta.concrete_fields
            if field not in named and not field.null and (field.has_default() or field.empty_strings_allowed)
        ]
        self.fields = [*named, *self.defaulted]
        self.rows: list[tuple] = []
        self.next_id = next_id
        self.written = 0

    def add(self, *values) -> int:
        row_id = self.next_id
        self.next_id += 1
        self.rows.append((row_id, *values, *(field.get_default() for field in self.defaulted)))
        return row_id

    def flush(self) -> None:
        if not self.rows:
            return
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                json_at = [i for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)]
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in self.rows:
                        if json_at:
                            row = list(row)
                            for i in json_at:
                                row[i] = json.dumps(row[i])
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(self.fields))
                prepared = [
                    [f.get_db_prep_save(value, connection) for f, value in zip(self.fields, row, strict=True)]
                    for row in self.rows
                ]
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", prepared)
        self.written += len(self.rows)
        self.rows = []


@contextlib.contextmanager
def _bulk_load(models_loaded):
    """The change log's triggers dropped for the load (no page part is cached yet) and made again after it;
    on PostgreSQL also the loaded tables' secondary indexes dropped and built again, and foreign keys not
    checked row by row where the role may say so."""
    changes.remove_triggers()
    try:
        with _postgresql_bulk_load(models_loaded):
            yield
    finally:
        changes.install_triggers()


@contextlib.contextmanager
def _postgresql_bulk_load(models_loaded):
    if connection.vendor != "postgresql":
        yield
        return
    tables = [model._meta.db_table for model in models_loaded]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname "
            "JOIN pg_index x ON x.indexrelid = c.oid WHERE i.tablename = ANY(%s) AND NOT x.indisunique",
            [tables],
        )
        dropped = cursor.fetchall()
        for name, _ in dropped:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        try:
            with transaction.atomic():
                cursor.execute("SET session_replication_role = replica")
            replica = True
        except Exception:  # not a superuser: the foreign keys are checked, only more slowly
            replica = False
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if replica:
                cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for _, definition in dropped:
                cursor.execute(definition)


def stored_for_this_server(password: str) -> int:
    """Store every generated member's password as the settings now running hash it first; returns how many
    were stored again.

    The generator hashed them with the settings it ran under (PBKDF2 outside the bench). The bench's server
    prefers a fast hasher, so it stored each password again at its person's first sign-in, with a new salt,
    and that signs out every other session of the person. The mixed load's simulated people share accounts:
    those signed out were answered the sign-in page for what they read, and refused (403) what they sent."""
    hashed = make_password(password)
    algorithm = hashed.split("$", 1)[0]
    generated = User.objects.filter(email__endswith="@load.example.org")
    return generated.exclude(password__startswith=f"{algorithm}$").update(password=hashed)


def _next_id(model) -> int:
    return (model.objects.aggregate(highest=models.Max("id"))["highest"] or 0) + 1


class LoadGenerator:
    DEFAULT_PASSWORD = "bench-password-not-for-real-use"

    def __init__(self, *, incidents, partnerships, years, large_incidents, password, seed):
        self.total = incidents
        self.partnership_count = partnerships
        self.years = years
        self.large = large_incidents
        self.password_hash = make_password(password)
        self.random = random.Random(seed)
        self.now = timezone.now()
        self.factor_codes = list(rules()["factors"])
        self._plans: dict[tuple, list[Item]] = {}

    # --- Partnerships, organisations, members and their checklist (a few rows each, through the ORM) ------

    def _partnership(self, index: int) -> _Partnership:
        partnership = Partnership.objects.create(
            name=f"Load test partnership {index}",
            slug=f"load-{index}",
            area=f"Load test borough {index}",
            reference_prefix=f"LD{index}",
        )
        organisations = {
            kind: Organisation.objects.create(
                partnership=partnership, name=f"{kind.label} (load test {index})", kind=kind
            ).pk
            for kind in ORGANISATION_KINDS
        }
        people = [("coordinator", Role.COORDINATOR, OrganisationKind.COUNCIL)]
        people += [(f"responder{n}", Role.RESPONDER, OrganisationKind.COUNCIL) for n in (1, 2, 3)]
        people += [("viewer", Role.VIEWER, OrganisationKind.COUNCIL)]
        people += [(f"partner-{kind}", Role.PARTNER, kind) for kind in ORGANISATION_KINDS[1:]]
        users = User.objects.bulk_create(
            User(
                email=f"{name}.{index}@load.example.org",
                full_name=f"{name.replace('-', ' ').title()} {index}",
                password=self.password_hash,
            )
            for name, _, _ in people
        )
        Membership.objects.bulk_create(
            Membership(user=user, partnership=partnership, organisation_id=organisations[kind], role=role)
            for user, (_, role, kind) in zip(users, people, strict=True)
        )
        coordinator = users[0]
        version = playbooks.adopt_default_playbook(partnership=partnership, by=coordinator)
        playbooks.publish_draft(
            version=version, by=coordinator, change_note="Load test.", expected_revision=version.revision
        )
        return _Partnership(
            partnership=partnership,
            version_id=version.pk,
            timings=version.vocabularies["timings"],
            organisations=organisations,
            coordinator=coordinator.pk,
            responders=[user.pk for user in users[1:4]],
            partners={
                organisations[kind]: user.pk
                for user, (_, role, kind) in zip(users, people, strict=True)
                if role == Role.PARTNER
            },
            items=list(
                version.items.select_related("area").exclude(area__phase="before").order_by("area__position")
            ),
        )

    def _plan_items(self, p: _Partnership, types: list[str], categories: set[str]) -> list[Item]:
        key = (p.version_id, tuple(types), frozenset(categories))
        if key not in self._plans:
            self._plans[key] = [
                item for item in p.items if item.applies_to(incident_types=set(types), categories=categories)
            ]
        return self._plans[key]

    # --- Incidents and everything on them --------------------------------------------------------------

    def run(self, progress: Callable[[int], object] = lambda n: None) -> dict:
        first = Partnership.objects.filter(slug__startswith="load-").count() + 1
        with transaction.atomic():
            generated = [self._partnership(first + n) for n in range(self.partnership_count)]
        self.tables = {
            "incident": self._table(
                Incident,
                "partnership reference year sequence title incident_types occurred_at notified_at "
                "notification_source notified_by summary status is_exercise exercise playbook_version "
                "created_by created_at closed_at revision",
            ),
            "scene": self._table(Scene, "incident description area latitude longitude"),
            "categorisation": self._table(
                Categorisation,
                "incident factors other_factors suggested_serious_violence suggested_meeting "
                "suggested_cross_borough serious_violence meeting_needed cross_borough rationale "
                "decided_by decided_at",
            ),
            "lead": self._table(
                LeadAssignment, "incident organisation officer starts_at assigned_by handover_note"
            ),
            "participation": self._table(
                Participation,
                "incident organisation contact added_by added_at informed_at acknowledged_at "
                "acknowledged_by acknowledgement_token_hash",
            ),
            "action": self._table(
                PlanAction,
                "incident item area_title area_position title guidance essential owner_organisation "
                "owner due_at status not_needed_reason completed_at last_reminded_at created_by created_at "
                "revision",
            ),
            "timeline": self._table(TimelineEntry, "incident at by kind text action"),
            "decision": self._table(Decision, "incident what why decided_by decided_at supersedes"),
            "meeting": self._table(
                Meeting,
                "incident kind starts_at duration_minutes place online_link chair agenda minutes "
                "cancelled_reason sequence status series created_by created_at uid",
            ),
            "invited": self._table(Meeting.invited_organisations.through, "meeting organisation"),
            "tension": self._table(
                TensionReading,
                "incident area area_kind level indicators source confidence notes observed_at recorded_by",
            ),
        }
        with _bulk_load([table.model for table in self.tables.values()]):
            self._load(generated, progress)
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(
                no_style(), [table.model for table in self.tables.values()]
            ):
                cursor.execute(statement)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        # The rows went straight to the tables, past the services that keep the running totals.
        tallies.rebuild()
        return {
            "partnerships": len(generated),
            "incidents": self.tables["incident"].written,
            "rows": sum(table.written for table in self.tables.values()),
        }

    def _load(self, generated: list[_Partnership], progress) -> None:
        per_partnership = [self.total // len(generated)] * len(generated)
        per_partnership[0] += self.total - sum(per_partnership)
        large_left = self.large
        for p, count in zip(generated, per_partnership, strict=True):
            days = self.years * 365
            moments = [
                (self.now - timedelta(minutes=self.random.uniform(60, days * 24 * 60)), False)
                for _ in range(count)
            ]
            # The large incidents are being responded to: they happened three days ago, and take their
            # reference (year and sequence) in that order, as any incident recorded then would.
            large_here = min(large_left, count)
            large_left -= large_here
            moments[:large_here] = [(self.now - LARGE_AGE, True)] * large_here
            moments.sort(key=lambda moment: moment[0])
            sequences: dict[int, int] = {}
            for start in range(0, count, BATCH):
                with transaction.atomic():
                    for occurred_at, large in moments[start : start + BATCH]:
                        year = timezone.localtime(occurred_at).year
                        sequences[year] = sequences.get(year, 0) + 1
                        self._incident(p, occurred_at, year, sequences[year], large=large)
                    for table in self.tables.values():
                        table.flush()
                progress(len(moments[start : start + BATCH]))

    def _table(self, model, columns: str) -> _Table:
        return _Table(model, columns.split(), _next_id(model))

    def _incident(self, p: _Partnership, occurred_at, year: int, sequence: int, *, large: bool) -> None:
        r, t = self.random, self.tables
        age = self.now - occurred_at
        if large:
            status = IncidentStatus.RESPONDING
        elif age > timedelta(days=90):
            status = IncidentStatus.CLOSED if r.random() < 0.92 else IncidentStatus.RECOVERY
        elif age > timedelta(days=21):
            status = r.choice([IncidentStatus.RECOVERY, IncidentStatus.CLOSED, IncidentStatus.RESPONDING])
        else:
            status = r.choice(
                [IncidentStatus.REPORTED, IncidentStatus.ASSESSING]
                + [IncidentStatus.RESPONDING] * 3
                + [IncidentStatus.RECOVERY]
            )
        types = sorted(
            {r.choices(list(TYPE_WEIGHTS), weights=list(TYPE_WEIGHTS.values()))[0] for _ in range(2)}
        )
        place = r.choice(PLACES)
        ward = r.choice(WARDS)
        responder = r.choice(p.responders)
        notified_at = self._by_now(occurred_at + timedelta(minutes=r.randint(5, 240)))
        planned = status not in {IncidentStatus.REPORTED, IncidentStatus.ASSESSING}
        title = f"{types[0].capitalize()} incident near {place}"
        incident = t["incident"].add(
            p.partnership.pk,
            f"{p.partnership.reference_prefix}-{year}-{sequence:04d}",
            year,
            sequence,
            f"{LARGE_TITLE}: {title}" if large else title,
            types,
            occurred_at,
            notified_at,
            r.choice(NotificationSource.values),
            "Duty inspector",
            f"Reported {types[0]} incident near {place}, {ward} ward. Victim taken to hospital.",
            status,
            False,
            None,
            p.version_id if planned else None,
            responder,
            notified_at,
            min(self.now, occurred_at + timedelta(days=r.randint(30, 120)))
            if status == IncidentStatus.CLOSED
            else None,
            1,
        )
        t["scene"].add(incident, f"Near {place}", ward, None, None)
        if r.random() < 0.3:
            t["scene"].add(incident, f"Second location off {r.choice(PLACES)}", r.choice(WARDS), None, None)
        timeline = [(notified_at, responder, TimelineKind.CHANGE, f"Incident recorded: {title}.", None)]
        if status == IncidentStatus.REPORTED:
            self._timeline(incident, timeline)
            return
        present = {code for code in self.factor_codes if r.random() < 0.3}
        suggestion = suggest(present)
        decided_at = self._by_now(notified_at + timedelta(minutes=r.randint(10, 120)))
        factors = {code: code in present for code in self.factor_codes}
        t["categorisation"].add(
            incident,
            factors,
            "",
            suggestion.serious_violence,
            suggestion.meeting,
            suggestion.cross_borough,
            suggestion.serious_violence,
            suggestion.meeting,
            suggestion.cross_borough,
            "Agreed with police on the call.",
            responder,
            decided_at,
        )
        timeline.append((decided_at, responder, TimelineKind.CHANGE, "Incident categorised.", None))
        lead_organisation = p.organisations[OrganisationKind.COUNCIL]
        t["lead"].add(incident, lead_organisation, responder, decided_at, p.coordinator, "")
        taking_part = [p.organisations[OrganisationKind.POLICE]] + r.sample(
            [p.organisations[kind] for kind in ORGANISATION_KINDS[2:]], r.randint(2, 4)
        )
        for organisation in taking_part:
            acknowledged = self._by_now(decided_at + timedelta(minutes=r.randint(5, 300)))
            t["participation"].add(
                incident,
                organisation,
                None,
                responder,
                decided_at,
                decided_at,
                acknowledged,
                "email link",
                "",
            )
        if not planned:
            self._timeline(incident, timeline)
            return
        # The decision recorded above, unsaved: its categories are the model's rule, not a copy of it.
        categories = Categorisation(
            serious_violence=suggestion.serious_violence,
            meeting_needed=suggestion.meeting,
            cross_borough=suggestion.cross_borough,
            factors=factors,
        ).categories
        owners = {
            kind: p.organisations[kind] for kind in ORGANISATION_KINDS if p.organisations[kind] in taking_part
        }
        owners[OrganisationKind.COUNCIL] = lead_organisation
        drawn_at = self._by_now(decided_at + timedelta(minutes=15))
        items = self._plan_items(p, types, categories)
        actions = [
            (
                item,
                item.area.title,
                item.area.position,
                item.action,
                item.guidance,
                item.essential,
                owners.get(item.owner_kind),
                drawn_at + timedelta(hours=p.timings[item.timing]["hours"]),
            )
            for item in items
        ]
        if large:
            actions += [
                (
                    None,
                    "Added by the response team",
                    999,
                    f"Follow-up visit {n}",
                    "",
                    False,
                    r.choice(taking_part),
                    drawn_at + timedelta(days=r.randint(1, 20)),
                )
                for n in range(1, 101 - len(actions))
            ]
        timeline.append(
            (drawn_at, responder, TimelineKind.CHANGE, f"{len(actions)} actions added to the plan.", None)
        )
        for item, area, position, text, guidance, essential, owner_organisation, due_at in actions:
            owner = p.partners.get(owner_organisation) if r.random() < 0.3 else None
            action_status, completed_at = self._action_status(status, due_at)
            action = t["action"].add(
                incident,
                item.pk if item else None,
                area,
                position,
                text,
                guidance,
                essential,
                owner_organisation,
                owner,
                due_at,
                action_status,
                "Not needed for this incident." if action_status == ActionStatus.NOT_NEEDED else "",
                completed_at,
                None,
                responder,
                drawn_at,
                1,
            )
            if completed_at and (large or r.random() < 0.1):
                timeline.append(
                    (completed_at, owner or responder, TimelineKind.CHANGE, f"Done: {text}.", action)
                )
        decision_at = self._by_now(drawn_at + timedelta(hours=1))
        t["decision"].add(
            incident,
            "Hold a critical-incident meeting."
            if suggestion.meeting
            else "Respond as a serious violence incident.",
            "The categorisation and the community's reaction.",
            responder,
            decision_at,
            None,
        )
        timeline.append((decision_at, responder, TimelineKind.DECISION, "Decision logged.", None))
        updates = 500 - len(timeline) if large else r.randint(2, 8)
        for _ in range(max(updates, 0)):
            at = self._by_now(decided_at + timedelta(minutes=r.randint(30, 60 * 24 * 20)))
            timeline.append((at, r.choice(p.responders), TimelineKind.UPDATE, r.choice(UPDATES), None))
        self._timeline(incident, timeline)
        if suggestion.meeting:
            self._meetings(p, incident, decided_at, taking_part)
        if suggestion.serious_violence:
            # A reading a day from the decision, for the days that have come: none is taken in the future.
            for n in range(r.randint(1, 4)):
                observed_at = decided_at + timedelta(days=n)
                if observed_at > self.now:
                    break
                t["tension"].add(
                    incident,
                    f"{ward} ward",
                    AreaKind.WARD,
                    r.randint(1, 5),
                    r.sample(["retaliation", "rumours", "social_media", "gatherings"], 2),
                    "Neighbourhood policing team",
                    r.choice(Confidence.values),
                    "",
                    observed_at,
                    responder,
                )

    def _by_now(self, moment):
        """A moment after an incident happened, never later than now: a recent incident's record (its
        notification, categorisation, plan, decision) stops at now instead of running into the future."""
        return min(self.now, moment)

    def _action_status(self, status, due_at):
        r = self.random
        if status == IncidentStatus.CLOSED or (due_at < self.now and r.random() < 0.8):
            if r.random() < 0.12:
                return ActionStatus.NOT_NEEDED, None
            return ActionStatus.DONE, min(due_at, self.now)
        return (ActionStatus.IN_PROGRESS if r.random() < 0.3 else ActionStatus.TO_DO), None

    def _timeline(self, incident: int, entries: list) -> None:
        for at, by, kind, text, action in entries:
            self.tables["timeline"].add(incident, at, by, kind, text, action)

    def _meetings(self, p: _Partnership, incident: int, decided_at, taking_part: list[int]) -> None:
        r, series = self.random, uuid.uuid4()
        for n in range(r.randint(1, 3)):
            starts_at = decided_at + timedelta(days=n * 2, hours=3)
            meeting = self.tables["meeting"].add(
                incident,
                MeetingKind.CRITICAL_INCIDENT if n == 0 else MeetingKind.REVIEW,
                starts_at,
                60,
                "Council offices, committee room 2",
                "",
                p.coordinator,
                "1. What we know\n2. Community tension\n3. The plan\n4. Communications",
                "Agreed the plan and the next meeting." if starts_at < self.now else "",
                "",
                0,
                MeetingStatus.HELD if starts_at < self.now else MeetingStatus.PLANNED,
                series,
                p.coordinator,
                decided_at,
                uuid.uuid4(),  # unique across runs, whatever the seed
            )
            for organisation in taking_part:
                self.tables["invited"].add(meeting, organisation)
