"""The call's page offers its public documents to download, not only to verify: the announcement and the results
announcement, as PDFs anyone may fetch; once the call is awarded its publicity is told in the past. The award notice
is dated the day it was issued."""

import io
import re
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import select

from audit.documents import IssuedDocument
from core.db import db
from projects.award_models import Publicity
from tests.projects.contract_helpers import awarded_decision

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


def test_an_awarded_calls_documents_download_and_its_publicity_is_over(app, client, session):
    _officer, decision, _manager = awarded_decision(app)
    db.session.commit()
    call = decision.proposal.call
    publicity = db.session.scalar(select(Publicity).where(Publicity.call_id == call.id))
    assert call.status == "awarded" and call.announcement_code and publicity.announcement_code
    page = client.get(f"/calls/{call.id}", headers=ZH).text  # a visitor, not logged in
    assert "结果公示已于" in page and "公示期至" not in page
    for link_id, code in (("announcement-pdf", call.announcement_code),
                          ("results-announcement-pdf", publicity.announcement_code)):
        href = re.search(rf'href="([^"]+)" id="{link_id}"', page)[1]
        assert code in href
        pdf = client.get(href)
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    english = client.get(f"/calls/{call.id}", headers=EN).text
    assert "The results were in publicity until" in english and "Download the announcement (PDF)" in english


def test_the_award_notice_is_dated_the_day_it_was_issued_and_names_the_purchaser(app, session):
    _officer, decision, _manager = awarded_decision(app)
    publicity = db.session.scalar(select(Publicity).where(Publicity.call_id == decision.call_id))
    notice = db.session.scalar(select(IssuedDocument).where(IssuedDocument.code == decision.notice_code))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(notice.content)).pages)
    issued = publicity.ends_on + timedelta(days=1)  # awarded the day after the publicity's last day
    assert f"{issued.year}年{issued.month}月{issued.day}日" in text
    assert f"采购人：{app.config['PURCHASER_NAME']}" in text
