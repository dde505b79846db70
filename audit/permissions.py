"""audit sits below accounts (DESIGN.md section 3), so roles are named by their stored values here."""

from collections.abc import Callable

from core.db import db
from core.permissions import has_role

from .labels import PUBLIC_PAGES

AUDIT_READERS = ("admin", "auditor")
# doc_type -> (the model of the documents' target, can(user, target)): who else may download them. A package
# above audit registers its rule beside the code issuing the document (audit cannot import it).
DOWNLOAD_RULES: dict[str, tuple[type, Callable[[object, object], bool]]] = {}
# The kinds of document published to everyone, which anyone may download without logging in while what they are
# about is public now (its public page, audit.labels.PUBLIC_PAGES, answers an anonymous visitor): a call's
# announcement (采购公告) and its results announcement (结果公示: organisations, scores and amounts, as the call's
# public page shows them). Everything else stays with its parties: the award notice (中标通知书, a letter to the
# winner; what it states is on the results announcement), contracts, evaluation reports and scoring summaries
# (evaluators' names and scores), settlement statements (residents' redemptions), printed vouchers (a resident's),
# and certificates of the chain's head.
PUBLIC_DOC_TYPES = frozenset({"call_announcement", "results_announcement"})


def can_view_audit_log(user) -> bool:
    """Administrators and auditors read the whole trail; everyone may read the head."""
    return has_role(user, *AUDIT_READERS)


def can_issue_head_certificate(user) -> bool:
    return has_role(user, *AUDIT_READERS)


def allow_download(doc_type: str, model: type, can: Callable[[object, object], bool]) -> None:
    """Documents of doc_type may also be downloaded by whoever can(user, target) allows."""
    DOWNLOAD_RULES[doc_type] = (model, can)


def is_public_document(document) -> bool:
    """A document of a public kind (PUBLIC_DOC_TYPES) about something public now (a call's announcement or results
    while the call's page is public, not a draft's); anyone may download it."""
    page = PUBLIC_PAGES.get(document.target_type or "")
    text = str(document.target_id or "")
    if document.doc_type not in PUBLIC_DOC_TYPES or page is None or not (text.isascii() and text.isdigit()):
        return False
    return len(text) <= 18 and page.public_id(int(text)) is not None


def can_download_document(user, document) -> bool:
    """The issued file itself: anyone when it is a public document (is_public_document), else as
    can_download_restricted."""
    return is_public_document(document) or can_download_restricted(user, document)


def can_download_restricted(user, document) -> bool:
    """The issued file for its parties: its issuer, administrators and auditors, and those its subject's package
    allows (a settlement statement's provider, a contract's parties...). The public page shows the record to anyone;
    the verification page names the issuer in full to these."""
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
