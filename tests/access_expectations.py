"""Who may GET each page: status by URL name and role (the access-matrix and accessibility walks use it)."""

ROLES = ["anonymous", "coordinator", "responder", "police", "health", "viewer"]
SIGNED_IN = ROLES[1:]

EVERYONE_200 = dict.fromkeys(ROLES, 200)
SIGNED_IN_200 = {"anonymous": 302, **dict.fromkeys(SIGNED_IN, 200)}
POST_ONLY_SIGNED_IN = {"anonymous": 302, **dict.fromkeys(SIGNED_IN, 405)}
COORDINATOR_ONLY = {"anonymous": 302, "coordinator": 200, **dict.fromkeys(SIGNED_IN[1:], 403)}
COORDINATOR_ONLY_POST = {**COORDINATOR_ONLY, "coordinator": 405}

# GET status by URL name and role.
EXPECTED = {
    "core:home": SIGNED_IN_200,
    "core:accessibility": EVERYONE_200,
    "core:privacy": EVERYONE_200,
    "core:cookies": EVERYONE_200,
    "core:healthz": EVERYONE_200,
    "accounts:login": EVERYONE_200,
    "accounts:logout": POST_ONLY_SIGNED_IN,
    "accounts:password_reset": EVERYONE_200,
    "accounts:password_reset_done": EVERYONE_200,
    "accounts:password_reset_confirm": EVERYONE_200,
    "accounts:password_reset_complete": EVERYONE_200,
    "accounts:account": SIGNED_IN_200,
    "accounts:password_change": SIGNED_IN_200,
    "accounts:password_change_done": SIGNED_IN_200,
    "accounts:two_factor_setup": SIGNED_IN_200,
    "accounts:two_factor_verify": SIGNED_IN_200,
    "accounts:two_factor_remove": POST_ONLY_SIGNED_IN,
    "accounts:switch_partnership": POST_ONLY_SIGNED_IN,
    "accounts:accept_invitation": EVERYONE_200,
    "accounts:members": COORDINATOR_ONLY,
    "accounts:invite": COORDINATOR_ONLY,
    "accounts:revoke_invitation": COORDINATOR_ONLY_POST,
    "accounts:member_edit": COORDINATOR_ONLY,
    "accounts:member_remove": COORDINATOR_ONLY,
    "accounts:partnership_security": COORDINATOR_ONLY,
    "partnerships:organisations": SIGNED_IN_200,
    "audit:log": COORDINATOR_ONLY,
}
