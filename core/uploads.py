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
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

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


def store_upload(upload, *, allowed: frozenset[str] = DOCUMENT_TYPES, actor=None, field: str = "file") -> StoredFile:
    """Validate and store a Werkzeug FileStorage; raises ServiceError (with the field's name) when refused."""
    if upload is None or not getattr(upload, "filename", ""):
        raise ServiceError(_("Please choose a file."), fields={field: _("Please choose a file.")})
    cap = current_app.config["MAX_CONTENT_LENGTH"]
    data = upload.read(cap + 1)
    if len(data) > cap:
        raise ServiceError(_("The file is too large."), fields={field: _("The file is too large.")})
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
