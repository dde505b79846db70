"""The call's page offers its public documents to download, not only to verify: the announcement and the results
announcement, as PDFs anyone may fetch; once the call is awarded its publicity is told in the past."""

import re

from sqlalchemy import select

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
