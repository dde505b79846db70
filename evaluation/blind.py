"""Blind review: hide who applied. Names are redacted from what evaluators read, and officers are warned when
an attachment's own text names the applicant (which redaction on the page cannot fix)."""

import io
import re
import zipfile
from dataclasses import dataclass

from pypdf import PdfReader

from core.uploads import DOCX, PDF, PPTX, XLSX
from projects.models import Proposal

MASK = "■■"


def identifying_terms(proposal: Proposal) -> list[str]:
    org = proposal.org
    terms = {org.name, org.legal_representative, org.contact_name, org.uscc or "", org.filing_number or "",
             org.contact_phone, org.contact_email, org.address}
    terms |= {member.get("name", "") for member in proposal.team}
    terms |= {m.user.display_name for m in org.memberships}
    # Longest first, so that a full name is masked before any part of it.
    return sorted((t.strip() for t in terms if t and len(t.strip()) >= 2), key=len, reverse=True)


def redact(text: str, terms: list[str], mask: str = MASK) -> str:
    for term in terms:
        text = text.replace(term, mask)
    return text


MAX_CHECKED_BYTES = 5 * 1024 * 1024
MAX_UNZIPPED_BYTES = 20 * 1024 * 1024


def file_text(content: bytes, content_type: str) -> str:
    """Text of a PDF or an Office (OOXML) file, for the identity check; empty when it cannot be read."""
    if len(content) > MAX_CHECKED_BYTES:
        return ""
    try:
        if content_type == PDF:
            reader = PdfReader(io.BytesIO(content))
            info = reader.metadata or {}
            # The author, creator and title fields often carry the organisation's name, as Office files' docProps do.
            meta = " ".join(str(info.get(key) or "") for key in ("/Author", "/Creator", "/Title", "/Subject"))
            return meta + " " + "".join(page.extract_text() or "" for page in reader.pages)
        if content_type in (DOCX, XLSX, PPTX):
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                members = [i for i in archive.infolist() if i.filename.endswith(".xml")]
                if sum(i.file_size for i in members) > MAX_UNZIPPED_BYTES:  # a zip bomb is not opened
                    return ""
                xml = " ".join(archive.read(i).decode("utf-8", "ignore") for i in members)
            return re.sub(r"<[^>]+>", "", xml)
    except Exception:  # noqa: BLE001 - an unreadable or hostile file is simply not checked, never an error page
        return ""
    return ""


@dataclass(frozen=True)
class IdentityWarning:
    proposal_id: int
    requirement: str
    term: str


def attachment_warnings(proposals: list[Proposal]) -> list[IdentityWarning]:
    warnings = []
    for proposal in proposals:
        terms = identifying_terms(proposal)
        for attachment in proposal.attachments:
            text = file_text(attachment.file.content, attachment.file.content_type)
            found = next((t for t in terms if t in text), None)
            if found:
                warnings.append(IdentityWarning(proposal.id, attachment.requirement, found))
    return warnings
