"""Roles and the usual patterns of who may GET a page, shared by every app's expectations."""

ROLES = ["anonymous", "coordinator", "responder", "police", "health", "viewer"]
SIGNED_IN = ROLES[1:]

EVERYONE_200 = dict.fromkeys(ROLES, 200)
SIGNED_IN_200 = {"anonymous": 302, **dict.fromkeys(SIGNED_IN, 200)}
POST_ONLY_SIGNED_IN = {"anonymous": 302, **dict.fromkeys(SIGNED_IN, 405)}
COORDINATOR_ONLY = {"anonymous": 302, "coordinator": 200, **dict.fromkeys(SIGNED_IN[1:], 403)}
COORDINATOR_ONLY_POST = {**COORDINATOR_ONLY, "coordinator": 405}
COORDINATOR_AND_RESPONDER = {
    "anonymous": 302,
    "coordinator": 200,
    "responder": 200,
    **dict.fromkeys(["police", "health", "viewer"], 403),
}
