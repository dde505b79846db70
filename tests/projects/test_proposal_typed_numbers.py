"""The proposal form reads whole numbers and amounts as Chinese users type them ('2,880', '２８８０', '¥1,234.50')
and stores what was meant (an output's target typed '2,880' was refused); what is not plainly a number is refused
beside its field, with nothing saved. The API still takes a target as a JSON number or plain digits."""

import html
import re

import pytest

from accounts.tokens import create_token
from core.db import db

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


def proposal_post(target: str, quantity: str = "1", price: str = "100", co_funding: str = "") -> dict:
    return {"title": "上门探访项目",
            "outputs-0-indicator": "探访", "outputs-0-target": target, "outputs-0-unit": "人次",
            "budget_lines-0-category": "activities", "budget_lines-0-item": "活动物资",
            "budget_lines-0-quantity": quantity, "budget_lines-0-unit_price_fen": price, "co_funding_fen": co_funding}


def input_tag(page: str, field_id: str) -> str:
    return re.search(rf'<input[^>]*id="{field_id}"[^>]*>', page).group(0)


@pytest.mark.parametrize(("target", "quantity", "price", "co_funding", "stored"), [
    ("2,880", "1,000", "¥1,234.50", "￥１，０００元", (2880, 1000, 123450, 100000)),
    ("２８８０", "１２", "１２３４．５", "5 000", (2880, 12, 123450, 500000)),
    ("2\u2009880", "1 000", "1,234.50元", " 2,000.5 ", (2880, 1000, 123450, 200050)),
    ("2，880", " 7 ", "0.05", "", (2880, 7, 5, 0)),
])
def test_the_proposal_form_reads_numbers_as_typed(client, login_as, draft, target, quantity, price, co_funding,
                                                  stored):
    _officer, manager, _call, proposal = draft
    login_as(manager)
    response = client.post(f"/proposals/{proposal.id}/edit", headers=ZH,
                           data=proposal_post(target, quantity, price, co_funding))
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[-3000:]
    db.session.expire_all()
    line = proposal.budget_lines[0]
    assert (proposal.outputs[0]["target"], line.quantity, line.unit_price_fen, proposal.co_funding_fen) == stored
    assert type(proposal.outputs[0]["target"]) is int


def test_the_proposal_form_asks_a_phone_for_number_keys_and_does_not_let_the_browser_empty_a_typed_number(
        client, login_as, draft):
    """type=number empties '2,880' or '２８８０' before sending: the target and quantity are text inputs with the
    number keys, and a saved target is shown as digits to type over."""
    _officer, manager, _call, proposal = draft
    login_as(manager)
    client.post(f"/proposals/{proposal.id}/edit", data=proposal_post("2,880"))
    page = client.get(f"/proposals/{proposal.id}/edit").get_data(as_text=True)
    for field_id in ("outputs-0-target", "budget_lines-0-quantity"):
        tag = input_tag(page, field_id)
        assert 'type="text"' in tag and 'inputmode="numeric"' in tag
    assert 'value="2880"' in input_tag(page, "outputs-0-target")


@pytest.mark.parametrize(("field", "value", "language", "message"), [
    ("outputs-0-target", "1,2,3", "zh-CN", "第 1 行，目标值：请填写 0 或正整数。"),
    ("outputs-0-target", "28,80", "en", "Row 1, Target value: Enter a whole number, 0 or more."),
    ("outputs-0-target", "2880.5", "en", "Row 1, Target value: Enter a whole number, 0 or more."),
    ("outputs-0-target", "２８８０个", "en", "Row 1, Target value: Enter a whole number, 0 or more."),
    ("outputs-0-target", "99,999,999,999", "zh-CN", "第 1 行，目标值：数值过大，请核对。"),
    ("outputs-0-target", "-5", "en", "Row 1, Target value: Enter a whole number, 0 or more."),
    ("budget_lines-0-quantity", "1,0000", "en", "Row 1, Quantity: Enter a whole number, 1 or more."),
    ("budget_lines-0-quantity", "0", "zh-CN", "第 1 行，数量：请填写正整数。"),
    ("budget_lines-0-unit_price_fen", "¥1.234", "en",
     "Row 1, Unit price (yuan): Enter an amount in yuan, with at most two decimals."),
    ("budget_lines-0-unit_price_fen", "12,34.50", "zh-CN", "第 1 行，单价（元）：请以元为单位填写金额，最多两位小数。"),
    ("budget_lines-0-unit_price_fen", "-¥5", "en",
     "Row 1, Unit price (yuan): Enter an amount in yuan, with at most two decimals."),
])
def test_what_is_not_plainly_a_number_is_refused_beside_its_field(client, login_as, draft, field, value, language,
                                                                  message):
    _officer, manager, _call, proposal = draft
    login_as(manager)
    data = {**proposal_post("2,880", "3", "100"), field: value, "title": "改过的标题"}
    response = client.post(f"/proposals/{proposal.id}/edit", headers={"Accept-Language": language}, data=data)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    beside = page.split(f'id="{field}-error"', 1)[1].split("</div>", 1)[0]
    assert message in beside
    assert f'value="{value}"' in input_tag(page, field)  # what was typed stays in the cell
    db.session.expire_all()
    assert proposal.title != "改过的标题" and proposal.outputs == []


def test_the_api_still_takes_a_target_as_a_json_number_or_plain_digits(client, draft):
    """The API is not loosened: '2,880' as a target in JSON is refused (a JSON number, or its ASCII digits)."""
    _officer, manager, _call, proposal = draft
    _token, plain = create_token(manager, "t", actor=manager)
    db.session.commit()
    headers = {"Authorization": f"Bearer {plain}", **EN}
    for target in ("2,880", "２８８０", "1_000", "+5", "-5", "9" * 5000):
        response = client.put(f"/api/v1/proposals/{proposal.id}", json={"outputs": [
            {"indicator": "探访", "target": target, "unit": "人次"}]}, headers=headers)
        assert response.status_code == 422, target
        assert response.get_json()["error"]["fields"]["outputs"] == "Output targets are whole numbers, 0 or more."
    assert client.put(f"/api/v1/proposals/{proposal.id}", json={"outputs": [
        {"indicator": "探访", "target": "2880", "unit": "人次"}]}, headers=headers).status_code == 200
    db.session.expire_all()
    assert proposal.outputs[0]["target"] == 2880
