"""Who may GET each regional page, and the objects their URLs name; and the regional roles' statuses on every
other page of the project (they hold no partnership membership, so a partnership's pages refuse them)."""

from tests.access_expectations_base import COORDINATOR_ONLY, MEMBERS, REGIONAL_ROLES
from tests.regions.builders import proposal

REGIONAL_STAFF = {"anonymous": 302, **dict.fromkeys(MEMBERS, 403), **dict.fromkeys(REGIONAL_ROLES, 200)}
# POST-only pages of an incident's response team: the rule is checked before the method.
RESPONSE_TEAM_POST = {
    "anonymous": 302,
    "coordinator": 405,
    "responder": 405,
    **dict.fromkeys(["police", "health", "viewer", *REGIONAL_ROLES], 403),
}

EXPECTED = {
    "regions:board": REGIONAL_STAFF,
    "regions:incident": REGIONAL_STAFF,
    "regions:propose_share": {**REGIONAL_STAFF, "regional_viewer": 403},
    "regions:sharing": {**COORDINATOR_ONLY, **dict.fromkeys(REGIONAL_ROLES, 403)},
    "regions:share_with_region": RESPONSE_TEAM_POST,
    "regions:stop_sharing_with_region": RESPONSE_TEAM_POST,
    # Accepting asks the lawful basis on a page of its own; declining is a POST from the incident page.
    "regions:decide_proposal": {**RESPONSE_TEAM_POST, "coordinator": 200, "responder": 200},
}

# Regional staff on the rest of the project: refused (403), but for the pages any signed-in person has
# (their account, the statements, the links that come in messages), which answer them as anyone.
ELSEWHERE_DEFAULT = 403
ELSEWHERE = {
    **dict.fromkeys(
        [
            "accounts:accept_invitation",
            "accounts:account",
            "accounts:backup_codes",
            "accounts:contact_preferences",
            "accounts:login",
            "accounts:password_change",
            "accounts:password_change_done",
            "accounts:password_reset",
            "accounts:password_reset_complete",
            "accounts:password_reset_confirm",
            "accounts:password_reset_done",
            "accounts:sso_refused",
            "accounts:two_factor_setup",
            "accounts:two_factor_verify",
            "alerts:acknowledge",
            "api:docs",
            "api:tokens",
            "core:accessibility",
            "core:cookies",
            "core:healthz",
            "core:home",
            "core:privacy",
            "incidents:acknowledge",
            "recovery:feed",
        ],
        200,
    ),
    **dict.fromkeys(
        [
            "accounts:logout",
            "accounts:switch_partnership",
            "accounts:two_factor_remove",
            "api:token_revoke",
            "recovery:feed_issue",
            "recovery:feed_revoke",
        ],
        405,
    ),
    "accounts:sso_callback": 302,
    "accounts:sso_start": 404,
}


def url_kwargs(demo, demo_users):
    proposed = proposal(demo, demo_users)
    region = {"region_slug": demo.region.slug}
    by_incident = {"incident_id": proposed.incident_id}
    return {
        "regions:board": region,
        "regions:incident": {**region, **by_incident},
        "regions:propose_share": {**region, **by_incident},
        "regions:share_with_region": by_incident,
        "regions:stop_sharing_with_region": by_incident,
        "regions:decide_proposal": {**by_incident, "proposal_id": proposed.pk},
    }
