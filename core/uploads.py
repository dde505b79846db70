"""Uploads: size cap, type checked by content (never by name), stored under a generated id with its SHA-256.

Files are kept in the database so that any app host can serve them (DESIGN.md section 7); the original name
is kept only for display and sanitised when offered for download.
"""

import hashlib
import io
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import ForeignKey, Integer, LargeBinary, String, delete, select, update
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from .db import UTCDateTime, db, utcnow
from .errors import ServiceError

PDF, PNG, JPEG, DOCX, XLSX, PPTX, DOC = (
    "application/pdf", "image/png", "image/jpeg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/msword",
)
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg", DOCX: "docx", XLSX: "xlsx", PPTX: "pptx", DOC: "doc"}
DOCUMENT_TYPES = frozenset(EXTENSIONS)
MAX_NAME = 255  # the width of StoredFile.original_name
MAX_EXTENSION = 16  # longer than this after the last dot: not an extension, just part of the name


class StoredFile(db.Model):
    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(32), nullable=False, unique=True, default=lambda: uuid.uuid4().hex)
    original_name: Mapped[str] = mapped_column(String(MAX_NAME), nullable=False)
    content_type: Mapped[str] = mapped_column(String(120), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))

    @property
    def download_name(self) -> str:
        return safe_filename(self.original_name, EXTENSIONS.get(self.content_type, "bin"))


def sniff_type(data: bytes) -> str | None:
    """The real type of a file from its first bytes (and, for Office files, the ZIP's contents)."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return DOC
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" not in names:
            return None
        for prefix, kind in (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX)):
            if any(n.startswith(prefix) for n in names):
                return kind
    return None


def safe_filename(name: str, extension: str) -> str:
    """Keep letters (Chinese included), digits, '-', '_' and '.'; drop paths, controls and quotes."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = re.sub(r"[^\w\-. ]+", "_", name.rsplit(".", 1)[0], flags=re.UNICODE).strip(" ._") or "file"
    return f"{stem[:80].rstrip(' ._') or 'file'}.{extension}"


def original_name(name: str) -> str:
    """The name as sent, shortened to fit its column (a file name is not the user's prose: shortened, not refused)
    at the end of its stem, so that it keeps its extension. Python counts characters, as PostgreSQL's
    varchar does, so a Chinese character is never cut in half."""
    name = name or "file"
    if len(name) <= MAX_NAME:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > MAX_EXTENSION:
        return name[:MAX_NAME]
    return f"{stem[:MAX_NAME - len(extension) - 1]}.{extension}"


def size_text(size: int) -> str:
    """A file's size as people read it: 1.5 MB, 20 MB, 12 KB."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    return f"{max(1, -(-size // 1024))} KB"


def store_upload(upload, *, allowed: frozenset[str] = DOCUMENT_TYPES, actor=None, field: str = "file") -> StoredFile:
    """Validate and store a Werkzeug FileStorage; raises ServiceError (with the field's name) when refused. A file
    kept from a refused attempt (KeptUpload) is not stored again: it is used, once."""
    if isinstance(upload, KeptUpload):
        return use_kept(upload, actor=actor, allowed=allowed, field=field)
    if upload is None or not getattr(upload, "filename", ""):
        raise ServiceError(_("Please choose a file."), fields={field: _("Please choose a file.")})
    cap = current_app.config["MAX_UPLOAD_BYTES"]
    if getattr(upload, "stream", None) is not None and upload.stream.seekable():
        upload.stream.seek(0)  # (read once by a refused attempt, then kept for the next)
    data = upload.read(cap + 1)
    if len(data) > cap:
        message = _("The file is too large: at most %(size)s.", size=size_text(cap))
        raise ServiceError(message, fields={field: message})
    if not data:
        raise ServiceError(_("The file is empty."), fields={field: _("The file is empty.")})
    kind = sniff_type(data)
    if kind not in allowed:
        message = _("This type of file is not accepted. Upload a PDF, an image (PNG, JPEG) or an Office document.")
        raise ServiceError(message, fields={field: message})
    stored = StoredFile(original_name=original_name(upload.filename), content_type=kind, size=len(data),
                        sha256=hashlib.sha256(data).hexdigest(), content=data,
                        uploaded_by_id=getattr(actor, "id", None))
    db.session.add(stored)
    db.session.flush()
    return stored


# --- Files kept across a refused form -----------------------------------------------------------------------------
# A browser never fills a file input again: refused for another field, the page came back without the file, and a
# treasurer on a phone sent the expense again without its receipt. So the chosen file is validated and kept as a
# pending upload of the user's, for a day, and the page carries a signed reference to it in a hidden field; the next
# attempt uses it unless another file is chosen. A reference is refused, changing nothing, when it is not one we
# signed, another user's, for another form, expired or already used.

KEEP_FOR = timedelta(days=1)
MAX_KEPT = 20  # references read from one field (a page never offers more)
PURGE_BATCH = 50  # expired pending uploads removed each time one is kept
_SALT = "gongzhi.pending-upload"


class PendingUpload(db.Model):
    __tablename__ = "pending_uploads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(32), nullable=False, unique=True, default=lambda: uuid.uuid4().hex)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id", ondelete="CASCADE"), nullable=False)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    purpose: Mapped[str] = mapped_column(String(120), nullable=False)  # the form's endpoint and field
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    file: Mapped[StoredFile] = relationship(lazy="joined")


@dataclass(frozen=True)
class KeptFile:
    """A kept file as its form shows it: the signed reference for the hidden field, the name and size beside the
    file input."""

    reference: str
    name: str
    size: int

    @property
    def size_text(self) -> str:
        return size_text(self.size)


class KeptUpload:
    """A pending upload resolved from its reference, handed to a service in place of a Werkzeug FileStorage:
    store_upload() then uses the kept file (once) instead of storing a new one."""

    def __init__(self, pending: PendingUpload):
        self.pending = pending
        self.filename = pending.file.original_name


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SALT)


def sign_reference(pending: PendingUpload) -> str:
    return _serializer().dumps(pending.key)


def keep_upload(upload, *, owner, purpose: str, allowed: frozenset[str] = DOCUMENT_TYPES, field: str = "file",
                now: datetime | None = None) -> PendingUpload:
    """Validate and store a chosen file as the owner's pending upload (store_upload's checks; ServiceError when
    refused). Flushes; the caller commits."""
    now = now or utcnow()
    purge_expired_uploads(now=now, limit=PURGE_BATCH)
    stored = store_upload(upload, allowed=allowed, actor=owner, field=field)
    pending = PendingUpload(file=stored, owner_id=owner.id, purpose=purpose, expires_at=now + KEEP_FOR)
    db.session.add(pending)
    db.session.flush()
    return pending


def _refused(field: str, message: str) -> ServiceError:
    return ServiceError(message, fields={field: message})


def resolve_reference(reference: str, *, owner, purpose: str, field: str = "file",
                      now: datetime | None = None) -> PendingUpload:
    """The pending upload a reference names, if this owner may still use it on this form; else ServiceError (with
    the field's name) saying why. Changes nothing."""
    try:
        key = _serializer().loads(reference or "")
    except BadData:
        key = None
    pending = db.session.scalar(select(PendingUpload).where(PendingUpload.key == key)) if isinstance(key, str) else None
    if pending is None or pending.purpose != purpose:
        raise _refused(field, _("The file kept from your last attempt could not be found. Please choose the file "
                                "again."))
    if pending.owner_id != getattr(owner, "id", None):
        raise _refused(field, _("This kept file was chosen by another user. Please choose your own file."))
    if pending.used_at is not None:
        raise _refused(field, _("This kept file has already been used. Please choose the file again."))
    if pending.expires_at <= (now or utcnow()):
        raise _refused(field, _("The kept file has expired (files are kept for a day). Please choose the file "
                                "again."))
    return pending


def use_kept(kept: KeptUpload, *, actor, allowed: frozenset[str], field: str,
             now: datetime | None = None) -> StoredFile:
    """The kept file, marked used in the caller's transaction (one guarded statement: two attempts at once cannot
    both use it)."""
    pending, now = kept.pending, now or utcnow()
    if pending.owner_id != getattr(actor, "id", None):
        raise _refused(field, _("This kept file was chosen by another user. Please choose your own file."))
    if pending.file.content_type not in allowed:
        message = _("This type of file is not accepted. Upload a PDF, an image (PNG, JPEG) or an Office document.")
        raise _refused(field, message)
    used = db.session.execute(update(PendingUpload).where(
        PendingUpload.id == pending.id, PendingUpload.used_at.is_(None), PendingUpload.expires_at > now)
        .values(used_at=now))
    if used.rowcount != 1:
        raise _refused(field, _("This kept file has already been used. Please choose the file again."))
    return pending.file


def discard_kept(references: list[str], *, owner, purpose: str) -> int:
    """Discard the owner's unused pending uploads that these references name, each with its file (the user chose to
    send the form without them), so that none can be used again. A reference not signed by us, another user's, for
    another form or already used is passed over: it changes nothing. Returns how many went. Flushes; the caller
    commits."""
    keys = []
    for reference in references:
        try:
            key = _serializer().loads(reference or "")
        except BadData:
            continue
        if isinstance(key, str):
            keys.append(key)
    if not keys:
        return 0
    # One guarded statement (as use_kept's): a pending upload used at the same moment is not deleted, nor its file.
    files = db.session.scalars(delete(PendingUpload).where(
        PendingUpload.key.in_(keys), PendingUpload.owner_id == getattr(owner, "id", None),
        PendingUpload.purpose == purpose, PendingUpload.used_at.is_(None))
        .returning(PendingUpload.file_id).execution_options(synchronize_session=False)).all()
    if files:
        db.session.execute(delete(StoredFile).where(StoredFile.id.in_(files)))
    db.session.flush()
    return len(files)


def purge_expired_uploads(*, now: datetime | None = None, limit: int | None = None) -> int:
    """Remove expired pending uploads: an unused one with its file (nothing else refers to it), a used one alone
    (its file now belongs to what used it). Returns how many went. Flushes; the caller commits."""
    query = select(PendingUpload.id, PendingUpload.file_id, PendingUpload.used_at).where(
        PendingUpload.expires_at <= (now or utcnow())).order_by(PendingUpload.id)
    rows = db.session.execute(query.limit(limit) if limit else query).all()
    if rows:
        db.session.execute(delete(PendingUpload).where(PendingUpload.id.in_([r.id for r in rows])))
        unused = [r.file_id for r in rows if r.used_at is None]
        if unused:
            db.session.execute(delete(StoredFile).where(StoredFile.id.in_(unused)))
        db.session.flush()
    return len(rows)


class ChosenFiles:
    """One file field of a posted form: the files chosen now, else those kept from a refused attempt (their signed
    references in the hidden field `<name>_kept`) unless the user removed them (the checkbox `<name>_drop` beside
    them: the form is sent without a file, the kept ones discarded). upload() is what the service gets; after a
    refusal, keep() keeps what was chosen for the page shown again (its `kept`)."""

    def __init__(self, name: str, *, allowed: frozenset[str] = DOCUMENT_TYPES, many: bool = False,
                 field: str | None = None):
        self.name, self.allowed, self.many = name, allowed, many
        self.field = field or name  # the service's name for the field (its refusals name it so)
        self.kept: list[KeptFile] = []

    @property
    def purpose(self) -> str:
        return f"{request.endpoint}:{self.name}"

    def chosen(self) -> list:
        return [f for f in request.files.getlist(self.name) if f and f.filename]

    def references(self) -> list[str]:
        return [r for r in request.form.getlist(f"{self.name}_kept") if r][:MAX_KEPT]

    def dropped(self) -> bool:
        """The user removed the kept file(s): the form goes without them (a required file is then refused as
        missing)."""
        return bool(request.form.get(f"{self.name}_drop"))

    def discard(self) -> bool:
        """Discard the kept files the user removed (flushed, in the caller's transaction); whether they were."""
        if not self.dropped():
            return False
        discard_kept(self.references(), owner=current_user, purpose=self.purpose)
        return True

    def upload(self):
        """The chosen file (a list when many), else the kept one(s) unless removed, else None (an empty list);
        ServiceError, with nothing changed, when a kept reference is refused."""
        removed = self.discard()
        files = self.chosen() or ([] if removed else [
            KeptUpload(resolve_reference(r, owner=current_user, purpose=self.purpose, field=self.field))
            for r in self.references()])
        return files if self.many else (files[0] if files else None)

    def keep(self, refusal: ServiceError) -> list[KeptFile]:
        """After a refusal (its transaction rolled back): keep the chosen files, committed, or carry the kept ones
        forward. A file that cannot be kept has its reason beside the field (added to the refusal)."""
        kept, reasons = [], []
        chosen, removed = self.chosen(), self.discard()  # (discarded again: the refusal rolled the first back)
        for item in chosen or ([] if removed else self.references()):
            try:
                pending = (keep_upload(item, owner=current_user, purpose=self.purpose, allowed=self.allowed,
                                       field=self.field) if chosen else
                           resolve_reference(item, owner=current_user, purpose=self.purpose, field=self.field))
            except ServiceError as exc:
                reasons.append(str(exc.fields.get(self.field, exc.message)))
                continue
            kept.append(KeptFile(sign_reference(pending), pending.file.original_name, pending.file.size))
        if chosen or removed:
            db.session.commit()
        already = refusal.fields.get(self.field)
        already = [str(m) for m in (already if isinstance(already, list | tuple) else [already] if already else [])]
        reasons = [r for r in dict.fromkeys(reasons) if r not in already]
        if reasons:
            refusal.fields[self.field] = " ".join([*already, *reasons])
        self.kept = kept
        return kept


class ChosenFileInputs:
    """Several file inputs of one form (ChosenFiles, many=True) read as request.files is, by getlist(name): each
    gives the files chosen now, else those kept. For a form reader written against request.files."""

    def __init__(self, inputs: list[ChosenFiles]):
        self.inputs = {chosen.name: chosen for chosen in inputs}

    def getlist(self, name: str) -> list:
        chosen = self.inputs.get(name)
        return request.files.getlist(name) if chosen is None else chosen.upload()

    def keep(self, refusal: ServiceError) -> dict[str, list[KeptFile]]:
        return {name: chosen.keep(refusal) for name, chosen in self.inputs.items()}
