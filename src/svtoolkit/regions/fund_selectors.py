"""Reading the critical-incident fund: an incident's applications, a region's queue, and the fund's figures
(counted by the database, by borough, purpose and outcome)."""

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum

from svtoolkit import access
from svtoolkit.audit.models import AuditAction
from svtoolkit.audit.services import record
from svtoolkit.partnerships.models import Partnership
from svtoolkit.regions.fund_models import FundApplication, FundOutcome, FundPurpose, FundRules, FundStatus
from svtoolkit.regions.selectors import region_of_incident_page


def rules_of(region) -> FundRules:
    """The region's fund rules; an unsaved default (the settings' limit, open) when it has set none."""
    try:
        return region.fund_rules
    except FundRules.DoesNotExist:
        return FundRules(region=region, limit_per_incident=settings.REGION_FUND_LIMIT_PER_INCIDENT)


def applications_of_partnership(partnership) -> QuerySet[FundApplication]:
    return FundApplication.objects.filter(partnership=partnership).select_related("incident", "region")


def applications_of_region(region, *, status: str = "") -> QuerySet[FundApplication]:
    """The region's applications (its queue: those waiting first), with what their pages show."""
    applications = FundApplication.objects.filter(region=region).select_related(
        "incident", "partnership", "applied_by", "decided_by"
    )
    if status:
        applications = applications.filter(status=status)
    return applications


def moved_away_from(region, application_id) -> FundApplication | None:
    """The application ``application_id`` when it waited in ``region``'s fund and went with its borough to
    another region's (for the old region's coordinator deciding from a page opened before the move)."""
    return (
        FundApplication.objects.filter(pk=application_id, moved_from=region)
        .exclude(region=region)
        .select_related("partnership")
        .first()
    )


def regional_read(*, application, by, request) -> FundApplication:
    """The region opened a partnership's application: written to the partnership's own audit log."""
    record(
        action=AuditAction.REGIONAL_VIEW,
        actor=by,
        target=application,
        detail={"regional_read": "fund application", "region": application.region_id},
        request=request,
    )
    return application


def fund_panel(*, incident, user, partnership) -> dict | None:
    """The incident page's fund panel: its applications and whether this person may apply; None when the
    incident's partnership is in no region (there is no fund)."""
    if incident.partnership.region_id is None or incident.is_exercise:
        return None
    # With its rules, read once for this panel and the region panel (which comes first on the page).
    region = region_of_incident_page(incident, incident.partnership.region_id)
    return {
        "applications": list(FundApplication.objects.filter(incident=incident).order_by("applied_at")),
        "can_apply": access.can_apply_to_fund_now(user, partnership, incident),
        "can_record_spend": access.can_manage_incident(user, partnership)
        and incident.partnership_id == getattr(partnership, "pk", None),
        "region": region,
        "rules": rules_of(region),
    }


def _figures():
    return {
        "applications": Count("id"),
        "requested": Sum("amount_requested"),
        "approved": Sum("amount_approved", filter=~Q(status=FundStatus.DECLINED)),
        "spent": Sum("amount_spent"),
        "declined": Count("id", filter=Q(status=FundStatus.DECLINED)),
    }


def _rows(applications, key: str, labels: dict) -> list[dict]:
    found = {row[key]: row for row in applications.values(key).annotate(**_figures()).order_by()}
    return [
        {"label": label, **{name: found.get(value, {}).get(name) or 0 for name in _figures()}}
        for value, label in labels.items()
        if value in found
    ]


def fund_report(region, *, year: int | None = None) -> dict:
    """The fund's applications and pounds requested, approved and spent by borough, by purpose and by
    outcome: three grouped queries whatever the number of applications."""
    applications = FundApplication.objects.filter(region=region)
    if year:
        applications = applications.filter(applied_at__year=year)
    # Every borough the fund decided for, including one that has since moved away: a grant stays in the
    # report of the fund that made it, so the table adds up to the totals.
    boroughs = dict(
        Partnership.objects.filter(pk__in=applications.values("partnership"))
        .order_by("name")
        .values_list("pk", "name")
    )
    outcomes = {"": "Spend not recorded yet", **dict(FundOutcome.choices)}
    totals = applications.aggregate(**_figures())
    return {
        "by_borough": _rows(applications, "partnership", boroughs),
        "by_purpose": _rows(applications, "purpose", dict(FundPurpose.choices)),
        "by_outcome": _rows(
            applications.exclude(status__in=(FundStatus.DECLINED, FundStatus.WITHDRAWN)), "outcome", outcomes
        ),
        "totals": {name: value or 0 for name, value in totals.items()},
        "rules": rules_of(region),
    }
