from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from svtoolkit.core import limits
from svtoolkit.core.models import CreatedBy, UpdatedBy, user_field
from svtoolkit.core.personal_data import ERASED_WITH_PEOPLE, NEED_TO_KNOW_ONLY, PersonalData, declarations
from svtoolkit.partnerships.models import LawfulBasisFields


class IncidentStatus(models.TextChoices):
    # Raised as an incident alert (svtoolkit.alerts): the duty officer is being alerted, nobody leads yet.
    ALERTED = "alerted", "Alerted"
    REPORTED = "reported", "Reported"
    ASSESSING = "assessing", "Assessing"
    RESPONDING = "responding", "Responding"
    RECOVERY = "recovery", "Recovery"
    CLOSED = "closed", "Closed"


class NotificationSource(models.TextChoices):
    POLICE = "police", "Police"
    BRITISH_TRANSPORT_POLICE = "btp", "British Transport Police"
    FIRE = "fire", "Fire and rescue"
    AMBULANCE = "ambulance", "Ambulance service"
    CHILDRENS_SOCIAL_CARE = "childrens_social_care", "Children's social care"
    ADULTS_SOCIAL_CARE = "adults_social_care", "Adults' social care"
    HEALTH = "health", "Health or GP"
    SCHOOL = "school", "School"
    VOLUNTARY = "voluntary", "Voluntary or community group"
    CCTV = "cctv", "CCTV"
    OTHER = "other", "Other"


class Incident(CreatedBy):
    """An incident of serious violence (or an exercise), recorded by the partnership that leads on it."""

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.PROTECT, related_name="incidents"
    )
    reference = models.CharField(max_length=32, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    incident_types = models.JSONField(default=list)
    occurred_at = models.DateTimeField()
    notified_at = models.DateTimeField()
    notification_source = models.CharField(max_length=32, choices=NotificationSource.choices)
    # Typed, or written by an alert: its sender's name (150 characters, or their email address) and
    # organisation's (200), which must always fit, or the alert is not raised.
    notified_by = models.CharField(max_length=limits.SHORT_TEXT, blank=True)
    summary = models.TextField(max_length=limits.SUMMARY)
    status = models.CharField(max_length=12, choices=IncidentStatus.choices, default=IncidentStatus.REPORTED)
    is_exercise = models.BooleanField(default=False)
    exercise = models.ForeignKey(
        "playbooks.Exercise", on_delete=models.SET_NULL, null=True, blank=True, related_name="incidents"
    )
    # The checklist version the plan was drawn from; it never changes once set.
    playbook_version = models.ForeignKey(
        "playbooks.PlaybookVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="incidents"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # When the people-affected details were erased under the partnership's retention period.
    personal_data_erased_at = models.DateTimeField(null=True, blank=True)
    # Goes up when the record itself is corrected, so two corrections at once cannot overwrite each other.
    revision = models.PositiveIntegerField(default=1)
    # What the app has recorded that completes checklist items ({event: link to the record}), so a plan
    # drawn later ticks off what was already done.
    recorded_events = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "year", "sequence"], name="incident_number_unique")
        ]
        indexes = [
            models.Index(fields=["partnership", "status", "-occurred_at"], name="incident_list"),
            # The incident list, a page at a time, newest first (keyset pagination).
            models.Index(fields=["partnership", "-occurred_at", "-id"], name="incident_newest"),
            # The regional board: the open incidents, newest notified first, read in order until it is full
            # (few of a region's incidents are open; the closed ones are never in this index).
            models.Index(
                fields=["-notified_at", "-id"],
                name="incident_open_newest",
                condition=~models.Q(status="closed"),
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    def get_status_display(self) -> str:
        return status_display(self.status)

    @property
    def exercise_prefix(self) -> str:
        """What a message's subject starts with, so nobody woken by a rehearsal takes it for an incident."""
        return "EXERCISE " if self.is_exercise else ""

    def headed(self, about: str) -> str:
        """``about`` after the incident's reference, EXERCISE first for a rehearsal's: how the subject of a
        message (and its text message) or a calendar entry about the incident begins."""
        return f"{self.exercise_prefix}{self.reference}: {about}"

    @property
    def exercise_note(self) -> str:
        """What an email's text says after the incident's reference, likewise."""
        return " (EXERCISE: not a real incident)" if self.is_exercise else ""


_STATUS_LABELS = dict(IncidentStatus.choices)


def status_display(status: str) -> str:
    """An incident's status as people read it, as Django's own ``get_status_display`` gives it (the value
    itself when it is not one of the choices), from labels looked up once: Django's builds the choices'
    dictionary again at each call, a fifth of the incident list's rows."""
    return str(_STATUS_LABELS.get(status, status))


class PlaceKind(models.TextChoices):
    """The kind of place a scene is, where the plan depends on it (a school's or a hospital's own actions)."""

    SCHOOL = "school", "A school or college, or next to one"
    HOSPITAL = "hospital", "A hospital, or the victim was followed there"
    TRANSPORT = "transport", "A station, bus stop or other transport hub"
    WORSHIP = "worship", "A place of worship"
    ESTATE = "estate", "A housing estate"
    OTHER = "other", "Somewhere else"


class Scene(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="scenes")
    description = models.CharField(max_length=300)
    place = models.CharField(max_length=12, choices=PlaceKind.choices, blank=True)
    area = models.CharField(max_length=120, blank=True, help_text="Ward, estate or neighbourhood.")
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)

    class Meta:
        ordering = ["incident", "id"]

    def __str__(self):
        return self.description


class MeasureKind(models.TextChoices):
    CORDON = "cordon", "Cordon"
    RENDEZVOUS_POINT = "rendezvous_point", "Rendezvous point"
    DISPERSAL_ORDER = "dispersal_order", "Dispersal order (section 35)"
    STOP_AND_SEARCH = "stop_and_search", "Stop and search authorisation (section 60)"
    ROAD_CLOSURE = "road_closure", "Road closure"


class MeasureState(models.TextChoices):
    STARTS_LATER = "starts_later", "Starts later"
    IN_FORCE = "in_force", "In force"
    LIFTED = "lifted", "Lifted"
    EXPIRED = "expired", "Expired"


class SceneMeasure(models.Model):
    """A police measure at a scene that partners must work around: a cordon, a rendezvous point, a dispersal
    (s.35) or stop and search (s.60) authorisation, a road closure. Never edited: it is lifted, or it ends."""

    scene = models.ForeignKey(Scene, on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField(max_length=20, choices=MeasureKind.choices)
    description = models.CharField(max_length=500, help_text="What it is and exactly where.")
    area = models.CharField(max_length=120, blank=True, help_text="Ward, estate or neighbourhood.")
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    starts_at = models.DateTimeField()
    # Empty: in place until lifted (a cordon, say). The legal authorisations always end.
    ends_at = models.DateTimeField(null=True, blank=True)
    authorised_by = models.CharField(max_length=200, blank=True, help_text="For example: Supt A. Khan.")
    added_by = user_field()
    added_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = user_field(blank=True)

    class Meta:
        ordering = ["scene", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=models.F("starts_at")),
                name="measure_ends_after_it_starts",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.description[:60]}"

    def state_at(self, moment) -> MeasureState:
        if self.lifted_at is not None:
            return MeasureState.LIFTED
        if self.ends_at is not None and self.ends_at <= moment:
            return MeasureState.EXPIRED
        if self.starts_at > moment:
            return MeasureState.STARTS_LATER
        return MeasureState.IN_FORCE


class Categorisation(models.Model):
    """One assessment of the incident's likely impact and the decision taken on it. The latest is current."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="categorisations")
    factors = models.JSONField(default=dict, help_text="Impact factor code: present or not.")
    other_factors = models.TextField(max_length=limits.SUMMARY, blank=True)
    suggested_serious_violence = models.BooleanField()
    suggested_meeting = models.BooleanField()
    suggested_cross_borough = models.BooleanField()
    serious_violence = models.BooleanField()
    meeting_needed = models.BooleanField()
    cross_borough = models.BooleanField()
    rationale = models.TextField(max_length=limits.SUMMARY)
    decided_by = user_field()
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["incident", "-decided_at", "-id"]
        get_latest_by = ["decided_at", "id"]

    def __str__(self):
        decided = timezone.localtime(self.decided_at)
        return f"Categorisation of {self.incident.reference} at {decided:%d %b %Y %H:%M}"

    @property
    def categories(self) -> set[str]:
        """The checklist categories this decision puts the incident in (they choose the plan's items)."""
        chosen = set()
        if self.serious_violence:
            chosen.add("serious_violence")
        if self.meeting_needed:
            chosen.add("critical_meeting")
        if self.cross_borough:
            chosen.add("cross_borough")
        if self.factors.get("young_person"):
            chosen.add("young_person")
        return chosen


class PoliceTier(models.TextChoices):
    GOLD_GROUP = "gold_group", "Gold group convened"
    BELOW_GOLD = "below_gold", "Below the gold threshold"


class PoliceDeclaration(models.Model):
    """What the police declared about the incident: a critical incident or not, and their response's tier.

    Never edited: a later declaration (the police step up to a gold group, say) supersedes it; the latest is
    current. The categorisation and the plan's conditions read it.
    """

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="police_declarations")
    critical_incident = models.BooleanField()
    tier = models.CharField(max_length=12, choices=PoliceTier.choices)
    declared_by = models.CharField(max_length=200, help_text="The officer who declared it: Supt A. Khan.")
    declared_at = models.DateTimeField()
    recorded_by = user_field()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["incident", "-declared_at", "-id"]

    def __str__(self):
        critical = "Critical incident" if self.critical_incident else "Not a critical incident"
        return f"{critical}, {self.get_tier_display().lower()}"


class LeadAssignment(models.Model):
    """Who led the response from when: the newest assignment is the current lead."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="leads")
    organisation = models.ForeignKey("partnerships.Organisation", on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(auto_now_add=True)
    assigned_by = user_field()
    handover_note = models.TextField(max_length=limits.SHORT_TEXT, blank=True)

    class Meta:
        ordering = ["incident", "-starts_at", "-id"]

    def __str__(self):
        return f"{self.officer} ({self.organisation})"


class Participation(models.Model):
    """An organisation taking part in the response. It decides which incidents a partner can see."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="participations")
    organisation = models.ForeignKey("partnerships.Organisation", on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(
        "partnerships.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_by = user_field()
    added_at = models.DateTimeField(auto_now_add=True)
    informed_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.CharField(max_length=254, blank=True)
    acknowledgement_token_hash = models.CharField(max_length=64, blank=True)
    # The latest notice sent to the partner: its deliveries say whether it reached them, and a notice that
    # reached no one is sent again.
    notice = models.ForeignKey(
        "messaging.Notification", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["incident", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "organisation"], name="one_participation_per_organisation"
            )
        ]

    def __str__(self):
        return f"{self.organisation} in {self.incident.reference}"


class ActionStatus(models.TextChoices):
    TO_DO = "to_do", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    HANDED_OVER = "handed_over", "Handed over"
    NOT_NEEDED = "not_needed", "Not needed"


OPEN_ACTION_STATUSES = [ActionStatus.TO_DO, ActionStatus.IN_PROGRESS]


class EscalationStep(models.IntegerChoices):
    """How far an overdue action has been escalated; each step is taken once, in this order."""

    NONE = 0, "Not escalated"
    OWNER = 1, "Owner reminded"
    SPOC = 2, "Escalated to single point of contact"
    LEAD = 3, "Escalated to lead"


class PlanAction(CreatedBy):
    """One action of the response plan: from a checklist item, or added by a responder."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="actions")
    item = models.ForeignKey(
        "playbooks.Item", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    area_title = models.CharField(max_length=120)
    area_position = models.PositiveSmallIntegerField(default=999)
    title = models.CharField(max_length=200)
    guidance = models.TextField(max_length=limits.SUMMARY, blank=True)
    essential = models.BooleanField(default=False)
    owner_organisation = models.ForeignKey(
        "partnerships.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    owner = user_field(blank=True)
    # Why the owner is who it is when it is not the item's own organisation, in words shown on the plan
    # ("Assigned to the incident lead because the police are not taking part").
    owner_reason = models.CharField(max_length=300, blank=True)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=ActionStatus.choices, default=ActionStatus.TO_DO)
    # The record whose saving completed the action by itself (a categorisation, a meeting...), as a link.
    completed_record = models.CharField(max_length=300, blank=True)
    not_needed_reason = models.TextField(max_length=limits.SHORT_TEXT, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    # The furthest escalation step taken since the action went overdue, and when. A run claims a step by
    # moving this forward with a conditional update before anyone is told, so it is taken once.
    # A database default too, so rows loaded in bulk without it (the benchmark's generator) start at none.
    escalation_step = models.PositiveSmallIntegerField(
        choices=EscalationStep.choices, default=EscalationStep.NONE, db_default=EscalationStep.NONE
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["incident", "area_position", "due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "item"],
                condition=models.Q(item__isnull=False),
                name="one_action_per_item",
            )
        ]
        indexes = [
            models.Index(fields=["incident", "status", "due_at"], name="action_due"),
            # The figures take away the few actions not yet due: found by their due time, not by a scan.
            models.Index(fields=["due_at"], name="action_due_at"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTION_STATUSES

    @property
    def escalation_badge(self) -> str:
        """The short label of the step reached, for the plan and the action page ("" before any)."""
        return self.get_escalation_step_display() if self.escalation_step else ""


class EscalationTimetable(UpdatedBy):
    """When a partnership's overdue actions step up, in hours after the action fell due.

    A partnership without one uses the defaults: the owner at once, the single point of contact after 4
    hours, the incident lead after 24.
    """

    partnership = models.OneToOneField(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="escalation_timetable"
    )
    owner_after_hours = models.PositiveSmallIntegerField(default=0)
    spoc_after_hours = models.PositiveSmallIntegerField(default=4)
    lead_after_hours = models.PositiveSmallIntegerField(default=24)
    # Goes up with every save, so two coordinators changing the timetable at once cannot overwrite each other.
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(owner_after_hours__lte=models.F("spoc_after_hours"))
                & models.Q(spoc_after_hours__lte=models.F("lead_after_hours")),
                name="escalation_steps_in_order",
            )
        ]

    def __str__(self):
        return f"Escalation of overdue actions in {self.partnership}"

    def hours_for(self, step: int) -> int:
        return {
            EscalationStep.OWNER: self.owner_after_hours,
            EscalationStep.SPOC: self.spoc_after_hours,
            EscalationStep.LEAD: self.lead_after_hours,
        }[step]


class TimelineKind(models.TextChoices):
    CHANGE = "change", "Change"
    UPDATE = "update", "Update"
    DECISION = "decision", "Decision"


class TimelineEntry(models.Model):
    """What happened on the incident, in order. Changes are written automatically; people add updates."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    by = user_field()
    kind = models.CharField(max_length=10, choices=TimelineKind.choices)
    text = models.TextField(max_length=limits.SUMMARY)
    action = models.ForeignKey(
        PlanAction, on_delete=models.CASCADE, null=True, blank=True, related_name="timeline_entries"
    )

    class Meta:
        ordering = ["incident", "-at", "-id"]
        verbose_name_plural = "timeline entries"
        indexes = [models.Index(fields=["incident", "-at", "-id"], name="timeline_newest")]

    def __str__(self):
        return self.text[:80]


class Decision(models.Model):
    """A decision on the response: what, why, by whom, when. Never edited; a later decision supersedes it."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="decisions")
    what = models.TextField(max_length=limits.SUMMARY)
    why = models.TextField(max_length=limits.SUMMARY)
    # Who made the decision (the gold commander, the partnership's chair...), as the log records it; the
    # person who logged it is ``decided_by``, for decisions logged before this was asked.
    who_decided = models.CharField(max_length=200, blank=True)
    decided_by = user_field()
    decided_at = models.DateTimeField(auto_now_add=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )

    class Meta:
        ordering = ["incident", "-decided_at", "-id"]

    def __str__(self):
        return self.what[:80]

    @property
    def decider(self) -> str:
        """Who decided: as recorded, or else the person who logged the decision."""
        return self.who_decided or (self.decided_by.full_name if self.decided_by else "")

    @property
    def logged_by_someone_else(self) -> bool:
        return bool(self.decided_by and self.who_decided and self.who_decided != self.decided_by.full_name)


class IncidentShare(models.Model):
    """A cross-borough incident shared by its lead partnership with another (where the victim lives, say)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="shares")
    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.CASCADE, related_name="+")
    shared_by = user_field()
    shared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "partnership"], name="share_once")]

    def __str__(self):
        return f"{self.incident.reference} shared with {self.partnership}"


class LinkKind(models.TextChoices):
    RETALIATION = "retaliation", "Possible retaliation"
    SAME_PLACE = "same_place", "Same place"
    PEER_GROUP = "peer_group", "Same peer group"
    SAME_PEOPLE = "same_people", "Same people involved"


class IncidentLink(CreatedBy):
    """Two incidents that may be connected (retaliation, the same place, peer group or people), with why.

    A link may join incidents of different partnerships. Someone who may not see the other incident sees only
    that a link exists and whom to ask."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links_made")
    linked = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links_received")
    kind = models.CharField(max_length=20, choices=LinkKind.choices)
    reason = models.TextField(max_length=limits.SUMMARY)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "linked"], name="link_once"),
            models.CheckConstraint(
                condition=~models.Q(incident=models.F("linked")), name="link_not_to_itself"
            ),
        ]

    def __str__(self):
        return f"{self.incident.reference} linked to {self.linked.reference}"


class PlanReview(models.Model):
    """A recorded review of the response plan: who reviewed it, when, and what changed."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="plan_reviews")
    reviewed_by = user_field()
    reviewed_at = models.DateTimeField(auto_now_add=True)
    changes = models.TextField(max_length=limits.SUMMARY)

    class Meta:
        ordering = ["incident", "-reviewed_at"]

    def __str__(self):
        return f"Plan review of {self.incident.reference}"


class PersonRole(models.TextChoices):
    VICTIM = "victim", "Victim"
    FAMILY = "family", "Family member"
    WITNESS = "witness", "Witness"
    SUSPECT = "suspect", "Suspect"
    ASSOCIATE = "associate", "Associate at risk"
    OTHER = "other", "Other"


class AgeBand(models.TextChoices):
    UNDER_10 = "under_10", "Under 10"
    TEN_TO_15 = "10_15", "10 to 15"
    SIXTEEN_17 = "16_17", "16 or 17"
    EIGHTEEN_24 = "18_24", "18 to 24"
    TWENTY_FIVE_39 = "25_39", "25 to 39"
    FORTY_64 = "40_64", "40 to 64"
    SIXTY_FIVE_PLUS = "65_plus", "65 or over"
    UNKNOWN = "unknown", "Not known"


class Consent(models.TextChoices):
    GIVEN = "given", "Given"
    REFUSED = "refused", "Refused"
    NOT_ASKED = "not_asked", "Not asked yet"


class LawfulBasis(models.TextChoices):
    CONSENT = "consent", "Consent"
    CRIME_AND_DISORDER = "s115", "Crime and Disorder Act 1998, section 115"
    SERIOUS_VIOLENCE_DUTY = "sv_duty", "Serious Violence Duty"
    SAFEGUARDING = "safeguarding", "Safeguarding"
    VITAL_INTERESTS = "vital_interests", "Vital interests"


# What is recorded about a person affected, in the form's order: recording and correcting take these.
PERSON_AFFECTED_FIELDS = (
    "name",
    "age_band",
    "role",
    "deceased",
    "relation",
    "support_needs",
    "consent",
    "consent_scope",
    "referrals",
    "single_point_of_contact",
    "lawful_basis",
    "sharing_agreement",
)


class PersonAffected(CreatedBy):
    """Someone affected by the incident, with the least partners need; read by the need-to-know list only."""

    personal_data = PersonalData(
        about="People affected by an incident: victims, family, witnesses, young people and others.",
        fields=(
            "name",
            "age_band",
            "role",
            "relation",
            "support_needs",
            "consent",
            "consent_scope",
            "referrals",
        ),
        special_category=(
            "The support needs may reveal health (UK GDPR Article 9(2)(g) substantial public interest, Data "
            "Protection Act 2018 Schedule 1 paragraph 18: safeguarding of children and of individuals at "
            "risk)."
        ),
        who_may_see=NEED_TO_KNOW_ONLY,
        lawful_basis=(
            "Recorded on each record (`lawful_basis`): consent, Crime and Disorder Act 1998 section 115, the "
            "Serious Violence Duty, safeguarding or vital interests."
        ),
        retention=ERASED_WITH_PEOPLE,
    )

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="people")
    name = models.CharField(max_length=150, help_text="Name or initials: the least that will do.")
    age_band = models.CharField(max_length=10, choices=AgeBand.choices)
    role = models.CharField(max_length=10, choices=PersonRole.choices)
    deceased = models.BooleanField(default=False, help_text="They died (in the incident or since).")
    relation = models.CharField(max_length=200, blank=True, help_text="Their relation to the incident.")
    support_needs = models.TextField(max_length=limits.SUMMARY, blank=True)
    consent = models.CharField(max_length=10, choices=Consent.choices, default=Consent.NOT_ASKED)
    consent_scope = models.TextField(
        max_length=limits.SHORT_TEXT, blank=True, help_text="What they agreed may be shared, and with whom."
    )
    referrals = models.TextField(
        max_length=limits.SUMMARY,
        blank=True,
        help_text="Referrals made, for example to the MASH, and their outcome.",
    )
    single_point_of_contact = user_field(blank=True)
    lawful_basis = models.CharField(max_length=16, choices=LawfulBasis.choices)
    sharing_agreement = models.CharField(
        max_length=200, help_text="The information-sharing agreement relied on."
    )
    # Goes up with every correction, so two people correcting the record at once cannot overwrite each other.
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["incident", "role", "id"]
        verbose_name_plural = "people affected"

    def __str__(self):
        return f"{self.get_role_display()} on {self.incident.reference}"


class PersonAffectedCorrection(models.Model):
    """One correction of a person-affected record: what each changed field said before and says after, as a
    person reads it. Kept with the record and shown only to those who may read it (the need-to-know list)."""

    personal_data = PersonalData(
        about="What a person-affected record said before each correction.",
        fields=("changes",),
        special_category="As the person-affected record it corrects.",
        who_may_see=NEED_TO_KNOW_ONLY,
        lawful_basis="As the person-affected record it corrects.",
        retention="Erased with the person-affected record it corrects.",
    )

    person = models.ForeignKey(PersonAffected, on_delete=models.CASCADE, related_name="corrections")
    by = user_field()
    at = models.DateTimeField(auto_now_add=True)
    # [{"field": label, "before": text, "after": text}, ...] in the form's order.
    changes = models.JSONField(default=list)

    class Meta:
        ordering = ["person", "-at", "-id"]

    def __str__(self):
        return f"Correction of {self.person} at {self.at:%Y-%m-%d %H:%M}"

    @staticmethod
    def label_of(field_name: str) -> str:
        """How ``changes`` names a field of the record: as a person reads it."""
        return str(PersonAffected._meta.get_field(field_name).verbose_name).capitalize()


def health_information_condition() -> Q:
    """A condition on PersonAffected: the records that hold health information, special category data
    (docs/data-map.md): support needs, now or before a correction, or any record about them declared as
    special category data (a hospital stay, a safeguarding referral, support offered, and whatever is
    declared so later). What goes with them then needs a UK GDPR Article 9 condition."""
    condition = Q(support_needs__regex=r"\S") | Q(
        # ``changes`` as JSON text, in either database: [{"field": "Support needs", ...}, ...].
        pk__in=PersonAffectedCorrection.objects.filter(
            changes__icontains=f'"field": "{PersonAffectedCorrection.label_of("support_needs")}"'
        ).values("person")
    )
    for model, declared in declarations():
        if not declared.special_category or model in (PersonAffected, PersonAffectedCorrection):
            continue
        for field in model._meta.get_fields():
            if field.many_to_one and field.related_model is PersonAffected:
                condition |= Q(pk__in=model.objects.values(field.name))
    return condition


class NeedToKnowEntry(models.Model):
    """Someone on a need-to-know list, and who put them there when."""

    # Protected: deleting the account must not silently empty a list (accounts are switched off instead).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_by = user_field()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class NeedToKnow(NeedToKnowEntry):
    """A person on the incident's need-to-know list: the list each new person-affected record starts with
    (copied to its ``PersonNeedToKnow``), and who may read what names no one person (messages naming someone
    affected). Adding someone here grants no record already made: each record's own list says who reads it."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="need_to_know")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "user"], name="need_to_know_once")]

    def __str__(self):
        return f"{self.user} may read people on {self.incident.reference}"


class PersonNeedToKnow(NeedToKnowEntry):
    """A person allowed to read one person-affected record. A new record's list starts as a copy of its
    incident's list (``NeedToKnow``) and is then changed on its own, so a family liaison lead may read the
    family and no one else. Changed only through ``people.services.change_person_need_to_know``."""

    personal_data = PersonalData(
        about="Who may read each person-affected record: the record's own need-to-know list.",
        fields=("user", "added_by", "added_at"),
        who_may_see=(
            "Those who may read the record, and the coordinators and responders on it who change it; the "
            "subject-access export lists it."
        ),
        lawful_basis="As the person-affected record it belongs to (it is the record's access control).",
        retention="Kept with the person-affected record; deleted with it.",
    )

    person = models.ForeignKey(PersonAffected, on_delete=models.CASCADE, related_name="need_to_know")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "user"], name="person_need_to_know_once")]

    def __str__(self):
        return f"{self.user} may read {self.person}"


class Disclosure(LawfulBasisFields):
    """One time personal data of people affected left the need-to-know circle: what, to whom, why, and the
    lawful basis relied on. Written only by ``disclosures.record_disclosure``; never changed but by the
    retention job, which erases why and a recipient typed in (``disclosures.erase_typed_details``)."""

    personal_data = PersonalData(
        about="Which people affected had their details disclosed, to whom and why.",
        fields=("what", "recipient", "purpose"),
        who_may_see=NEED_TO_KNOW_ONLY,
        lawful_basis="Recorded on each entry: the Article 6 basis, Article 9 condition and gateway.",
        retention=(
            "Kept with the incident as the record of each disclosure; it holds no details disclosed. Why, "
            "and a recipient typed in, are erased with the people's details."
        ),
    )

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="disclosures")
    people = models.ManyToManyField(PersonAffected, related_name="disclosures")
    what = models.CharField(max_length=200, help_text="What left: a situation report with people, say.")
    recipient = models.CharField("To whom", max_length=200)
    purpose = models.TextField("Why", max_length=limits.SHORT_TEXT)
    agreement = models.ForeignKey(
        "partnerships.SharingAgreement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="disclosures",
        verbose_name="Information-sharing agreement relied on",
    )
    # The share it made, when it is one: the other partnership reads the records it names and no others.
    share = models.ForeignKey(
        IncidentShare, on_delete=models.SET_NULL, null=True, blank=True, related_name="disclosures"
    )
    by = user_field()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        # Also the audit log's label, read by coordinators off the need-to-know list: it names no recipient.
        return f"Disclosure from {self.incident.reference}"


# --- The partners' strands: hospital, schools, safeguarding (incidents/strands/) ----------------------------


class PatientStatus(models.TextChoices):
    IN_HOSPITAL = "in_hospital", "In hospital"
    DISCHARGED = "discharged", "Discharged"
    DIED = "died", "Died"


class HospitalStay(models.Model):
    """A person affected in hospital after the incident: their status, the ward's restrictions and visitors,
    the discharge planned with partners and the hospital's violence-reduction team. Health data about one
    person: read only by the need-to-know list, every opening audited."""

    personal_data = PersonalData(
        about="People affected who are, or were, in hospital after the incident.",
        fields=(
            "patient",
            "status",
            "ward_restrictions",
            "visitor_arrangements",
            "expected_discharge_on",
            "discharge_plan",
        ),
        special_category=(
            "Health (UK GDPR Article 9(2)(g) substantial public interest, Data Protection Act 2018 "
            "Schedule 1 paragraph 18: safeguarding of children and of individuals at risk)."
        ),
        who_may_see=NEED_TO_KNOW_ONLY,
        lawful_basis="As the person-affected record of the patient.",
        retention=ERASED_WITH_PEOPLE + " The ward, visitor and discharge notes are erased with it.",
    )

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="hospital_stays")
    patient = models.ForeignKey(PersonAffected, on_delete=models.CASCADE, related_name="hospital_stays")
    hospital = models.ForeignKey(
        "partnerships.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=12, choices=PatientStatus.choices, default=PatientStatus.IN_HOSPITAL)
    ward_restrictions = models.TextField(
        max_length=limits.SHORT_TEXT, blank=True, help_text="Who may not come onto the ward, and why."
    )
    visitor_arrangements = models.TextField(
        max_length=limits.SHORT_TEXT, blank=True, help_text="Who may visit, and how identities are checked."
    )
    expected_discharge_on = models.DateField(null=True, blank=True)
    discharge_plan = models.TextField(max_length=limits.SUMMARY, blank=True)
    discharge_plan_agreed_at = models.DateTimeField(null=True, blank=True)
    violence_reduction_team_informed_at = models.DateTimeField(null=True, blank=True)
    recorded_by = user_field()
    recorded_at = models.DateTimeField(auto_now_add=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["incident", "id"]

    def __str__(self):
        return f"Hospital stay on {self.incident.reference}"


class SchoolInvolved(models.Model):
    """A school or college attended by those involved, from the partnership's directory: when its designated
    safeguarding lead was told, the support offered to pupils and staff, and its own critical-incident plan.
    It names no pupil, so everyone who sees the incident sees it."""

    personal_data = PersonalData(
        about="Pupils and staff of a school attended by those involved (only as the notes of support "
        "offered).",
        fields=("support_offered",),
        who_may_see="Everyone who may see the incident. The page asks that no pupil be named in it.",
        lawful_basis="UK GDPR Article 6(1)(e) public task (the partnership's duties, as for the incident).",
        retention=ERASED_WITH_PEOPLE + " The notes of support offered are erased then.",
    )

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="schools")
    school = models.ForeignKey("partnerships.Organisation", on_delete=models.PROTECT, related_name="+")
    safeguarding_lead_informed_at = models.DateTimeField(null=True, blank=True)
    support_offered = models.TextField(max_length=limits.SUMMARY, blank=True)
    critical_incident_plan_started_at = models.DateTimeField(null=True, blank=True)
    recorded_by = user_field()
    recorded_at = models.DateTimeField(auto_now_add=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["incident", "id"]
        verbose_name_plural = "schools involved"
        constraints = [models.UniqueConstraint(fields=["incident", "school"], name="school_involved_once")]

    def __str__(self):
        return f"{self.school} in {self.incident.reference}"


class ReferralRoute(models.TextChoices):
    MASH = "mash", "Multi-agency safeguarding hub (MASH)"
    DAILY_RISK_MEETING = "daily_risk", "Daily risk meeting"


class SafeguardingReferral(models.Model):
    """A person affected referred to the MASH or the daily risk meeting, and the outcome. The referral takes
    their details out of the need-to-know circle, so making one writes the disclosure log."""

    personal_data = PersonalData(
        about="People affected referred for safeguarding, and what the referral decided.",
        fields=("person", "route", "outcome"),
        special_category="The outcome may reveal health or family circumstances (as the person's record).",
        who_may_see=NEED_TO_KNOW_ONLY,
        lawful_basis="Recorded with the referral's disclosure: the Article 6 basis, Article 9 condition and "
        "gateway.",
        retention=ERASED_WITH_PEOPLE + " The outcome notes are erased with it.",
    )

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="referrals")
    person = models.ForeignKey(
        PersonAffected, on_delete=models.CASCADE, related_name="safeguarding_referrals"
    )
    route = models.CharField(max_length=12, choices=ReferralRoute.choices)
    referred_at = models.DateTimeField()
    disclosure = models.OneToOneField(
        Disclosure, on_delete=models.SET_NULL, null=True, blank=True, related_name="referral"
    )
    outcome = models.TextField(max_length=limits.SUMMARY, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    referred_by = user_field()
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["incident", "referred_at", "id"]

    def __str__(self):
        return f"{self.get_route_display()} referral on {self.incident.reference}"


# The running totals behind the figures live in their own module; imported here so Django finds them.
from svtoolkit.incidents.tally_models import (  # noqa: E402, F401
    DashboardTally,
    IncidentTally,
    MonthlyTally,
)
