"""One search over what a person may see: incidents, plan actions, decisions and directory contacts.

Incidents come only through ``access.visible_incidents`` and actions and decisions only of those incidents;
contacts only of the current partnership's directory. People affected, and messages, are never searched:
their words could reveal someone to a person who is not on the need-to-know list.

PostgreSQL matches with full text search (``websearch`` syntax: words, "a phrase", -not); other databases
(SQLite in development) find records containing every word. Incidents are ranked by how well they match.
Actions and decisions come newest incident first instead: a word from a checklist item's title is in that
action of nearly every incident, and ranking hundreds of thousands of equal matches would take seconds, while
walking the partnership's incidents newest first stops as soon as a page of results is found.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import OperationalError, connection, transaction
from django.db.models import F, Func, Q, QuerySet, TextField

from svtoolkit import access
from svtoolkit.incidents.models import Decision, PlanAction
from svtoolkit.partnerships.selectors import contacts_of
from svtoolkit.search.apps import CASEFOLD_FUNCTION

MAX_QUERY_LENGTH = 200
MAX_WORDS = 10
PER_GROUP = 20
ACTION_FIELDS = ["title", "guidance"]  # as in the action_search index (migration incidents/0007)


@dataclass
class Group:
    name: str
    results: list = field(default_factory=list)
    more: bool = False  # there were more matches than PER_GROUP
    too_broad: bool = False  # so many matched that ranking them took too long: more words are needed


@dataclass
class SearchResults:
    query: str
    incidents: Group
    actions: Group
    decisions: Group
    contacts: Group
    # Quotes or a -word were typed, which only PostgreSQL understands: here every word is matched as typed.
    syntax_not_supported: bool = False

    @property
    def groups(self) -> list[Group]:
        return [self.incidents, self.actions, self.decisions, self.contacts]

    @property
    def total(self) -> int:
        return sum(len(group.results) for group in self.groups)

    @property
    def too_broad(self) -> bool:
        """A group matched too many to list: something matched, though nothing may be listed."""
        return any(group.too_broad for group in self.groups)


def _matching(
    queryset: QuerySet,
    fields: list[str],
    text: str,
    *,
    config: str,
    order: list[str],
    also: Q | None = None,
    ranked: bool = True,
) -> QuerySet:
    """``queryset`` narrowed to what matches ``text`` in ``fields`` (or matches ``also``): best first if
    ``ranked``, then in ``order``."""
    also = also or Q(pk__in=[])
    if connection.vendor == "postgresql":
        query = SearchQuery(text, search_type="websearch", config=config)
        found = queryset.annotate(document=SearchVector(*fields, config=config)).filter(
            Q(document=query) | also
        )
        if not ranked:
            return found.order_by(*order)
        return found.annotate(rank=SearchRank(F("document"), query)).order_by("-rank", *order)
    folded = {f"folded_{number}": _Casefold(name) for number, name in enumerate(fields)}
    every_word = Q()
    for word in text.split()[:MAX_WORDS]:
        any_field = Q()
        for alias in folded:
            any_field |= Q(**{f"{alias}__contains": word.casefold()})
        every_word &= any_field
    return queryset.alias(**folded).filter(every_word | also).order_by(*order)


class _Casefold(Func):
    """A text column as Python's ``str.casefold`` gives it, on SQLite (``search.apps``)."""

    function = CASEFOLD_FUNCTION
    output_field = TextField()


# A word found in hundreds of thousands of records (one in a checklist item's title, say) would keep a server
# thread ranking them for a minute; PostgreSQL stops such a search and the person is asked to add a word.
GROUP_TIME_LIMIT_MS = 1500


@contextmanager
def _time_limit(milliseconds: int) -> Iterator[None]:
    """PostgreSQL cancels a query in the block that runs longer (OperationalError), and nothing else."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL statement_timeout = {milliseconds}")
        yield


def _group(name: str, queryset: QuerySet) -> Group:
    if connection.vendor != "postgresql":
        found = list(queryset[: PER_GROUP + 1])
        return Group(name, found[:PER_GROUP], more=len(found) > PER_GROUP)
    try:
        with _time_limit(GROUP_TIME_LIMIT_MS):
            found = list(queryset[: PER_GROUP + 1])
    except OperationalError:
        return Group(name, too_broad=True)
    return Group(name, found[:PER_GROUP], more=len(found) > PER_GROUP)


# Walking newest first suits a word found in many plans, but a rare word (or none at all) would make it read
# every action of the partnership. So for a word PostgreSQL's statistics say is rare, the full-text index is
# asked first for the ids of every action, in any partnership, holding the words: if there are only a few and
# they come quickly, the search is narrowed to them; otherwise the walk stops early.
# Rare is fewer than a hundredth of the table (PostgreSQL estimates a word missing from its statistics at
# about a thousandth), or fewer than RARE_MATCHES in a small table, and never RARE_ESTIMATE or more: in a
# partnership's 125,000 actions "police" is expected in 74,000, and looking them up first cost 200 ms.
RARE_SHARE = 100
RARE_ESTIMATE = 200_000
RARE_MATCHES = 2000
RARE_LOOKUP_TIME_LIMIT_MS = 200


def _estimated_rows(queryset: QuerySet) -> float:
    return json.loads(queryset.values("pk").explain(format="json"))[0]["Plan"]["Plan Rows"]


def _rare_matches(queryset: QuerySet) -> list[int] | None:
    """The ids of all that ``queryset`` matches, if the planner expects few and fewer than RARE_MATCHES are
    found within the time limit; None when the words are common."""
    table_rows = _estimated_rows(queryset.model.objects.all())
    if _estimated_rows(queryset) >= min(RARE_ESTIMATE, max(RARE_MATCHES, table_rows / RARE_SHARE)):
        return None
    try:
        with _time_limit(RARE_LOOKUP_TIME_LIMIT_MS):
            ids = list(queryset.values_list("pk", flat=True)[:RARE_MATCHES])
    except OperationalError:
        return None
    return ids if len(ids) < RARE_MATCHES else None


def _uses_syntax_not_supported(text: str) -> bool:
    """True when ``text`` has a "quoted phrase" or a -word and this database matches plain words only."""
    if connection.vendor == "postgresql":
        return False
    return '"' in text or any(word.startswith("-") and len(word) > 1 for word in text.split())


def search_for(user, query: str, *, partnership) -> SearchResults | None:
    """What matches ``query`` among the records ``user`` may see in ``partnership``; None for no query."""
    # A NUL character cannot reach PostgreSQL; it is never part of a word anyway.
    text = " ".join(query.replace("\x00", " ").split())[:MAX_QUERY_LENGTH]
    if not text:
        return None
    visible = access.visible_incidents(user, partnership)
    # A reference is one word to a person but several to the text search, so it is matched as it is typed.
    incidents = _matching(
        visible.select_related("partnership"),
        ["title", "summary"],
        text,
        config="english",
        order=["-occurred_at"],
        also=Q(reference__icontains=text),
    )
    of_visible_incident = access.visible_incident_condition(user, partnership, through="incident__")
    newest_incident_first = ["-incident__occurred_at", "-incident_id"]
    actions = _matching(
        PlanAction.objects.filter(of_visible_incident).select_related("incident", "owner_organisation"),
        ACTION_FIELDS,
        text,
        config="english",
        order=[*newest_incident_first, "due_at", "id"],
        ranked=False,
    )
    if connection.vendor == "postgresql":
        rare = _rare_matches(
            _matching(
                PlanAction.objects.all(),
                ACTION_FIELDS,
                text,
                config="english",
                order=[],
                ranked=False,
            )
        )
        if rare is not None:
            actions = actions.filter(pk__in=rare)
    decisions = _matching(
        Decision.objects.filter(of_visible_incident).select_related("incident"),
        ["what", "why"],
        text,
        config="english",
        order=[*newest_incident_first, "-decided_at", "-id"],
        ranked=False,
    )
    contacts = _matching(
        contacts_of(partnership),
        ["name", "job_title", "email", "organisation__name"],
        text,
        config="simple",
        order=["organisation__name", "name"],
    )
    return SearchResults(
        query=text,
        incidents=_group("Incidents", incidents),
        actions=_group("Actions", actions),
        decisions=_group("Decisions", decisions),
        contacts=_group("Contacts", contacts),
        syntax_not_supported=_uses_syntax_not_supported(text),
    )
