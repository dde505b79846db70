"""The proposal form as an organisation manager meets it (found by a user-journey test): the budget categories in
the page's language, and a refused cell marked beside its row with a summary at the top; nothing is saved."""

import html
import re

import pytest

from core.db import db

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}



def category_options(page: str) -> list[str]:
    select = page.split('id="budget_lines-0-category"', 1)[1].split("</select>", 1)[0]
    return [html.unescape(text) for text in re.findall(r"<option[^>]*>([^<]*)</option>", select)]


@pytest.mark.parametrize("headers, expected", [
    (ZH, ["—", "人员费", "活动费", "物资费", "管理费", "其他费用"]),
    (EN, ["—", "Personnel", "Activities", "Materials", "Management fee", "Other costs"]),
])
def test_budget_categories_are_in_the_pages_language(client, login_as, draft, headers, expected):
    _officer, manager, _call, proposal = draft
    login_as(manager)
    page = client.get(f"/proposals/{proposal.id}/edit", headers=headers).get_data(as_text=True)
    assert category_options(page) == expected


def budget_row(n: int, category: str, item: str, quantity: str, price: str) -> dict:
    return {f"budget_lines-{n}-category": category, f"budget_lines-{n}-item": item,
            f"budget_lines-{n}-quantity": quantity, f"budget_lines-{n}-unit_price_fen": price}


def input_tag(page: str, field_id: str) -> str:
    return re.search(rf'<input[^>]*id="{field_id}"[^>]*>', page).group(0)


def test_a_bad_budget_cell_is_marked_beside_its_row_and_summed_up_at_the_top(client, login_as, draft):
    _officer, manager, _call, proposal = draft
    login_as(manager)
    response = client.post(f"/proposals/{proposal.id}/edit", headers=ZH, data={
        "title": "改过的标题", **budget_row(0, "personnel", "社工补贴", "1", "3000"), **budget_row(1, "", "", "", ""),
        **budget_row(2, "activities", "活动", "2", "一百"), "outputs-0-target": "", "outputs-1-target": "很多"})
    # (every row is sent, the empty ones too, as a browser sends the form)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "{'" not in page and "{}" not in page  # no Python dicts on the page
    cell = input_tag(page, "budget_lines-2-unit_price_fen")
    assert "is-invalid" in cell and 'aria-invalid="true"' in cell and "budget_lines-2-unit_price_fen-error" in cell
    assert "一百" in cell  # what was typed stays in the cell
    assert "is-invalid" not in input_tag(page, "budget_lines-0-unit_price_fen")
    beside = page.split('id="budget_lines-2-unit_price_fen-error"', 1)[1].split("</div>", 1)[0]
    assert "第 3 行，单价（元）：请以元为单位填写金额，最多两位小数。" in beside
    summary = page.split('id="form-errors"', 1)[1].split("</div>", 1)[0]
    assert "未保存" in summary
    assert 'href="#budget_lines-2-unit_price_fen"' in summary
    assert "预算：第 3 行，单价（元）：请以元为单位填写金额，最多两位小数。" in summary
    assert 'href="#outputs-1-target"' in summary and "产出与成效：第 2 行，目标值：" in summary
    assert "is-invalid" in input_tag(page, "outputs-1-target")
    db.session.expire_all()
    assert proposal.title != "改过的标题" and proposal.budget_lines == []


def test_the_row_messages_read_in_english_too(client, login_as, draft):
    _officer, manager, _call, proposal = draft
    login_as(manager)
    page = html.unescape(client.post(f"/proposals/{proposal.id}/edit", headers=EN, data={
        **budget_row(0, "", "", "", ""), **budget_row(1, "activities", "Hall", "1", "one hundred")},
    ).get_data(as_text=True))
    assert "Budget: Row 2, Unit price (yuan): Enter an amount in yuan, with at most two decimals." in page


def test_a_refusal_by_the_service_is_shown_under_its_section_and_in_the_summary(client, login_as, draft):
    _officer, manager, _call, proposal = draft
    login_as(manager)
    response = client.post(f"/proposals/{proposal.id}/edit", headers=ZH,
                           data={"title": "改过的标题", **budget_row(0, "", "没有类别的支出", "1", "100")})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "每条预算明细都须填写类别和支出内容。" in page.split('id="budget_lines-error"', 1)[1].split("</div>", 1)[0]
    summary = page.split('id="form-errors"', 1)[1].split("</div>", 1)[0]
    assert 'href="#budget_lines-error"' in summary and "预算：每条预算明细都须填写类别和支出内容。" in summary
    db.session.expire_all()
    assert proposal.title != "改过的标题"
