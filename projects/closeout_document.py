"""The close-out account (项目决算, contract_closeout) as an official PDF (templates/projects/closeout_pdf.html):
the figures its page shows, issued by an officer and recorded with its verification code and QR code through
audit.documents.issue_document, as the other official documents are.

An ended contract's account still changes after it is first issued: each return of the unspent balance recorded by
an officer adds a row and lowers what is still to be returned. So the account is issued in versions (第 N 版, N
counting the close-out PDFs issued for the contract): issued again once it would print differently, a new version is
issued and the earlier stays verifiable, its verification page naming the newer (audit.documents.superseded_by, as
for a contract changed after signing); asked again while it would print the same, the version already issued is the
answer (each click issued a new document with a new code for one unchanged account, as settlement statements found:
vouchers.documents.issue_statement). What it would print is a digest of the document without its version, date,
issuer and verification block, kept in the issuance's audit event (no column of the contract changes, so no
migration).

Who may issue: officers (can_manage_calls). Who may download: the organisation's members and officers
(can_download_contract), and, as for every restricted document, its issuer, administrators and auditors
(audit.permissions). Services flush; callers commit."""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from audit import services as audit
from audit.data_labels import DOC_TYPE_LABELS, KEY_LABELS
from audit.documents import IssuedDocument, issue_document
from audit.labels import ACTION_LABELS
from audit.models import AuditEvent
from audit.permissions import allow_download
from core.db import db, lock_row, utcnow
from core.errors import Forbidden
from core.money import fen_in_capitals
from core.pdf import official_language

from .contract_closeout import CloseoutAccount, closeout_account
from .contract_models import Contract
from .contract_report_models import FeeKind, ReceiptStatus
from .permissions import can_download_contract, can_manage_calls

DOC_TYPE = "contract_closeout"
TEMPLATE = "projects/closeout_pdf.html"
ISSUED = "contract.closeout_issued"
TITLE_MAX = 200  # issued_documents.title
allow_download(DOC_TYPE, Contract, can_download_contract)
ACTION_LABELS.update({ISSUED: _l("Close-out account issued (PDF)")})
DOC_TYPE_LABELS.update({DOC_TYPE: lazy_pgettext("document kind", "Close-out account")})
KEY_LABELS.update({"figures": lazy_pgettext("audit data key", "Digest of the figures")})


@dataclass(frozen=True)
class IssuedVersion:
    """One issued close-out PDF of a contract: its version (from 1, in the order issued) and whether it is the
    latest, the one that states the account in force."""

    number: int
    document: IssuedDocument
    current: bool


@dataclass(frozen=True)
class Issued:
    version: IssuedVersion
    new: bool  # False: the account prints as the current version does, which is the answer


def issued_versions(contract: Contract) -> list[IssuedVersion]:
    """The contract's close-out PDFs, newest first (one query; the files themselves are not read)."""
    found = list(db.session.scalars(
        select(IssuedDocument)
        .where(IssuedDocument.doc_type == DOC_TYPE, IssuedDocument.target_type == Contract.__tablename__,
               IssuedDocument.target_id == str(contract.id))
        .options(selectinload(IssuedDocument.issuer))
        .order_by(IssuedDocument.id)))
    return [IssuedVersion(n, d, n == len(found)) for n, d in enumerate(found, start=1)][::-1]


def pdf_context(account: CloseoutAccount, *, version: int | None, issued_at: datetime | None, issuer) -> dict:
    """What the template reads beside its title and verification block. version, issued_at and issuer are None when
    the document is rendered for its digest (what it prints of the account alone)."""
    contract = account.contract
    return {"contract": contract, "account": account, "items": {a.line.id: a.line.item for a in account.lines},
            "amount_capitals": fen_in_capitals(account.amount_fen), "fee_kinds": list(FeeKind),
            "receipt_statuses": list(ReceiptStatus), "version": version, "issued_at": issued_at, "issuer": issuer}


def figures_digest(account: CloseoutAccount) -> str:
    """A digest of the document as it would print the account now, without its version, date, issuer and
    verification block (each new with every issue)."""
    with official_language():
        page = render_template(TEMPLATE, title="", verification=None,
                               **pdf_context(account, version=None, issued_at=None, issuer=None))
    return hashlib.sha256(page.encode()).hexdigest()


def _last_issue(contract: Contract) -> AuditEvent | None:
    return db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.target_type == Contract.__tablename__, AuditEvent.target_id == str(contract.id),
               AuditEvent.action == ISSUED)
        .order_by(AuditEvent.seq.desc()).limit(1))


def prints_as_current(contract: Contract, versions: list[IssuedVersion], digest: str) -> bool:
    """Whether the current version prints the account whose figures_digest is `digest` (False when none was
    issued)."""
    if not versions:
        return False
    event = _last_issue(contract)
    data = audit.decoded_data(event) if event else {}
    return data.get("code") == versions[0].document.code and data.get("figures") == digest


def document_title(contract: Contract, version: int) -> str:
    """项目决算：<contract>（第 N 版）, the contract's title shortened to fit the record's title."""
    prefix, suffix = "项目决算：", f"（第 {version} 版）"
    room = TITLE_MAX - len(prefix) - len(suffix)
    name = contract.title if len(contract.title) <= room else contract.title[:room - 1] + "…"
    return f"{prefix}{name}{suffix}"


def issue_closeout(contract: Contract, *, actor) -> Issued:
    """An officer issues the close-out account of an ended contract as an official PDF. Refused: someone not an
    officer (403); a contract not completed or terminated (409, closeout_account). Nothing changes when refused, nor
    when the account prints as the current version does (that version is the answer)."""
    if not can_manage_calls(actor):
        raise Forbidden(_("You do not have permission to do this."))
    lock_row(contract, "status", "paid_fen")  # two officers at once: the second sees the first's version
    account = closeout_account(contract)
    versions = issued_versions(contract)
    digest = figures_digest(account)
    if prints_as_current(contract, versions, digest):
        return Issued(versions[0], new=False)
    number = len(versions) + 1
    issued_at = utcnow()
    with official_language():  # (the figures' labels, put together before the rendering, are Chinese)
        context = pdf_context(account, version=number, issued_at=issued_at, issuer=actor)
        document = issue_document(TEMPLATE, title=document_title(contract, number), doc_type=DOC_TYPE,
                                  actor=actor, target=contract, **context)
    audit.record(ISSUED, contract, actor=actor,
                 data={"code": document.code, "version": number, "sha256": document.sha256, "figures": digest,
                       "balance_fen": account.to_return_fen, "outstanding_fen": account.outstanding_fen,
                       "returns": len(account.returns)})
    return Issued(IssuedVersion(number, document, True), new=True)
