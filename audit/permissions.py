"""audit sits below accounts (DESIGN.md section 3), so roles are named by their stored values here."""

from collections.abc import Callable

from core.db import db
from core.permissions import has_role

AUDIT_READERS = ("admin", "auditor")
# doc_type -> (the model of the documents' target, can(user, target)): who else may download them. A package
# above audit registers its rule beside the code issuing the document (audit cannot import it).
DOWNLOAD_RULES: dict[str, tuple[type, Callable[[object, object], bool]]] = {}


def can_view_audit_log(user) -> bool:
    """Administrators and auditors read the whole trail; everyone may read the head."""
    return has_role(user, *AUDIT_READERS)


def can_issue_head_certificate(user) -> bool:
    return has_role(user, *AUDIT_READERS)


def allow_download(doc_type: str, model: type, can: Callable[[object, object], bool]) -> None:
    """Documents of doc_type may also be downloaded by whoever can(user, target) allows."""
    DOWNLOAD_RULES[doc_type] = (model, can)


def can_download_document(user, document) -> bool:
    """The issued file itself: its issuer, administrators and auditors, and those its subject's package allows
    (a settlement statement's provider, a contract's parties...). The public page shows the record to anyone."""
    if not getattr(user, "is_authenticated", False):
        return False
    if has_role(user, *AUDIT_READERS) or document.issuer_id == user.id:
        return True
    rule = DOWNLOAD_RULES.get(document.doc_type)
    if rule is None or document.target_type != rule[0].__tablename__:
        return False
    try:
        target = db.session.get(rule[0], int(document.target_id))
    except ValueError:
        return False
    return target is not None and bool(rule[1](user, target))
