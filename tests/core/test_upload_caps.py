"""One file's size cap and the whole request's are two caps. They were one (MAX_CONTENT_LENGTH, 20 MB): a progress
report with two 12 MB phone photos, each within the file cap, was refused before its form was read (413, the whole
report as typed lost), and a single file over the cap never reached the check beside its field."""

import io

import pytest
from sqlalchemy import func, select

from core.config import load_config
from core.db import db
from core.timeutil import local_today
from projects.contract_models import Expense
from tests.projects.contract_helpers import active_contract

EN = {"Accept-Language": "en"}


def test_the_request_cap_leaves_room_for_several_files_each_within_the_file_cap(tmp_path, monkeypatch):
    monkeypatch.delenv("MAX_REQUEST_MB", raising=False)
    monkeypatch.setenv("MAX_UPLOAD_MB", "20")
    config = load_config(str(tmp_path), {"TESTING": True})
    assert config["MAX_UPLOAD_BYTES"] == 20 * 1024 * 1024
    assert config["MAX_CONTENT_LENGTH"] >= 5 * config["MAX_UPLOAD_BYTES"]
    monkeypatch.setenv("MAX_REQUEST_MB", "80")
    assert load_config(str(tmp_path), {"TESTING": True})["MAX_CONTENT_LENGTH"] == 80 * 1024 * 1024


@pytest.fixture
def small_file_cap(app):
    cap, app.config["MAX_UPLOAD_BYTES"] = app.config["MAX_UPLOAD_BYTES"], 2048
    yield
    app.config["MAX_UPLOAD_BYTES"] = cap


def test_a_receipt_over_the_file_cap_is_refused_beside_its_field_with_the_expense_kept(
        app, client, session, login_as, small_file_cap):
    _officer, manager, contract = active_contract(app)
    db.session.commit()
    login_as(manager)
    receipt = (io.BytesIO(b"%PDF-1.4\n" + b"0" * 4096), "receipt.pdf")
    response = client.post(f"/contracts/{contract.id}/expenses", headers=EN, content_type="multipart/form-data",
                           data={"line_id": contract.lines[0].id, "spent_on": local_today().isoformat(),
                                 "payee": "和平超市", "amount": "120", "receipt": receipt})
    assert response.status_code == 422
    assert 'id="expense-receipt-error">The file is too large: at most 2 KB.<' in response.text
    assert 'value="和平超市"' in response.text and 'value="120"' in response.text
    assert db.session.scalar(select(func.count(Expense.id))) == 0


def test_the_cap_is_said_in_chinese(app, client, session, login_as, small_file_cap):
    _officer, manager, contract = active_contract(app)
    db.session.commit()
    login_as(manager)
    receipt = (io.BytesIO(b"%PDF-1.4\n" + b"0" * 4096), "receipt.pdf")
    response = client.post(f"/contracts/{contract.id}/expenses", content_type="multipart/form-data",
                           data={"line_id": contract.lines[0].id, "spent_on": local_today().isoformat(),
                                 "payee": "和平超市", "amount": "120", "receipt": receipt})
    assert response.status_code == 422 and "文件过大：不能超过 2 KB。" in response.text
