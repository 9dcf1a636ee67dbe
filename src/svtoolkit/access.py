"""Who may see or do what: every rule of svtoolkit in one place, denying by default.

Rules are named predicates taking the user and the partnership (or, later, the object) they act on.
Views declare their rule with ``@requires(rule)``, ``@signed_in`` or ``@public``; the
``AccessPolicyMiddleware`` refuses any view that declares none, so a forgotten check fails closed.
The API, exports and PDFs call the same predicates.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, wraps
from operator import attrgetter

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.deprecation import MiddlewareMixin

from svtoolkit.accounts.models import Membership, Role
from svtoolkit.accounts.principal import principal_of
from svtoolkit.core.middleware import is_background_request
from svtoolkit.core.statements import OneRow

Rule = Callable[..., bool]

# URL namespaces whose views enforce their own rules (Django admin: active superusers with two-factor).
SELF_GUARDED_NAMESPACES = {"admin"}


def memberships_of(user) -> dict[int, Membership]:
    """The user's memberships keyed by partnership id (accounts.principal: from the cache while unchanged)."""
    if not user.is_authenticated:
        return {}
    opened = getattr(user, "_svt_memberships", None)  # a single sign-on session opens only some of them
    return opened if opened is not None else principal_of(user).memberships


# Each role by its stored value: looked up for every rule checked (tens on a page), cheaper than Role(value).
_ROLES = {role.value: role for role in Role}


def role_in(user, partnership) -> Role | None:
    if partnership is None:
        return None
    membership = memberships_of(user).get(partnership.pk)
    return _ROLES[membership.role] if membership else None


def _partner_membership(user, partnership) -> Membership | None:
    """The person's membership of the partnership when they are a partner there (for their organisation)."""
    membership = memberships_of(user).get(getattr(partnership, "pk", None))
    return membership if membership is not None and membership.role == Role.PARTNER else None


def viewer_state(user, partnership) -> tuple:
    """Everything about a viewer that the rules (and the pages drawn for them) read before a page does: the
    person's and the partnership's own rows as loaded for this request, and their memberships. A page part
    cached for one state is never shown to another (incidents.page_cache)."""

    return (
        _row(user),
        _row(partnership) if partnership is not None else None,
        sorted((pid, m.role, m.organisation_id) for pid, m in memberships_of(user).items()),
        sorted((rid, m.role) for rid, m in regional_memberships_of(user).items()),
    )


def _row(record) -> tuple:
    """The record's id and every column, as loaded."""
    return _columns_of(record._meta)(record)


@cache
def _columns_of(options) -> attrgetter:
    return attrgetter("pk", *(field.attname for field in options.concrete_fields))


# --- Rules -------------------------------------------------------------------------------------------


def is_member(user, partnership) -> bool:
    """Any role in the partnership: sees its shared pages (directory, home)."""
    return role_in(user, partnership) is not None


def can_manage_members(user, partnership) -> bool:
    """Inviting people, changing roles and removing members is the coordinator's job."""
    return role_in(user, partnership) == Role.COORDINATOR


def invitation_still_stands(invitation) -> bool:
    """An invitation lets someone in only while whoever sent it may still invite to its partnership: a
    coordinator taken out, made another role or switched off cannot let people in through one sent before."""
    inviter = invitation.invited_by
    return inviter is not None and inviter.is_active and can_manage_members(inviter, invitation.partnership)


def can_edit_directory(user, partnership) -> bool:
    """Organisations, contacts and support services are kept by coordinators; every member reads them."""
    return role_in(user, partnership) == Role.COORDINATOR


def can_review_entry(user, partnership, entry) -> bool:
    """A directory entry's next review date is set by its owner, whom the reminders ask to set it, while a
    member of the entry's partnership, and by the coordinators who keep the directory."""
    entry_partnership_id = getattr(entry, "partnership_id", None) or entry.organisation.partnership_id
    if partnership is None or entry_partnership_id != partnership.pk or not is_member(user, partnership):
        return False
    return can_edit_directory(user, partnership) or entry.owner_id == user.pk


def can_edit_playbook(user, partnership) -> bool:
    """Adapting and publishing the partnership's checklist is a coordinator's job."""
    return role_in(user, partnership) == Role.COORDINATOR


def can_see_draft_checklist(user, partnership) -> bool:
    """The checklist's draft is work in progress, seen only by those who adapt it: on its own page, and as a
    version (by its number, on the list of versions, compared with another) alike."""
    return can_edit_playbook(user, partnership)


def checklist_versions_seen_by(user, partnership, versions: QuerySet) -> QuerySet:
    """``versions`` of the partnership's checklist, without its draft for someone who may not see it."""
    from svtoolkit.playbooks.models import VersionStatus

    if can_see_draft_checklist(user, partnership):
        return versions
    return versions.exclude(status=VersionStatus.DRAFT)


def can_assess_readiness(user, partnership) -> bool:
    """Readiness assessments and exercises are run by coordinators and responders."""
    return role_in(user, partnership) in {Role.COORDINATOR, Role.RESPONDER}


# --- Incidents ---------------------------------------------------------------------------------------
# Who sees an incident: coordinators, responders and viewers of its lead partnership or of a partnership
# it is shared with; partners only when their organisation takes part. Views find incidents only through
# visible_incidents, so an incident someone may not see is simply not found (404).


def visible_incidents(user, partnership):
    from svtoolkit.incidents.models import Incident

    return Incident.objects.filter(visible_incident_condition(user, partnership))


def sees_every_incident_and_no_other(user, partnership) -> bool:
    """Whether ``visible_incidents`` is exactly the partnership's own incidents: true of everyone but partners
    (who see those their organisation takes part in) while no incident is shared with the partnership. Totals
    kept per partnership then stand for what this person may see."""
    from svtoolkit.incidents.models import IncidentShare

    role = role_in(user, partnership)
    if role is None or role == Role.PARTNER:
        return False
    return not IncidentShare.objects.filter(partnership=partnership).exists()


def visible_incident_condition(user, partnership, *, through: str = "") -> Q:
    """The rule of ``visible_incidents`` as a condition on Incident, or, with ``through`` ("incident__"), on
    a record of an incident: joined rather than a subquery, so the database can walk the partnership's
    incidents newest first and stop early."""
    from svtoolkit.incidents.models import IncidentShare

    role = role_in(user, partnership)
    organisation = None if role is None else _organisation_taking_part(user, partnership, role)
    if organisation is None:
        return Q(pk__in=[])
    # Read the few shared ids first: an OR with a subquery would stop the database using its indexes.
    shared = list(IncidentShare.objects.filter(partnership=partnership).values_list("incident_id", flat=True))
    return _seen_by(partnership, shared, organisation, through=through)


# What a viewer who is not a partner sees of the incidents of a partnership: all of them, whoever takes part.
_ANY_ORGANISATION = object()


def _organisation_taking_part(user, partnership, role):
    """The organisation whose part in an incident lets a partner see it; for anyone else, any. A partner of
    no organisation (the services refuse one; the admin could make one) has none, and sees no incident: the
    rule's join would otherwise read "no organisation" as every incident no organisation takes part in."""
    if role != Role.PARTNER:
        return _ANY_ORGANISATION
    return memberships_of(user)[partnership.pk].organisation_id


def _seen_by(partnership, shared, organisation, *, through: str) -> Q:
    """The rule of ``visible_incidents`` itself: the partnership's incidents and those ``shared`` with it
    (their ids, or a subquery of them); only those ``organisation`` takes part in, unless it is any."""
    condition = Q(**{f"{through}partnership": partnership}) | Q(**{f"{through}pk__in": shared})
    if organisation is not _ANY_ORGANISATION:
        condition &= Q(**{f"{through}participations__organisation_id": organisation})
    return condition


# The rows an incident is found with when nothing narrower is asked for: what its pages show of it.
INCIDENT_WITH = ("partnership", "playbook_version", "exercise")


def visible_incident(
    user, partnership, incident_id, *, related: tuple[str, ...] = INCIDENT_WITH, only: tuple[str, ...] = ()
):
    """Incident ``incident_id``, with the ``related`` rows joined (and only the ``only`` columns of its own,
    if named), if this person may see it (else 404): ``visible_incidents(user, partnership)
    .select_related(*related).only(*only).get(pk=incident_id)``, at a fraction of its cost
    (``_found_visible``)."""
    from svtoolkit.incidents.models import Incident

    return _or_not_found(
        Incident, _found_visible(user, partnership, Incident, incident_id, related=related, only=only)
    )


@dataclass(frozen=True)
class RecordsOfVisibleIncident:
    """The records of ``model`` (with an ``incident``) of incident ``incident_id``, for ``get_for`` to find
    one by its id if this person may see the incident: what a queryset narrowed by
    ``visible_incident_condition`` is, for the pages asked for most (``_found_visible``)."""

    model: type[Model]
    incident_id: int
    related: tuple[str, ...] = ()

    def find(self, user, partnership, pk):
        return _found_visible(
            user, partnership, self.model, pk, related=self.related, incident_id=self.incident_id
        )


def _found_visible(user, partnership, model, pk, *, related, only=(), incident_id=None):
    """Record ``pk`` of ``model`` (Incident, or a record of incident ``incident_id``), with the ``related``
    rows joined, if this person may see its incident (``visible_incident_condition``), else None.

    Read by a statement compiled once a connection for each kind of viewer (a partner or not), the shared ids
    read in it (a subquery costs nothing beside the id found): building and compiling the ORM's query for each
    request cost several times what the database then did (docs/decisions/0026). The statement holds no one's
    values, only the SQL: every request runs it with its own, as the tables now are."""
    from svtoolkit.incidents.models import Incident

    role = role_in(user, partnership)
    organisation = None if role is None else _organisation_taking_part(user, partnership, role)
    if organisation is None:
        return None
    values = {"pk": pk, "partnership": partnership.pk}
    if model is not Incident:
        values["incident"] = incident_id
    if organisation is not _ANY_ORGANISATION:
        values["organisation"] = organisation
    if all(type(value) is int for value in values.values()):
        return _visible_one(model, tuple(related), tuple(only), partner="organisation" in values).get(
            **values
        )
    # Anything else (an id given as text): the ORM, with the rule as written.
    through = "" if model is Incident else "incident__"
    found = _with_rows(model, related, only).filter(
        visible_incident_condition(user, partnership, through=through), pk=pk
    )
    if through:
        found = found.filter(incident_id=incident_id)
    try:
        return found.get()
    except model.DoesNotExist:
        return None


@cache
def _visible_one(model, related: tuple[str, ...], only: tuple[str, ...], *, partner: bool) -> OneRow:
    """The statement ``_found_visible`` reads ``model`` by, for a partner or anyone else."""
    from svtoolkit.incidents.models import Incident, IncidentShare

    through = "" if model is Incident else "incident__"

    def build(pk, partnership, incident=None, organisation=_ANY_ORGANISATION):
        shared = IncidentShare.objects.filter(partnership=partnership).values("incident_id")
        found = _with_rows(model, related, only).filter(
            _seen_by(partnership, shared, organisation, through=through), pk=pk
        )
        return found.filter(incident_id=incident) if through else found

    names = ["pk", "partnership"] + ["incident"] * bool(through) + ["organisation"] * partner
    return OneRow(model, build, *names)


def _with_rows(model, related: tuple[str, ...], only: tuple[str, ...] = ()) -> QuerySet:
    """``model``'s rows with the ``related`` rows joined (none if none are named: ``select_related()`` with no
    names would join every relation), and only the ``only`` columns of its own if any are named."""
    rows = model._default_manager.all()
    rows = rows.select_related(*related) if related else rows
    return rows.only(*only) if only else rows


def _or_not_found(model, found):
    if found is None:
        raise Http404(f"No {model._meta.object_name} matches the given query.")
    return found


def can_record_incident(user, partnership) -> bool:
    return role_in(user, partnership) in {Role.COORDINATOR, Role.RESPONDER}


def can_manage_incident(user, partnership) -> bool:
    """Categorise, lead, inform partners, plan, decide: coordinators and responders."""
    return role_in(user, partnership) in {Role.COORDINATOR, Role.RESPONDER}


def can_work_incident(user, partnership) -> bool:
    """Add updates and work actions: anyone but a viewer (a partner only sees incidents they take part in)."""
    return role_in(user, partnership) in {Role.COORDINATOR, Role.RESPONDER, Role.PARTNER}


def can_update_action(user, partnership, action) -> bool:
    """Responders update any action; a partner updates the actions their organisation owns."""
    if can_manage_incident(user, partnership):
        return True
    membership = _partner_membership(user, partnership)
    return (
        membership is not None
        and action.owner_organisation_id is not None
        and action.owner_organisation_id == membership.organisation_id
    )


def can_update_action_now(user, partnership, incident, action) -> bool:
    """Whether to offer the action's Update link: the person may update it (``can_update_action``) and its
    incident is not closed, so the link never leads to a refusal."""
    return not is_read_only(incident) and can_update_action(user, partnership, action)


def can_manage_incident_now(user, partnership, incident) -> bool:
    """Whether to offer changes to the incident's response (its record, plan, decisions, links, meetings and
    review): the person may manage incidents (``can_manage_incident``) and this one is not closed."""
    return can_manage_incident(user, partnership) and not is_read_only(incident)


def can_work_incident_now(user, partnership, incident) -> bool:
    """Whether to offer the work on the incident (its actions in bulk, its files): the person works incidents
    (``can_work_incident``) and this one is not closed."""
    return can_work_incident(user, partnership) and not is_read_only(incident)


def _partner_taking_part_as(user, partnership, incident, kinds) -> bool:
    """A partner whose organisation is of one of ``kinds`` and takes part in the incident."""
    membership = _partner_membership(user, partnership)
    return (
        membership is not None
        and membership.organisation is not None
        and membership.organisation.kind in kinds
        # All of them (a handful), so a page that has read them already asks the database nothing more.
        and any(p.organisation_id == membership.organisation_id for p in incident.participations.all())
    )


def can_record_scene_measures(user, partnership, incident) -> bool:
    """Cordons, rendezvous points, s.35 and s.60 authorisations and road closures are the police's to decide:
    they are added and lifted by the response team and by partners of a police organisation taking part in
    the incident. Everyone who sees the incident sees them (coordinates only as sees_exact_scenes allows)."""
    from svtoolkit.partnerships.models import POLICE_KINDS

    return can_manage_incident(user, partnership) or _partner_taking_part_as(
        user, partnership, incident, POLICE_KINDS
    )


def can_record_police_declaration(user, partnership, incident) -> bool:
    """The police's declaration (a critical incident, gold group or below) is recorded by those who record the
    police's measures: the response team, and partners of a police organisation taking part."""
    return can_record_scene_measures(user, partnership, incident)


def can_acknowledge_for_organisation(user, partnership, incident) -> bool:
    """Acknowledging, for their organisation, that it was told of the incident: a partner whose organisation
    takes part in it (the response team tells the partners; it does not acknowledge for them)."""
    organisation_id = partner_organisation_id(user, partnership)
    return organisation_id is not None and any(
        p.organisation_id == organisation_id for p in incident.participations.all()
    )


def _acts_for_incident(user, incident) -> bool:
    """A member of the incident's lead partnership or of one it is shared with: an entry on a need-to-know
    list left over from a membership that ended opens nothing, even if the person is invited back."""
    from svtoolkit.incidents.models import IncidentShare

    member_of = memberships_of(user).keys()
    if incident.partnership_id in member_of:
        return True
    return IncidentShare.objects.filter(incident=incident, partnership_id__in=member_of).exists()


def can_read_people(user, partnership, incident) -> bool:
    """On the incident's need-to-know list (while a member of its lead partnership or one it is shared with).

    The incident's list is the list each new person-affected record starts with, and it reads what names no
    one person (a message naming or showing someone affected). It opens no record by itself: reading a record
    is ``can_read_person``, against that record's own list. ``partnership`` is taken only so this rule has the
    shape of every object rule (``get_for``); callers without one pass ``None``."""
    from svtoolkit.incidents.models import NeedToKnow

    if not user.is_authenticated or not NeedToKnow.objects.filter(incident=incident, user=user).exists():
        return False
    return _acts_for_incident(user, incident)


def readable_people_condition(user) -> Q:
    """The rule of ``can_read_person`` as a condition on PersonAffected: on the record's own list, and a
    member of the partnership leading its incident or of one a share disclosed the record to. Every list of
    people affected goes through ``incidents.people.selectors.people_visible_to``, which applies it."""
    from svtoolkit.incidents.models import (
        Disclosure,
        PersonAffected,
        PersonNeedToKnow,
        health_information_condition,
    )

    if not user.is_authenticated:
        return Q(pk__in=[])
    member_of = list(memberships_of(user).keys())
    # Subqueries, not joins, so a record on a list shared with several partnerships comes once. A share with
    # no Article 9 condition opens no record that holds health information (recorded after it, say).
    health = PersonAffected.objects.filter(health_information_condition()).values("pk")
    shared = (
        Disclosure.people.through.objects.filter(disclosure__share__partnership_id__in=member_of)
        .filter(~Q(disclosure__article9_condition="") | ~Q(personaffected_id__in=health))
        .values("personaffected_id")
    )
    listed = PersonNeedToKnow.objects.filter(user=user).values("person_id")
    return Q(pk__in=listed) & (Q(incident__partnership_id__in=member_of) | Q(pk__in=shared))


def can_read_person(user, partnership, person) -> bool:
    """One person-affected record: only those on that record's own need-to-know list, whatever their role
    and whatever other records of the incident they may read (the family liaison lead reads the family, not
    the witnesses), while a member of the incident's lead partnership, or of one a share of the incident
    disclosed the record to (a record made after the share stays closed there until it is shared again)."""
    from svtoolkit.incidents.models import PersonAffected

    return PersonAffected.objects.filter(pk=person.pk).filter(readable_people_condition(user)).exists()


def can_read_any_person(user, partnership, incident) -> bool:
    """At least one record of the incident is open to this person: what asks for a document with people in
    it (a situation report) needs, which then holds only the records they may read."""
    from svtoolkit.incidents.models import PersonAffected

    return (
        user.is_authenticated
        and PersonAffected.objects.filter(incident=incident).filter(readable_people_condition(user)).exists()
    )


def can_add_person(user, partnership, incident) -> bool:
    """The lead partnership's response team records people affected; once records exist, only those on the
    incident's list (the list a new record starts with) add to them. A partnership the incident is shared
    with reads only the records a share disclosed, so one it typed would be closed to it."""
    if not _in_lead_response_team(user, partnership, incident):
        return False
    return can_read_people(user, partnership, incident) or not incident.people.exists()


def can_correct_person(user, partnership, person) -> bool:
    """Correcting a person-affected record: the response team, and only those on that record's list; not once
    its details were erased (nothing can be added back to it)."""
    return (
        can_manage_incident(user, partnership)
        and not person.incident.personal_data_erased_at
        and can_read_person(user, partnership, person)
    )


def can_manage_person_need_to_know(user, partnership, person) -> bool:
    """Who reads one record: the response team (coordinators and responders) on that record's own list. A
    partner or viewer on the list reads the record but does not decide who else does."""
    return can_manage_incident(user, partnership) and can_read_person(user, partnership, person)


def can_record_school(user, partnership, incident) -> bool:
    """The schools strand (schools attended, their safeguarding lead told, support offered, their plan): the
    response team and partners of an education organisation or a school taking part. It names no pupil, so
    everyone who sees the incident reads it."""
    from svtoolkit.partnerships.models import OrganisationKind

    return can_manage_incident(user, partnership) or _partner_taking_part_as(
        user, partnership, incident, {OrganisationKind.EDUCATION, OrganisationKind.SCHOOL}
    )


def can_record_hospital_stay(user, partnership, incident) -> bool:
    """The hospital strand is health data about a person: the response team and partners of a hospital taking
    part, and of them only those on the need-to-know list (``can_read_people``)."""
    from svtoolkit.partnerships.models import OrganisationKind

    return (
        can_manage_incident(user, partnership)
        or _partner_taking_part_as(user, partnership, incident, {OrganisationKind.HEALTH_HOSPITAL})
    ) and can_read_people(user, partnership, incident)


def can_record_safeguarding(user, partnership, incident) -> bool:
    """Referrals to the MASH or daily risk meeting and the people mapped as at risk: the response team and
    partners of children's or adults' social care taking part, and of them only those on the need-to-know
    list (``can_read_people``)."""
    from svtoolkit.partnerships.models import OrganisationKind

    kinds = {OrganisationKind.CHILDRENS_SOCIAL_CARE, OrganisationKind.ADULTS_SOCIAL_CARE}
    return (
        can_manage_incident(user, partnership) or _partner_taking_part_as(user, partnership, incident, kinds)
    ) and can_read_people(user, partnership, incident)


def can_record_hospital_stay_for(user, partnership, person) -> bool:
    """A hospital stay of one person, recorded, changed or opened: those who record the hospital strand
    (``can_record_hospital_stay``) who are also on that person's own list (``can_read_person``). The
    incident's list alone opens no one's health data."""
    return can_record_hospital_stay(user, partnership, person.incident) and can_read_person(
        user, partnership, person
    )


def can_record_safeguarding_for(user, partnership, person) -> bool:
    """A safeguarding referral of one person, made, its outcome recorded or opened: those who record the
    safeguarding strand (``can_record_safeguarding``) who are also on that person's own list
    (``can_read_person``)."""
    return can_record_safeguarding(user, partnership, person.incident) and can_read_person(
        user, partnership, person
    )


def can_change_hospital_stay(user, partnership, stay) -> bool:
    """Changing (and so opening) a hospital stay: as recording one for its patient."""
    return can_record_hospital_stay_for(user, partnership, stay.patient)


def can_record_referral_outcome(user, partnership, referral) -> bool:
    """Recording what a referral decided (and so opening it): as making one for the person referred."""
    return can_record_safeguarding_for(user, partnership, referral.person)


def _in_lead_response_team(user, partnership, incident) -> bool:
    """A coordinator or responder of the partnership that leads the incident (not one it is shared with)."""
    return can_manage_incident(user, partnership) and incident.partnership_id == getattr(
        partnership, "pk", None
    )


def can_name_lead(user, partnership, incident) -> bool:
    """Naming (and handing over) the lead is for the lead partnership's response team: the lead is one of its
    own organisations and people, and leads its response, which it closes."""
    return _in_lead_response_team(user, partnership, incident)


def can_share_incident(user, partnership, incident) -> bool:
    """Only the lead partnership's response team shares an incident with another partnership."""
    return _in_lead_response_team(user, partnership, incident)


def can_manage_need_to_know(user, partnership, incident) -> bool:
    """Adding people and deciding who needs to know: the response team, and only those already on the list."""
    return can_manage_incident(user, partnership) and can_read_people(user, partnership, incident)


def may_take_off_need_to_know(user, listed, incident) -> bool:
    """Whether ``user`` may take ``listed`` off the incident's need-to-know list, or one of its records': the
    lead partnership owns the incident, so its members may take anyone off; someone only of a partnership the
    incident is shared with takes off only people of that partnership, never one of the lead's."""
    from svtoolkit.incidents.models import IncidentShare

    member_of = set(memberships_of(user))
    if incident.partnership_id in member_of:
        return True
    theirs = set(Membership.objects.filter(user=listed).values_list("partnership_id", flat=True))
    if incident.partnership_id in theirs:
        return False
    return IncidentShare.objects.filter(incident=incident, partnership_id__in=member_of & theirs).exists()


def can_recover_need_to_know(user, partnership, incident) -> bool:
    """When no coordinator or responder still active in the partnership is on the incident's list, or on one
    record's own list (they left, or their accounts were switched off), a coordinator may put themselves on
    it, giving a reason that is audited; otherwise nobody could change the list (a partner or viewer left on
    it reads the records but changes no list), record another person or export a record."""
    from svtoolkit.incidents.models import NeedToKnow

    if role_in(user, partnership) != Role.COORDINATOR or incident.partnership_id != partnership.pk:
        return False
    if not NeedToKnow.objects.filter(incident=incident, **_managing_in(partnership)).exists():
        return True
    return orphaned_people(incident).exists()


def _managing_in(partnership) -> dict:
    """An entry of an active coordinator or responder of ``partnership``, who can still change the list."""
    return {
        "user__is_active": True,
        "user__memberships__partnership": partnership,
        "user__memberships__role__in": (Role.COORDINATOR, Role.RESPONDER),
    }


def orphaned_people(incident) -> QuerySet:
    """Records no coordinator or responder still active in the incident's partnership may read (see
    can_recover_need_to_know)."""
    from svtoolkit.incidents.models import PersonNeedToKnow

    still_managed = PersonNeedToKnow.objects.filter(
        person__incident=incident, **_managing_in(incident.partnership)
    ).values("person_id")
    return incident.people.exclude(pk__in=still_managed)


def organisation_signing_for(user, partnership) -> int | None:
    """The organisation this person signs messages off for in the partnership: the one they represent, unless
    they only view."""
    membership = memberships_of(user).get(getattr(partnership, "pk", None))
    return membership.organisation_id if membership is not None and membership.role != Role.VIEWER else None


def can_sign_off(user, partnership, sign_off) -> bool:
    """A message is signed off for an approver organisation by someone who represents it."""
    organisation = organisation_signing_for(user, partnership)
    return organisation is not None and organisation == sign_off.organisation_id


def message_reader(user, partnership, *, published_opens=True) -> Callable[[Model], bool]:
    """``can_read_message`` for a list of messages: whether this person reads an incident's people is asked
    once an incident, not once a message. ``published_opens=False`` asks it of a published message as of
    one not yet published (``can_read_message_notes``)."""
    reads_people: dict[int, bool] = {}
    taking_part: dict[int, set[int]] = {}

    def signs_it_off(message) -> bool:
        """Signs it off for an organisation still taking part in the incident: one that stopped is no longer
        asked, and what it signed stays on the message's trail, not with its people."""
        if message.incident_id not in taking_part:
            taking_part[message.incident_id] = {
                p.organisation_id for p in message.incident.participations.all()
            }
        return any(
            sign_off.organisation_id in taking_part[message.incident_id]
            and can_sign_off(user, partnership, sign_off)
            for sign_off in message.sign_offs.all()
        )

    def reads(message) -> bool:
        """A message naming or showing someone affected is read, until published, only by the incident's
        need-to-know list and those who sign it off for an organisation taking part; everyone else who sees
        the incident sees that it exists. A message is not tied to one record, so it follows the incident's
        list, not a record's own list; in a partnership the incident is shared with, only where a share
        disclosed a record they read."""
        if not message.names_or_images or (published_opens and message.status == "published"):
            return True
        if message.incident_id not in reads_people:
            incident = message.incident
            reads_people[message.incident_id] = can_read_people(user, partnership, incident) and (
                incident.partnership_id in memberships_of(user)
                or can_read_any_person(user, partnership, incident)
            )
        return reads_people[message.incident_id] or signs_it_off(message)

    return reads


def can_read_message(user, partnership, message) -> bool:
    """Whether this person may read all of ``message`` (``message_reader``)."""
    return message_reader(user, partnership)(message)


def can_read_message_notes(user, partnership, message) -> bool:
    """How the family agreed to a message naming or showing someone affected (its agreement note) and what its
    approvers said of it (their comments): publishing the message makes the statement public, not these, so
    they stay, published or not, with those who may read it before it is published."""
    return message_reader(user, partnership, published_opens=False)(message)


def is_read_only(incident) -> bool:
    """A closed incident is kept as it was closed: it is re-opened (with a reason) to change it."""
    return incident.status == "closed"


def how_to_change_closed(incident) -> str:
    """What someone refused a change to a closed incident is told to do: re-open it, unless its people's
    details were erased, after which it cannot be re-opened (``incidents.services.reopen`` refuses)."""
    if incident.personal_data_erased_at:
        return "The details of the people affected were erased, so it cannot be re-opened."
    return "Re-open it first."


def allowed_when_closed(view):
    """Marks the few changes a closed incident still takes: re-opening, its calendar and follow-up actions."""
    view.allowed_when_closed = True
    return view


def refuse_changes_to_closed(request, incident) -> None:
    """Refuse (403, audited) any change to a closed incident through a view not marked allowed_when_closed."""
    if request.method in {"GET", "HEAD", "OPTIONS"} or not is_read_only(incident):
        return
    view = request.resolver_match.func if request.resolver_match else None
    if not getattr(view, "allowed_when_closed", False):
        _refuse_as_closed(request, incident)


def refuse_form_of_closed(request, incident) -> None:
    """Refuse (403, audited) opening, on a closed incident, a page that is only a form to change it: the
    form would take what is typed only for sending it to be refused."""
    if is_read_only(incident):
        _refuse_as_closed(request, incident)


def _refuse_as_closed(request, incident) -> None:
    deny(
        request,
        reason="incident is closed",
        message=f"{incident.reference} is closed, so it cannot be changed. {how_to_change_closed(incident)}",
    )


def can_attach_to_sharing_agreement(user, partnership, agreement) -> bool:
    """Every member reads the register of information-sharing agreements, and so a signed copy filed with one;
    those who keep the directory file it."""
    return agreement.partnership_id == partnership.pk and can_edit_directory(user, partnership)


def can_attach_files(user, partnership, incident) -> bool:
    """Files on an incident, its meetings and its review: added by those working it, while it is open; seen by
    everyone who may see the incident (each download audited)."""
    return can_work_incident_now(user, partnership, incident)


def can_contribute_to_review(user, partnership) -> bool:
    """Each partner organisation writes its own part of the review; viewers only read it."""
    return can_work_incident(user, partnership)


def can_record_support(user, partnership, incident) -> bool:
    """Support is recorded by those working the incident, for the records they may read: the incident's
    support page offers it to anyone working it who may read at least one record."""
    return can_work_incident(user, partnership) and can_read_any_person(user, partnership, incident)


def can_record_support_for(user, partnership, person) -> bool:
    """Support for one person: by those working the incident who are on that person's own list."""
    return can_work_incident(user, partnership) and can_read_person(user, partnership, person)


def organisations_spoken_for(user, partnership):
    """The organisations whose part of a review this person may write: the response team writes for any
    (taking notes in the debrief meeting), a partner only for their own organisation."""
    from svtoolkit.partnerships.models import Organisation

    organisations = Organisation.objects.filter(partnership=partnership, is_active=True)
    if can_manage_incident(user, partnership):
        return organisations
    if not can_contribute_to_review(user, partnership):
        return organisations.none()
    return organisations.filter(pk=memberships_of(user)[partnership.pk].organisation_id)


def can_close_incident(user, partnership, incident) -> bool:
    """Closing and re-opening is for the lead partnership's response team."""
    return _in_lead_response_team(user, partnership, incident)


def can_run_review(user, partnership, incident) -> bool:
    """Starting an incident's review, and completing it for every organisation, is for the lead partnership's
    response team (the review leads to closing, which is theirs); a partnership the incident is shared with
    writes its own organisations' parts (``can_contribute_to_review``)."""
    return _in_lead_response_team(user, partnership, incident)


def can_record_lesson(user, partnership, incident) -> bool:
    """Lessons belong to the lead partnership (it owns the checklist they would change)."""
    return _in_lead_response_team(user, partnership, incident)


def can_open_lessons_of(user, partnership, incident) -> bool:
    """An incident's lessons are its lead partnership's (they would change its checklist): their pages are
    opened from there (``is_member``: those who see the incident); a partnership it is shared with sees them
    listed on the incident's review."""
    return is_member(user, partnership) and incident.partnership_id == getattr(partnership, "pk", None)


def can_decide_lessons(user, partnership) -> bool:
    """A lesson changes the checklist, so coordinators (who keep the checklist) accept or decline it."""
    return can_edit_playbook(user, partnership)


def can_manage_retention(user, partnership) -> bool:
    """How long personal data is kept, and what is due for erasure: the partnership's coordinators."""
    return role_in(user, partnership) == Role.COORDINATOR


def can_export_person(user, partnership, person) -> bool:
    """A subject-access export holds all of one person's data: a coordinator on that record's own list, of
    the partnership leading the incident, whose request it is to answer (the data controller); one it is
    shared with reads the record a share disclosed, but does not export it."""
    return (
        can_manage_retention(user, partnership)
        and person.incident.partnership_id == getattr(partnership, "pk", None)
        and can_read_person(user, partnership, person)
    )


def can_reassign_action(user, partnership) -> bool:
    """Partners report progress on their own actions; moving work to someone else is the response team's."""
    return can_manage_incident(user, partnership)


def partner_organisation_id(user, partnership) -> int | None:
    """The organisation a partner represents in this partnership (their own view of an incident)."""
    membership = _partner_membership(user, partnership)
    return membership.organisation_id if membership else None


# --- Alerts (svtoolkit.alerts) --------------------------------------------------------------------------
# An incident alert is raised by those the partnership trusts to report (the police by default, set per
# organisation) and by coordinators; it reaches the duty rota, which only the response team (coordinators and
# responders, who see every incident) can be on. Every member sees who is on duty.


def can_raise_alert(user, partnership) -> bool:
    """Coordinators, and members (partners included, viewers not) whose organisation may report incidents."""
    membership = memberships_of(user).get(getattr(partnership, "pk", None))
    if membership is None or membership.role == Role.VIEWER:
        return False
    if membership.role == Role.COORDINATOR:
        return True
    return membership.organisation is not None and membership.organisation.may_report_incidents


def can_report_incident(user, partnership) -> bool:
    """Record an incident in full (the response team), or raise an alert about one (those who may report)."""
    return can_record_incident(user, partnership) or can_raise_alert(user, partnership)


def can_view_rota(user, partnership) -> bool:
    """Who is on duty now and next: every member, so anyone knows whom to call."""
    return is_member(user, partnership)


def can_manage_alerting(user, partnership) -> bool:
    """The duty rota, the alert list, the escalation policy and the launch protocol: coordinators."""
    return role_in(user, partnership) == Role.COORDINATOR


# The roles of the response team, who may be on the rota and the alert list and so be alerted.
RESPONSE_TEAM_ROLES = frozenset({Role.COORDINATOR, Role.RESPONDER})


def may_be_on_duty(user, partnership) -> bool:
    """The rota and the alert list hold the response team only: they see and may lead every incident."""
    return role_in(user, partnership) in RESPONSE_TEAM_ROLES


def can_acknowledge_alert(user, partnership, alert) -> bool:
    """Those the alert went to acknowledge it, whichever partnership they are working in; so may the response
    team of the partnership it belongs to. Either only while on that response team: someone removed or given
    another role since they were alerted no longer stops the escalation."""
    membership = memberships_of(user).get(alert.partnership_id)
    if membership is None or membership.role not in RESPONSE_TEAM_ROLES:
        return False
    return alert.partnership_id == getattr(partnership, "pk", None) or (
        alert.recipients.filter(user_id=user.pk).exists()
    )


def can_accept_lead(user, partnership, alert) -> bool:
    """Taking the lead from an alert: a coordinator or responder of its partnership, for their employer."""
    membership = memberships_of(user).get(getattr(partnership, "pk", None))
    return (
        membership is not None
        and membership.role in {Role.COORDINATOR, Role.RESPONDER}
        and membership.organisation_id is not None
        and alert.partnership_id == partnership.pk
    )


def may_be_told_about(user, incident, *, as_its_lead: bool = False) -> bool:
    """Someone named to answer for an incident (its lead officer, its communications updates owner, the owner
    of one of its actions, the single point of contact of someone affected) is told about it only while their
    account is active and they are still a member of its partnership or of one it is shared with (an action's
    owner may work for either), who may see it there (a partner only while their organisation takes part): one
    who has left, or can no longer see it, is told nothing. Its lead (``as_its_lead``), named
    only from its own partnership, must still be a member of that one: one who moved to a partnership it is
    shared with sees it there but leads it no more. ``told_about_incident_condition`` is the same rule as a
    filter."""
    return user.is_active and _memberships_working_on(user, incident, as_its_lead=as_its_lead).exists()


def sees_incident(user, incident) -> bool:
    """Whether someone (their account active or not) still has a membership through which they see the
    incident (``visible_incident_condition``): what a need-to-know list may keep them on for."""
    return _memberships_working_on(user, incident).exists()


def told_about_incident_condition(*, person: str, incident: str) -> Q:
    """``may_be_told_about`` as a filter: the rows whose ``person`` (a path to a user) may still be told about
    their ``incident`` (a path to it), in the same query."""
    # The memberships are a subquery of the rows, and the incident's shares a subquery of the memberships.
    memberships = _memberships_working_on(
        OuterRef(person), OuterRef(OuterRef(incident)), partnership=OuterRef(f"{incident}__partnership")
    )
    return Q(**{f"{person}__is_active": True}) & Q(Exists(memberships))


def _memberships_working_on(user, incident, *, partnership=None, as_its_lead: bool = False) -> QuerySet:
    """The user's memberships of the incident's partnership and (unless ``as_its_lead``) of those it is shared
    with through which they see it (``visible_incident_condition``): a partner's only while their organisation
    takes part. ``partnership`` is the incident's, when ``incident`` is a reference rather than a row."""
    from svtoolkit.incidents.models import IncidentShare, Participation

    taking_part = Participation.objects.filter(incident=incident).values("organisation")
    sees_it = ~Q(role=Role.PARTNER) | Q(organisation__in=taking_part)
    own = Q(partnership=incident.partnership_id if partnership is None else partnership)
    if as_its_lead:
        return Membership.objects.filter(own, sees_it, user=user)
    shared_with = IncidentShare.objects.filter(incident=incident).values("partnership")
    return Membership.objects.filter(own | Q(partnership__in=shared_with), sees_it, user=user)


def lead_organisation_of(user, partnership):
    """The organisation someone leads for: the one their membership names."""
    membership = memberships_of(user).get(getattr(partnership, "pk", None))
    return membership.organisation if membership else None


# --- Reports ------------------------------------------------------------------------------------------
# Every member sees the dashboard, the map and the exports of their partnership, but each figure, point and
# row counts only the incidents that member may see (visible_incidents): a partner's dashboard is the
# dashboard of the incidents their organisation takes part in. PDFs of an incident follow the incident's
# own rules; people affected go into a situation report only for the need-to-know list, on request.


def can_view_reports(user, partnership) -> bool:
    """Dashboards, the map and exports: any member, over the incidents they may see."""
    return is_member(user, partnership)


def can_manage_boundary(user, partnership) -> bool:
    """Uploading the partnership's ward outlines for the map is a coordinator's job."""
    return role_in(user, partnership) == Role.COORDINATOR


def sees_exact_scenes(user, partnership) -> bool:
    """Coordinators and responders see where a scene is; everyone else sees only its ward on the map."""
    return role_in(user, partnership) in {Role.COORDINATOR, Role.RESPONDER}


def can_view_delivery_log(user, partnership) -> bool:
    """Every message sent for the partnership, and its failures: the coordinators, who can send again."""
    return role_in(user, partnership) == Role.COORDINATOR


def can_resend_messages(user, partnership) -> bool:
    return role_in(user, partnership) == Role.COORDINATOR


def can_view_incident_messages(user, partnership, incident) -> bool:
    """Who was told what about an incident, and how it went: its lead partnership's response team."""
    return _in_lead_response_team(user, partnership, incident)


def can_view_audit_log(user, partnership) -> bool:
    return role_in(user, partnership) == Role.COORDINATOR


def can_manage_partnership_settings(user, partnership) -> bool:
    return role_in(user, partnership) == Role.COORDINATOR


def can_manage_webhooks(user, partnership) -> bool:
    """Setting up the endpoints other systems hear of events through, and reading their delivery logs:
    coordinators only (an endpoint sends the partnership's events outside svtoolkit)."""
    return role_in(user, partnership) == Role.COORDINATOR


def can_use_admin(user) -> bool:
    """Django admin: active superusers who have passed two-factor verification."""
    return user.is_active and user.is_superuser and user.is_verified()


# --- The regional critical-incident fund (svtoolkit.regions.fund_*) ---------------------------------------
# A partnership's response team applies to its region's fund from an incident and records the spend after;
# the region's coordinators decide (may_coordinate_region), its viewers read the queue (may_view_region).


def can_apply_to_fund(user, partnership, incident) -> bool:
    """Applying to the region's fund for an incident: the lead partnership's response team, once the
    partnership is in a region, and never for an exercise."""
    return (
        _in_lead_response_team(user, partnership, incident)
        and partnership.region_id is not None
        and not incident.is_exercise
    )


def can_apply_to_fund_now(user, partnership, incident) -> bool:
    """Whether to offer the application form: the person may apply (``can_apply_to_fund``) and the incident
    is not closed (it is re-opened to apply), so the form never leads to a refusal."""
    return not is_read_only(incident) and can_apply_to_fund(user, partnership, incident)


def can_record_fund_spend(user, partnership, application) -> bool:
    """Recording what was spent and what came of it: the applying partnership's response team."""
    return can_manage_incident(user, partnership) and application.partnership_id == getattr(
        partnership, "pk", None
    )


# --- Regions (svtoolkit.regions) ------------------------------------------------------------------------
# A region (a Violence Reduction Unit) groups partnerships; its staff hold a regional role, apart from any
# partnership membership. The region sees its partnerships' incidents only through what each partnership chose
# to share (partnerships.RegionalSharing, by category), free text only of incidents shared with the region
# (regions.RegionalShare), and never people affected. Every regional read is audited in the partnership's log.


def regional_memberships_of(user) -> dict:
    """The user's region memberships keyed by region id (accounts.principal: cached while unchanged)."""
    return principal_of(user).region_memberships if user.is_authenticated else {}


def region_role_in(user, region):
    """The user's regional role in ``region`` (a partnerships.RegionRole), or None."""
    membership = regional_memberships_of(user).get(getattr(region, "pk", None))
    return membership.role if membership else None


def is_regional_staff(user, partnership) -> bool:
    """Any regional role, in any region: opens the regional pages (each then checks its own region)."""
    return bool(regional_memberships_of(user))


def may_view_region(user, region) -> bool:
    """The region's board and figures: its regional coordinators and viewers."""
    return region_role_in(user, region) is not None


def may_coordinate_region(user, region) -> bool:
    """Proposing shared incidents and deciding for the region: its regional coordinators."""
    from svtoolkit.partnerships.models import RegionRole

    return region_role_in(user, region) == RegionRole.COORDINATOR


def region_incident_condition(region, *, through: str = "", partnership_ids=None) -> Q:
    """The incidents whose existence the region may see: the real (not exercise) incidents of its
    partnerships. What it may read of each is ``regional_fields``.

    ``partnership_ids``: the ids of all the region's partnerships, when the caller has just read them from
    ``region.partnerships``: named in the condition rather than joined, so the database plans by the
    incidents' own statistics (a region's partnerships are too few for their statistics to follow a change
    of region, and a join planned on stale ones reads every incident of the region)."""
    if partnership_ids is not None:
        return Q(**{f"{through}partnership_id__in": list(partnership_ids), f"{through}is_exercise": False})
    return Q(**{f"{through}partnership__region": region, f"{through}is_exercise": False})


def regional_categories_of(partnership) -> frozenset[str]:
    """The categories a partnership lets its region see (the defaults when it has not chosen)."""
    from svtoolkit.partnerships.models import RegionalSharing, default_regional_categories

    try:
        return frozenset(partnership.regional_sharing.categories)
    except RegionalSharing.DoesNotExist:
        return frozenset(default_regional_categories())


def regional_fields(categories, *, shared_with_region: bool) -> frozenset[str]:
    """The fields of an incident regional staff may read, given its partnership's chosen categories and
    whether the incident is shared with the region: existence always, free text only when shared, people
    affected never (no category names them)."""
    from svtoolkit.partnerships.models import REGIONAL_CATEGORY_FIELDS, RegionalCategory

    fields = set(REGIONAL_CATEGORY_FIELDS["existence"])
    for category in categories:
        if category in RegionalCategory.values:
            fields |= REGIONAL_CATEGORY_FIELDS[category]
    if shared_with_region:
        fields |= REGIONAL_CATEGORY_FIELDS["free_text"]
    return frozenset(fields)


def can_choose_regional_sharing(user, partnership) -> bool:
    """What the region sees of the partnership's incidents: its coordinators decide (once in a region)."""
    return role_in(user, partnership) == Role.COORDINATOR and partnership.region_id is not None


def can_share_with_region(user, partnership, incident) -> bool:
    """Sharing one incident (its free text too) with the region: the lead partnership's response team."""
    return _in_lead_response_team(user, partnership, incident) and partnership.region_id is not None


def may_propose_share(user, region, incident, partnership) -> bool:
    """A regional coordinator proposes sharing an incident of one of its partnerships with another."""
    return (
        may_coordinate_region(user, region)
        and incident.partnership.region_id == region.pk
        and partnership.region_id == region.pk
        and partnership.pk != incident.partnership_id
    )


def can_decide_share_proposal(user, partnership, proposal) -> bool:
    """The incident's own partnership (its response team) accepts or declines sharing it."""
    return _in_lead_response_team(user, partnership, proposal.incident)


def get_region_for(request, region_slug: str, *, rule: Rule = may_view_region):
    """The region named ``region_slug`` if the person holds a role in it (else 404), checked against ``rule``
    (else 403, audited): the regional pages' fetch and check in one call."""
    from svtoolkit.partnerships.models import Region

    region = get_object_or_404(Region, slug=region_slug, pk__in=list(regional_memberships_of(request.user)))
    if not rule(request.user, region):
        deny(request, reason=rule.__name__)
    return region


# --- Declaring a view's rule -------------------------------------------------------------------------


def public(view):
    """Open to everyone, signed in or not (sign-in, password reset, statements)."""
    view.access_rule = public
    return view


def signed_in(view):
    """Any signed-in person, whether or not they belong to a partnership (their own account pages)."""
    return _guard(view, rule=None)


def requires(rule: Rule, *, to_change: Rule | None = None):
    """The signed-in user must satisfy ``rule(user, request.partnership)`` for the current partnership, and
    ``to_change`` as well to send the page a form (a POST): for a page that more people may read than may
    change what it shows (the alerting protocol, a lesson)."""

    def decorator(view):
        return _guard(view, rule=rule, to_change=to_change)

    return decorator


def checked_by_api(view):
    """A REST API view: svtoolkit.api authenticates it (token or session) and its permission class calls the
    rules in this module before the view runs; anyone not signed in is answered 401, not redirected."""
    view.access_rule = checked_by_api
    return view


def _guard(view, *, rule: Rule | None, to_change: Rule | None = None):
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not request.user.is_authenticated:
            if request.method == "POST":
                # Signed out (the session ended) while filling in a form: the sign-in page would drop what
                # was typed, so it is given back to send again after signing in.
                from svtoolkit.core.csrf import form_not_sent

                return form_not_sent(request, signed_out=True, give_back=True)
            return redirect_to_login(request.get_full_path())
        if rule is not None and not rule(request.user, request.partnership):
            deny(request, reason=rule.__name__)
        if (
            to_change is not None
            and request.method == "POST"
            and not to_change(request.user, request.partnership)
        ):
            deny(request, reason=to_change.__name__)
        return view(request, *args, **kwargs)

    guarded.access_rule = rule or signed_in
    return guarded


class Refused(PermissionDenied):
    """A refusal, with a message for the person when there is more to say (the 403 page and the API's body
    show it); the rule that refused goes to the audit log, not to the person."""

    def __init__(self, reason: str, message: str = ""):
        super().__init__(message or "You do not have permission to perform this action.")
        self.reason = reason
        self.message = message


def deny(request, *, reason: str, message: str = ""):
    """Record the refusal in the audit log and answer 403.

    A request a page makes by itself (a live part polling) is recorded counted: until the page reloads on the
    refusal (``AccessPolicyMiddleware``) it may ask again every few seconds, and its person did nothing."""
    from svtoolkit.audit.models import AuditAction
    from svtoolkit.audit.services import record_counted, record_permission_denied

    if is_background_request(request):
        record_counted(
            action=AuditAction.PERMISSION_DENIED,
            request=request,
            actor=request.user,
            partnership=getattr(request, "partnership", None),
            detail={"reason": reason},
        )
    else:
        record_permission_denied(request=request, reason=reason)
    raise Refused(reason, message)


# --- Fetch and check in one call ------------------------------------------------------------------------


def _visible_part(user, partnership, queryset):
    """``queryset`` narrowed by the visibility rule of its model. Incidents are narrowed by
    ``visible_incidents``' rule; any other model must come as a queryset the caller has already narrowed
    (the actions of an incident found through ``get_for``, say), so a bare model with no rule is refused."""
    from svtoolkit.incidents.models import Incident

    if queryset.model is Incident:
        return queryset.filter(visible_incident_condition(user, partnership))
    return queryset


def get_for(request, found_in, pk, *, rule: Rule | None = None, about: Callable | None = None):
    """The object ``pk`` of ``found_in`` if this person may see it (else 404), checked against ``rule``
    (else 403 through ``deny``, audited with the rule's name).

    ``found_in`` is the model ``Incident`` or a queryset of incidents (with the ``select_related`` its page
    needs), narrowed here by ``visible_incidents``' rule, or a queryset of parts of something already found
    (``incident.actions.all()``, ``message.sign_offs.all()``), or ``RecordsOfVisibleIncident`` (the records of
    an incident not yet found, found with it only if it is visible). ``rule`` is an object rule
    ``rule(user, partnership, obj)`` such as ``can_update_action``; the view's ``@requires`` rule has already
    run. A found incident is also refused for changes once closed (``refuse_changes_to_closed``), unless the
    view is marked ``@allowed_when_closed``::

        shown = access.get_for(request, Incident, incident_id, rule=access.can_share_incident)
        planned = access.get_for(request, shown.actions.all(), action_id, rule=access.can_update_action)

    ``about(found)`` gives what ``rule`` is checked against when that is not the found object itself: the
    person a support offer is for (``rule=can_read_person``), the alert an incident was raised as, the
    incident a meeting belongs to (then refused for changes once closed, as a found incident is). A found
    object with nothing to check (``about`` gives None) is not found (404)."""
    from svtoolkit.incidents.models import Incident

    user, partnership = request.user, request.partnership
    if isinstance(found_in, RecordsOfVisibleIncident):
        found = _or_not_found(found_in.model, found_in.find(user, partnership, pk))
    elif isinstance(found_in, QuerySet):
        found = get_object_or_404(_visible_part(user, partnership, found_in), pk=pk)
    elif isinstance(found_in, type) and issubclass(found_in, Incident):
        found = visible_incident(user, partnership, pk)
    elif isinstance(found_in, type) and issubclass(found_in, Model):
        raise TypeError(f"{found_in.__name__} has no visibility rule here: pass a queryset already narrowed")
    else:
        raise TypeError("found_in must be Incident, a queryset or RecordsOfVisibleIncident")
    if isinstance(found, Incident):
        refuse_changes_to_closed(request, found)
    checked = found if about is None else about(found)
    if checked is None:
        raise Http404("Nothing here for the rule to be checked against")
    if isinstance(checked, Incident) and checked is not found:
        refuse_changes_to_closed(request, checked)
    if rule is not None and not rule(request.user, request.partnership, checked):
        deny(request, reason=rule.__name__)
    return found


class AccessPolicyMiddleware(MiddlewareMixin):
    """Deny by default: a view that has not declared its access rule is refused.

    A page's htmx request refused (403) or finding nothing (404) has the whole page reload: htmx neither swaps
    those answers nor stops polling on them, so the part would go on looking live and asking for ever. The
    page reloaded shows the refusal or "not found" as a page (and a refusal is audited as a page's is)."""

    def process_response(self, request, response):
        if request.headers.get("HX-Request") and response.status_code in (403, 404):
            response["HX-Refresh"] = "true"
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "access_rule", None) is not None:
            return None
        if request.resolver_match and request.resolver_match.namespace in SELF_GUARDED_NAMESPACES:
            return None
        deny(request, reason="view declares no access rule")
