"""Who may do what with accounts. Each predicate takes the acting user and, where there is one, the object."""

from core.permissions import has_role

from .enums import Role


def can_manage_users(user) -> bool:
    return has_role(user, Role.ADMIN)


def can_edit_user(user, target) -> bool:
    return can_manage_users(user)


def can_deactivate_user(user, target) -> bool:
    return can_manage_users(user) and target.id != user.id


def can_revoke_token(user, token) -> bool:
    """Owners revoke their own tokens; administrators any."""
    return user.is_authenticated and (token.user_id == user.id or has_role(user, Role.ADMIN))

