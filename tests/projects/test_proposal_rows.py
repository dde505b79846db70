"""The proposal form's repeating sections (work plan, outputs, team, budget) on a phone: the rows filled in and one
empty row, not thirty-odd empty ones; "Add a row" (without JavaScript, the form again as typed with one more row,
nothing saved); empty rows ignored on save; more rows than a section takes refused with a reason, not dropped; every
refusal the form again (422) as typed, the refused fields marked. And removing an attachment asks first."""

import html
import re

import pytest
from sqlalchemy import func, select

from core.db import db
from core.errors import ServiceError
from projects import proposals
from projects.models import BudgetLine
from tests.orgs.helpers import Upload
from tests.projects.helpers import full_data

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


def rows_of(page: str, section: str) -> list[str]:
    """The row numbers shown in a section (its template row, numbered __i__, left out)."""
    return sorted(set(re.findall(rf'id="{section}-(\d+)-', page)), key=int)


def value_of(page: str, field_id: str) -> str:
    tag = re.search(rf'<input[^>]*id="{field_id}"[^>]*>', page).group(0)
    found = re.search(r'value="([^"]*)"', tag)
    return html.unescape(found.group(1)) if found else ""


def work_plan(n: int, month: str, activity: str) -> dict:
    return {f"work_plan-{n}-month": month, f"work_plan-{n}-activity": activity}


def budget_row(n: int, category: str = "", item: str = "", quantity: str = "", price: str = "") -> dict:
    return {f"budget_lines-{n}-category": category, f"budget_lines-{n}-item": item,
            f"budget_lines-{n}-quantity": quantity, f"budget_lines-{n}-unit_price_fen": price}


@pytest.fixture
def editing(client, login_as, draft):
    _officer, manager, _call, proposal = draft
    login_as(manager)
    return proposal


def test_a_new_draft_shows_one_empty_row_per_section_and_an_add_button(client, editing):
    page = client.get(f"/proposals/{editing.id}/edit", headers=ZH).get_data(as_text=True)
    for section in ("work_plan", "outputs", "team", "budget_lines"):
        assert rows_of(page, section) == ["0"], section  # it was 12, 5, 5 and 10 empty rows
        button = re.search(rf'<button[^>]*id="{section}-add"[^>]*>([^<]*)</button>', page)
        assert button.group(1) == "添加一行"
        assert 'name="add_row"' in button.group(0) and f'value="{section}"' in button.group(0)
        assert "disabled" not in button.group(0)
        assert f'<template id="{section}-template">' in page  # what the script copies
    template = page.split('<template id="budget_lines-template">', 1)[1].split("</template>", 1)[0]
    assert 'id="budget_lines-__i__-item"' in template and 'name="budget_lines-__i__-item"' in template
    assert "js/proposal_rows.js" in page
    # Enter in a field saves: the form's first button (a submit button, having no type) is a nameless one, not
    # "Add a row" (tests.e2e.test_proposal_rows_phone presses Enter with JavaScript off).
    form = page.split('id="proposal-form"', 1)[1]
    first_button = re.search(r"<button[^>]*>", form).group(0)
    assert "type=" not in first_button and "name=" not in first_button


def test_a_draft_shows_its_filled_rows_and_one_empty_row(client, editing, manager_saves):
    manager_saves(editing, work_plan=[{"month": "2027-01", "activity": "需求调研"},
                                      {"month": "2027-02", "activity": "入户探访"}])
    page = client.get(f"/proposals/{editing.id}/edit", headers=ZH).get_data(as_text=True)
    assert rows_of(page, "work_plan") == ["0", "1", "2"]
    assert value_of(page, "work_plan-1-activity") == "入户探访"
    assert value_of(page, "work_plan-2-activity") == ""
    assert rows_of(page, "budget_lines") == ["0", "1", "2", "3"]  # full_data's three lines and an empty one
    assert rows_of(page, "team") == ["0", "1"]


@pytest.fixture
def manager_saves(app, draft):
    _officer, manager, _call, _proposal = draft

    def save(proposal, **overrides):
        with app.test_request_context():
            proposals.save_draft(proposal, full_data(**overrides), actor=manager)
        db.session.commit()
    return save


def test_add_a_row_without_javascript_keeps_what_was_typed_and_saves_nothing(client, editing):
    title_before = editing.title
    response = client.post(f"/proposals/{editing.id}/edit", headers=ZH, data={
        "title": "银龄关爱", **work_plan(0, "2027-03", "健康讲座"),
        **budget_row(0, "personnel", "社工补贴", "12", "３０００"), "add_row": "budget_lines"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="form-errors"' not in page  # not a refusal: nothing was checked
    assert rows_of(page, "budget_lines") == ["0", "1"]
    assert value_of(page, "budget_lines-0-unit_price_fen") == "３０００"  # as typed
    assert value_of(page, "budget_lines-0-item") == "社工补贴"
    assert value_of(page, "work_plan-0-activity") == "健康讲座"
    assert value_of(page, "title") == "银龄关爱"
    new_cell = re.search(r'<select[^>]*id="budget_lines-1-category"[^>]*>', page).group(0)
    assert "autofocus" in new_cell  # the cursor in the row just added
    assert rows_of(page, "work_plan") == ["0"]  # only the section asked for grows
    db.session.expire_all()
    assert editing.title == title_before and editing.budget_lines == []


def test_empty_rows_are_ignored_on_save(client, editing):
    response = client.post(f"/proposals/{editing.id}/edit", headers=ZH, data={
        **work_plan(0, "", ""), **work_plan(1, "2027-01", "调研"), **work_plan(2, " ", ""),
        **work_plan(3, "2027-02", "探访"), **budget_row(0), **budget_row(1, "activities", "场地", "2", "150.5"),
        **budget_row(2)})
    assert response.status_code == 302
    db.session.expire_all()
    assert editing.work_plan == [{"month": "2027-01", "activity": "调研"}, {"month": "2027-02", "activity": "探访"}]
    assert [(b.item, b.quantity, b.unit_price_fen) for b in editing.budget_lines] == [("场地", 2, 15050)]


def test_rows_sent_with_gaps_in_their_numbers_are_each_saved_once(client, editing):
    # WTForms renumbers rows 0 and 2 as 0 and 1; the empty rows it used to add after them read row 2 again, saved twice.
    response = client.post(f"/proposals/{editing.id}/edit", headers=ZH,
                           data={**work_plan(0, "2027-01", "调研"), **work_plan(2, "2027-02", "探访")})
    assert response.status_code == 302
    db.session.expire_all()
    assert [row["activity"] for row in editing.work_plan] == ["调研", "探访"]


@pytest.mark.parametrize(("headers", "message"), [(ZH, "此部分最多 36 行。"),
                                                  (EN, "At most 36 rows in this section.")])
def test_more_rows_than_a_section_takes_are_refused_and_shown_again(client, editing, headers, message):
    data = {"title": "超长的计划"}
    for n in range(37):
        data.update(work_plan(n, f"第{n + 1}月", f"活动{n + 1}"))
    response = client.post(f"/proposals/{editing.id}/edit", headers=headers, data=data)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    beside = page.split('id="work_plan-error"', 1)[1].split("</div>", 1)[0]
    assert message in beside
    summary = page.split('id="form-errors"', 1)[1].split("</div>", 1)[0]
    assert message in summary and 'href="#work_plan-error"' in summary
    assert len(rows_of(page, "work_plan")) == 37 and value_of(page, "work_plan-36-activity") == "活动37"  # kept
    assert value_of(page, "title") == "超长的计划"
    button = re.search(r'<button[^>]*id="work_plan-add"[^>]*>', page).group(0)
    assert "disabled" in button  # no more rows offered
    db.session.expire_all()
    assert editing.work_plan == [] and editing.title != "超长的计划"


def test_a_full_section_gets_no_more_rows_without_javascript(client, editing):
    data = {"add_row": "outputs"}
    for n in range(30):
        data.update({f"outputs-{n}-indicator": f"指标{n}", f"outputs-{n}-target": "1", f"outputs-{n}-unit": "次"})
    page = client.post(f"/proposals/{editing.id}/edit", headers=ZH, data=data).get_data(as_text=True)
    assert len(rows_of(page, "outputs")) == 30
    full_note = re.search(r'<span[^>]*id="outputs-full"[^>]*>([^<]*)</span>', page)
    assert "hidden" not in full_note.group(0) and full_note.group(1) == "此部分最多 30 行。"


def test_a_refused_cell_is_marked_and_the_rest_kept_with_422(client, editing):
    response = client.post(f"/proposals/{editing.id}/edit", headers=ZH, data={
        "title": "保留的标题", **work_plan(0, "2027-01", "调研"), "outputs-0-indicator": "探访",
        "outputs-0-target": "很多", "outputs-0-unit": "人次", **budget_row(0, "personnel", "社工补贴", "1", "3000")})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    target = re.search(r'<input[^>]*id="outputs-0-target"[^>]*>', page).group(0)
    assert "is-invalid" in target and 'aria-invalid="true"' in target and 'value="很多"' in target
    assert "is-invalid" not in re.search(r'<input[^>]*id="outputs-0-unit"[^>]*>', page).group(0)
    assert value_of(page, "title") == "保留的标题" and value_of(page, "work_plan-0-activity") == "调研"
    assert value_of(page, "budget_lines-0-unit_price_fen") == "3000"
    db.session.expire_all()
    assert editing.title != "保留的标题" and editing.budget_lines == []


def test_a_refusal_by_the_service_is_422_with_the_section_marked(client, editing):
    response = client.post(f"/proposals/{editing.id}/edit", headers=ZH, data={
        "title": "保留的标题", **budget_row(0, "", "没有类别", "1", "100")})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "每条预算明细都须填写类别和支出内容。" in page.split('id="budget_lines-error"', 1)[1].split("</div>", 1)[0]
    assert value_of(page, "budget_lines-0-item") == "没有类别" and value_of(page, "title") == "保留的标题"
    assert db.session.scalar(select(func.count(BudgetLine.id))) == 0


def test_the_service_names_the_section_with_too_many_rows(app, draft):
    _officer, manager, _call, proposal = draft
    rows = [{"name": f"成员{n}", "role": "社工", "qualification": ""} for n in range(proposals.ROW_LIMITS["team"] + 1)]
    with app.test_request_context(), pytest.raises(ServiceError) as refused:
        proposals.save_draft(proposal, full_data(team=rows), actor=manager)
    assert set(refused.value.fields) == {"team"}  # it was said of the budget whichever section it was


def test_removing_an_attachment_asks_first(client, app, draft, login_as):
    _officer, manager, _call, proposal = draft
    with app.test_request_context():
        proposals.add_attachment(proposal, "other", Upload(), actor=manager)
    db.session.commit()
    login_as(manager)
    page = html.unescape(client.get(f"/proposals/{proposal.id}", headers=ZH).get_data(as_text=True))
    form = re.search(r'<form[^>]*action="/proposals/attachments/\d+/remove"[^>]*>', page).group(0)
    name = proposal.attachments[0].file.original_name
    assert f'data-confirm="确定从草稿中移除附件“{name}”吗？如需恢复，请重新上传。"' in form


def test_empty_rows_do_not_count_towards_the_limit(client, editing):
    # (a draft saved through the API may have more rows than the form takes: once some are cleared, it saves)
    data = {}
    for n in range(40):
        data.update(work_plan(n, "2027-01", f"活动{n + 1}") if n < 36 else work_plan(n, "", ""))
    response = client.post(f"/proposals/{editing.id}/edit", headers=ZH, data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert len(editing.work_plan) == 36
