"""Residents' names on the settlement page, the provider's page, the statement PDF and the CSV export are masked by
the one rule (core.personal.mask_name): a compound family name kept whole, a two-character name not told apart from a
longer one."""

import re
from datetime import timedelta

import pytest

from core.db import db, utcnow
from vouchers import documents, issuance, redemption, settlement
from vouchers.programmes import period_of

from .helpers import world
from .test_exports import download, parse
from .test_pdfs import text_of
from .test_views import phone_resident

NAMES = {"欧阳娜娜": "欧阳**", "王芳": "王**"}


@pytest.fixture
def masked_scene(app):
    """Each resident redeemed a voucher last month at the world's provider; the month's statement is prepared."""
    with app.test_request_context():
        w = world()
        start = utcnow() - timedelta(days=40)
        for i, name in enumerate(NAMES):
            user, person = phone_resident(w.staff, name)
            issuance.issue_to_resident(w.programme, person, actor=w.officer, period=period_of(start), now=start)
            code, _row = redemption.issue_code(person, actor=user, now=start + timedelta(minutes=i))
            redemption.redeem(code, w.service, 1000, f"mask-{i}", actor=w.manager, now=start + timedelta(minutes=i))
        statement = settlement.prepare_settlement(w.programme, w.org, period_of(start), actor=w.officer)
        db.session.commit()
        return w, statement


def assert_masked(text: str) -> None:
    for name, shown in NAMES.items():
        assert name not in text and shown in text
    assert not re.search(r"王\*(?!\*)", text)  # the old rule's 王* told that the name has two characters
    assert "欧**" not in text


def test_pages_the_pdf_and_the_export_mask_names_alike(masked_scene, app, client, login_as):
    w, statement = masked_scene
    login_as(w.manager)
    assert_masked(client.get(f"/vouchers/settlements/{statement.id}").get_data(as_text=True))
    assert_masked(client.get(f"/vouchers/provider/{w.org.id}").get_data(as_text=True))
    rows = parse(download(client, f"/vouchers/settlements/{statement.id}/lines.csv"))
    assert sorted(row[3] for row in rows[1:-1]) == sorted(NAMES.values())
    with app.test_request_context():
        document = documents.issue_statement(db.session.get(type(statement), statement.id), actor=w.officer)
    assert_masked(text_of(document.content))
