"""audit sits below accounts (DESIGN.md section 3), so roles are named by their stored values here."""

from core.permissions import has_role

AUDIT_READERS = ("admin", "auditor")


def can_view_audit_log(user) -> bool:
    """Administrators and auditors read the whole trail; everyone may read the head."""
    return has_role(user, *AUDIT_READERS)


def can_issue_head_certificate(user) -> bool:
    return has_role(user, *AUDIT_READERS)


def can_download_document(user, document) -> bool:
    """The issued file itself: its issuer, administrators and auditors (the public page shows the record)."""
    return has_role(user, *AUDIT_READERS) or (user.is_authenticated and document.issuer_id == user.id)
