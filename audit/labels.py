"""Action codes are stored; their labels are translated only when shown (DESIGN.md rule 10).

Packages add their own codes with ACTION_LABELS.update({...}) in their enums or labels module.
"""

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "auth.login": _l("Logged in"),
    "auth.logout": _l("Logged out"),
    "auth.login_failed": _l("Failed login"),
    "user.created": _l("User created"),
    "user.updated": _l("User details changed"),
    "user.roles_changed": _l("Roles changed"),
    "user.communities_changed": _l("Communities served changed"),
    "user.deactivated": _l("User deactivated"),
    "user.reactivated": _l("User reactivated"),
    "user.password_changed": _l("Password changed"),
    "user.password_reset": _l("Password reset by an administrator"),
    "token.created": _l("API token created"),
    "token.revoked": _l("API token revoked"),
    "document.issued": _l("Official document issued"),
    "calendar.day_set": _l("Working-day calendar changed"),
}


def action_label(code: str) -> str:
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code
