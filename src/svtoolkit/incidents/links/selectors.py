"""Reading an incident's links as the person asking may see them."""

from dataclasses import dataclass

from django.db.models import Q

from svtoolkit import access
from svtoolkit.accounts.models import Membership, Role
from svtoolkit.incidents.models import Incident, IncidentLink


@dataclass(frozen=True)
class ShownLink:
    """A link as one person sees it: all of it when they may see the other incident; otherwise only the other
    partnership and whom to ask there (kind, reason and the other incident stay hidden)."""

    partnership: str
    other: Incident | None = None
    kind: str = ""
    reason: str = ""
    ask: tuple[str, ...] = ()


def _coordinators_of(partnership_ids) -> dict[int, tuple[str, ...]]:
    rows = (
        Membership.objects.filter(
            partnership_id__in=partnership_ids, role=Role.COORDINATOR, user__is_active=True
        )
        .select_related("user")
        .order_by("user__full_name")
    )
    found: dict[int, list[str]] = {}
    for membership in rows:
        found.setdefault(membership.partnership_id, []).append(
            f"{membership.user.full_name} ({membership.user.email})"
        )
    return {key: tuple(names) for key, names in found.items()}


def links_of(incident, *, user, partnership) -> list[ShownLink]:
    # The links' own rows first, the other incidents only when there are some: joining both incidents of
    # each link and their partnerships (every column) cost the page more than this whole panel otherwise.
    links = list(IncidentLink.objects.filter(Q(incident=incident) | Q(linked=incident)))
    if not links:
        return []  # most incidents: no need to work out which others this person may see
    other_ids = [link.linked_id if link.incident_id == incident.pk else link.incident_id for link in links]
    found = Incident.objects.select_related("partnership").in_bulk(other_ids)
    others = [found[pk] for pk in other_ids]
    visible = set(
        access.visible_incidents(user, partnership)
        .filter(pk__in=[other.pk for other in others])
        .values_list("pk", flat=True)
    )
    hidden_partnerships = {other.partnership_id for other in others if other.pk not in visible}
    coordinators = _coordinators_of(hidden_partnerships) if hidden_partnerships else {}
    shown = []
    for link, other in zip(links, others, strict=True):
        if other.pk in visible:
            shown.append(
                ShownLink(
                    partnership=other.partnership.name,
                    other=other,
                    kind=link.get_kind_display(),
                    reason=link.reason,
                )
            )
        else:
            shown.append(
                ShownLink(partnership=other.partnership.name, ask=coordinators.get(other.partnership_id, ()))
            )
    return shown


def links_panel(*, incident, user, partnership) -> dict | None:
    """The incident page's linked-incidents panel: shown when there are links or the person may add one."""
    links = links_of(incident, user=user, partnership=partnership)
    may_link = access.can_manage_incident_now(user, partnership, incident)
    if not links and not may_link:
        return None
    return {"incident": incident, "links": links, "may_link": may_link}
