"""A printed sheet holds one-time codes a provider takes for a week, so its PDF is stored sealed (audit.documents
SEALED_DOC_TYPES): the database, a dump or a backup holds no usable code, as the server keeps only the codes' keyed
hashes otherwise (QA walk: the sheet's PDF, codes in clear, sat in issued_documents). Its staff still download it,
and /verify still matches the printed file."""

import hashlib
import io

from sqlalchemy import select, update

from audit.documents import SEALED_DOC_TYPES, IssuedDocument, document_content
from core.db import db
from vouchers import documents

from .helpers import world
from .test_codes_and_limits import committed
from .test_printed_sheet_codes import flat, sheet


def stored(document_id: int) -> bytes:
    return db.session.scalar(select(IssuedDocument.content).where(IssuedDocument.id == document_id))


def test_the_sheet_is_stored_sealed_and_downloaded_as_issued(app, session, client, login_as):
    assert documents.PRINTED in SEALED_DOC_TYPES
    w = committed(app, world)
    document, codes = sheet(app, w.resident, w.staff)
    raw = stored(document.id)
    assert not raw.startswith(b"%PDF") and all(code.encode() not in raw for code in codes)
    pdf = document_content(document)
    assert pdf.startswith(b"%PDF-") and hashlib.sha256(pdf).hexdigest() == document.sha256
    assert all(code in flat(pdf) for code in codes)
    login_as(w.staff)
    got = client.get(f"/documents/{document.code}.pdf")
    assert got.status_code == 200 and got.data == pdf
    matched = client.post("/verify", data={"file": (io.BytesIO(pdf), "sheet.pdf")},
                          content_type="multipart/form-data", headers={"Accept-Language": "en"})
    assert document.code in matched.get_data(as_text=True).replace("-", "")


def test_other_documents_and_a_sheet_stored_before_sealing_are_served_as_they_are(app, session, client, login_as):
    w = committed(app, world)
    document, _codes = sheet(app, w.resident, w.staff)
    pdf = document_content(document)
    db.session.execute(update(IssuedDocument).where(IssuedDocument.id == document.id).values(content=pdf))
    db.session.commit()
    login_as(w.staff)
    assert client.get(f"/documents/{document.code}.pdf").data == pdf  # (in clear, from before)
