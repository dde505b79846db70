"""Official documents: every issued PDF is recorded (title, issuer, SHA-256) and verifiable in public."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import ForeignKey, Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from core import personal
from core.db import UTCDateTime, db, utcnow
from core.money import half_width
from core.pdf import qr_svg_data_uri, render_pdf
from core.views import path_for

from . import services as audit
from .models import AuditEvent

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed by people
CODE_LENGTH = 12


class IssuedDocument(db.Model):
    __tablename__ = "issued_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    doc_type: Mapped[str] = mapped_column(String(40), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    issuer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    target_type: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    target_id: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    # Kept in the database so any app host can serve it (no files on one host's disk); sealed for the kinds that
    # hold secrets (SEALED_DOC_TYPES): read it with document_content().
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))

    issuer = relationship("User")

    @property
    def display_code(self) -> str:
        return display_code(self.code)


def display_code(code: str) -> str:
    """As printed: ABCD-EFGH-JKMN."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """A code as typed from paper to its stored form: spaces and dashes dropped, either case, and a Chinese IME's
    full-width letters and digits ('ａｂｃｄ－２３４５') read as ASCII."""
    return "".join(ch for ch in half_width(text or "").upper() if ch.isascii() and ch.isalnum())


def is_well_formed(code: str) -> bool:
    """Whether a normalised code could have been issued (its length, and only letters and digits of the alphabet)."""
    return len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code)


def public_url(endpoint: str, **values) -> str:
    """A page's address as printed on a document: under the platform's public address, whoever's request issued it."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path_for(endpoint, **values)


def verify_url(code: str) -> str:
    return public_url("documents.verify", code=code)


def issue_document(template: str, *, title: str, doc_type: str, actor, target=None, issued_by=None,
                   **context) -> IssuedDocument:
    """Render an official PDF carrying its verification code and QR code, and record it. The document's issuer (the
    verification page's "issued by") is `actor`, whose action issued it, unless `issued_by` names who issues it in
    office: a signed contract is issued by its purchasing side's officer, whichever party confirmed last (the audit
    event still names the actor)."""
    code = new_code()
    link = verify_url(code)
    verification = {"code": display_code(code), "url": link,
                    "qr": qr_svg_data_uri(link)}
    pdf = render_pdf(template, title=title, verification=verification, **context)
    target_type, target_id = (target.__tablename__, str(target.id)) if target is not None else ("", "")
    document = IssuedDocument(code=code, doc_type=doc_type, title=title,
                              issuer_id=getattr(issued_by or actor, "id", None), sha256=hashlib.sha256(pdf).hexdigest(),
                              size=len(pdf), target_type=target_type, target_id=target_id,
                              content=personal.seal(pdf, SEAL_PURPOSE) if doc_type in SEALED_DOC_TYPES else pdf)
    db.session.add(document)
    db.session.flush()
    audit.record("document.issued", document, actor=actor,
                 data={"code": code, "doc_type": doc_type, "title": title, "sha256": document.sha256,
                       "target": f"{target_type}:{target_id}" if target_type else ""})
    return document


def find_by_code(code: str) -> IssuedDocument | None:
    return db.session.scalar(select(IssuedDocument).where(IssuedDocument.code == normalise_code(code)))


def find_by_sha256(digest: str) -> IssuedDocument | None:
    digest = (digest or "").strip().lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        return None
    return db.session.scalar(select(IssuedDocument).where(IssuedDocument.sha256 == digest))


# The kinds of document that carry secrets: a sheet of printed vouchers holds one-time codes a provider takes for a
# week (vouchers.documents.PRINTED). Their PDF is stored sealed with a key of the app's (core.personal), so the
# database, a dump or a backup holds no usable code (the server otherwise keeps only the codes' keyed hashes); the
# SHA-256 is the PDF's, so /verify matches the printed file as for any other document.
SEALED_DOC_TYPES = {"voucher_print"}
SEAL_PURPOSE = "issued-document-content"


def document_content(document: IssuedDocument) -> bytes:
    """The PDF as issued (a sealed one opened; one stored before sealing began, in clear, as it is)."""
    content = document.content
    if document.doc_type in SEALED_DOC_TYPES and not content.startswith(b"%PDF-"):
        return personal.unseal(content, SEAL_PURPOSE)
    return content


def is_pdf(stream) -> bool:
    """Whether an uploaded file starts like a PDF; the stream is left at its start."""
    head = stream.read(1024)
    stream.seek(0)
    return b"%PDF-" in head  # the header may follow a few bytes of junk, which PDF readers accept


def sha256_of_upload(stream, chunk: int = 65536) -> str:
    digest = hashlib.sha256()
    while block := stream.read(chunk):
        digest.update(block)
    return digest.hexdigest()


# The kinds of document the purchaser (the office, config PURCHASER_NAME) issues, an officer acting for it or the
# platform on its behalf (an award notice, issued when the publicity ends): the verification page names the office as
# their issuer, with the officer. By stored codes, as ENDING_ACTIONS; a package adds its own with .add(doc_type).
PURCHASER_DOC_TYPES = {"call_announcement", "results_announcement", "award_notice", "contract", "contract_closeout"}


# What ends a document's standing after it was issued: the call it announced cancelled or failed, the contract
# terminated. Named by their stored codes, as audit names roles (it sits below the packages recording them); a
# package adds its own with ENDING_ACTIONS.add(code).
ENDING_ACTIONS = {"call.cancelled", "call.failed", "contract.terminated"}


def ended_by(document: IssuedDocument) -> AuditEvent | None:
    """The event, after the document was issued, that ended what it is about (ENDING_ACTIONS), or None."""
    if not document.target_type:
        return None
    return db.session.scalar(
        select(AuditEvent).where(AuditEvent.target_type == document.target_type,
                                 AuditEvent.target_id == document.target_id,
                                 AuditEvent.action.in_(sorted(ENDING_ACTIONS)),
                                 AuditEvent.occurred_at >= document.issued_at)
        .order_by(AuditEvent.seq.desc()).limit(1))


def superseded_by(document: IssuedDocument) -> IssuedDocument | None:
    """The newest document of the same kind about the same thing issued after this one (a results announcement
    issued again after an objection, say), or None: this one is the latest."""
    if not document.target_type:
        return None
    return db.session.scalar(
        select(IssuedDocument).where(IssuedDocument.doc_type == document.doc_type,
                                     IssuedDocument.target_type == document.target_type,
                                     IssuedDocument.target_id == document.target_id,
                                     IssuedDocument.id > document.id)
        .order_by(IssuedDocument.id.desc()).limit(1))


@dataclass(frozen=True)
class Standing:
    """What became of a document since it was issued, as the verification page says it: the event that ended what
    it is about (ended_by) and the newer document of its kind that replaced it (superseded_by); both None: it stands."""

    ended: AuditEvent | None = None
    newer: IssuedDocument | None = None

    def __bool__(self) -> bool:
        return self.ended is not None or self.newer is not None


def standing(document: IssuedDocument) -> Standing:
    """The one answer about a document's standing, for its code's page and for a file or hash that matches it."""
    return Standing(ended_by(document), superseded_by(document))
