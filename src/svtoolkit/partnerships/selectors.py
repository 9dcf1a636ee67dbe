"""Reading partnerships and their organisations."""

from django.db.models import Count, Q, QuerySet

from svtoolkit.partnerships.models import Organisation


def organisations_of(partnership) -> QuerySet[Organisation]:
    return partnership.organisations.filter(is_active=True).annotate(
        member_count=Count("memberships", filter=Q(memberships__partnership=partnership))
    )
