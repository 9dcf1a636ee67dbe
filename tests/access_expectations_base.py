"""Roles and the usual patterns of who may GET a page, shared by every app's expectations."""

# The regional roles (staff of the demo region over Northbridge, with no partnership membership) come last.
ROLES = [
    "anonymous",
    "coordinator",
    "responder",
    "police",
    "health",
    "viewer",
    "regional_coordinator",
    "regional_viewer",
]
REGIONAL_ROLES = ROLES[-2:]
SIGNED_IN = ROLES[1:]
# The shapes below are for the partnership's roles; tests/access_expectations.py gives each page its
# regional roles' statuses (refused, unless the page says otherwise).
MEMBERS = ROLES[1:6]

EVERYONE_200 = dict.fromkeys(ROLES, 200)
SIGNED_IN_200 = {"anonymous": 302, **dict.fromkeys(MEMBERS, 200)}
POST_ONLY_SIGNED_IN = {"anonymous": 302, **dict.fromkeys(MEMBERS, 405)}
COORDINATOR_ONLY = {"anonymous": 302, "coordinator": 200, **dict.fromkeys(MEMBERS[1:], 403)}
COORDINATOR_ONLY_POST = {**COORDINATOR_ONLY, "coordinator": 405}
COORDINATOR_AND_RESPONDER = {
    "anonymous": 302,
    "coordinator": 200,
    "responder": 200,
    **dict.fromkeys(MEMBERS[2:], 403),
}
