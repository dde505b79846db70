""""Remove this row" on the proposal form's repeating sections. Without JavaScript the button sends the form, which
comes back as typed without that row (the other rows renumbered, their values kept), nothing saved, the cursor in the
row that took its place or on "Add a row" after the last; the last row of a section leaves an empty one. Each button
says which row of which section it removes, for a screen reader, in the reader's language. (Removing a row in the
browser: tests/e2e/test_proposal_row_remove_phone.py.)"""

import html
import re

import pytest
from sqlalchemy import func, select

from audit.models import AuditEvent
from core.db import db
from projects import proposals
from tests.projects.helpers import full_data
from tests.projects.test_proposal_rows import EN, ZH, budget_row, rows_of, value_of, work_plan


@pytest.fixture
def editing(client, login_as, draft):
    _officer, manager, _call, proposal = draft
    login_as(manager)
    return proposal


def events() -> int:
    return db.session.scalar(select(func.count(AuditEvent.seq)))


def tag(page: str, field_id: str) -> str:
    return re.search(rf'<(?:input|select|button)[^>]*id="{field_id}"[^>]*>', page).group(0)


def remove_buttons(page: str, section: str) -> list[tuple[str, str, str]]:
    """Each row's remove button in a section (the template's row left out): (value sent, aria-label, text)."""
    end = "</tbody>" if section == "budget_lines" else 'class="mt-1'
    rows = page.split(f'id="{section}-rows"', 1)[1].split(end, 1)[0]
    return [(re.search(r'value="([^"]*)"', b).group(1), html.unescape(re.search(r'aria-label="([^"]*)"', b).group(1)),
             text) for b, text in re.findall(r'(<button[^>]*class="[^"]*remove-row[^>]*>)([^<]*)</button>', rows)]


def test_removing_a_row_without_javascript_keeps_the_others_as_typed_and_saves_nothing(client, editing):
    title_before, before = editing.title, events()
    response = client.post(f"/proposals/{editing.id}/edit", headers=ZH, data={
        "title": "银龄关爱", **work_plan(0, "2027-03", "健康讲座"), **work_plan(1, "2027-04", "入户探访"),
        **budget_row(0, "personnel", "社工补贴", "12", "３０００"),
        **budget_row(1, "activities", "打错的一行", "1", "1"),
        **budget_row(2, "activities", "场地租用", "２", "￥５００"), "remove_row": "budget_lines-1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="form-errors"' not in page  # not a refusal: nothing was checked
    assert rows_of(page, "budget_lines") == ["0", "1"]  # renumbered
    assert "打错的一行" not in page
    assert value_of(page, "budget_lines-0-item") == "社工补贴"
    assert value_of(page, "budget_lines-0-unit_price_fen") == "３０００"  # as typed
    assert value_of(page, "budget_lines-1-item") == "场地租用"
    assert value_of(page, "budget_lines-1-quantity") == "２"
    assert value_of(page, "budget_lines-1-unit_price_fen") == "￥５００"
    options = page.split('id="budget_lines-1-category"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option selected value="(\w+)"', options) == ["activities"]
    assert "autofocus" in tag(page, "budget_lines-1-category")  # the cursor in the row now in its place
    assert rows_of(page, "work_plan") == ["0", "1"]  # the other sections as sent
    assert value_of(page, "work_plan-1-activity") == "入户探访"
    assert value_of(page, "title") == "银龄关爱"
    db.session.expire_all()
    assert editing.title == title_before and editing.budget_lines == [] and editing.work_plan == []
    assert events() == before


def test_rows_numbered_with_gaps_remove_the_row_pressed_and_then_save_each_row_once(client, editing):
    sent = {**work_plan(0, "2027-01", "调研"), **work_plan(2, "2027-02", "打错了"), **work_plan(5, "2027-03", "探访")}
    page = client.post(f"/proposals/{editing.id}/edit", headers=ZH,
                       data={**sent, "remove_row": "work_plan-2"}).get_data(as_text=True)
    assert rows_of(page, "work_plan") == ["0", "1"]
    assert [value_of(page, f"work_plan-{n}-activity") for n in (0, 1)] == ["调研", "探访"]
    assert "autofocus" in tag(page, "work_plan-1-month")
    assert [value for value, _label, _text in remove_buttons(page, "work_plan")] == ["work_plan-0", "work_plan-1"]

    page = client.post(f"/proposals/{editing.id}/edit", headers=ZH,
                       data={**sent, "remove_row": "work_plan-5"}).get_data(as_text=True)  # the last row
    assert [value_of(page, f"work_plan-{n}-activity") for n in (0, 1)] == ["调研", "打错了"]
    assert "autofocus" in tag(page, "work_plan-add")  # no row after it: the cursor on "Add a row"
    assert "autofocus" not in page.replace(tag(page, "work_plan-add"), "")

    response = client.post(f"/proposals/{editing.id}/edit", headers=ZH,  # then saved as the page shows it
                           data={**work_plan(0, "2027-01", "调研"), **work_plan(5, "2027-03", "探访")})
    assert response.status_code == 302
    db.session.expire_all()
    assert [row["activity"] for row in editing.work_plan] == ["调研", "探访"]


def test_removing_the_last_row_of_a_section_leaves_one_empty_row(client, editing):
    page = client.post(f"/proposals/{editing.id}/edit", headers=ZH, data={
        **work_plan(0, "2027-01", "调研"), "team-0-person": "李静", "team-0-role": "社工", "team-0-qualification": "",
        "remove_row": "team-0"}).get_data(as_text=True)
    assert rows_of(page, "team") == ["0"]
    assert value_of(page, "team-0-person") == "" and "李静" not in page
    assert "autofocus" in tag(page, "team-0-person")
    assert value_of(page, "work_plan-0-activity") == "调研"
    db.session.expire_all()
    assert editing.team == []


@pytest.mark.parametrize(("headers", "label", "text"), [
    (ZH, "删除此行：预算第 {n} 行", "删除此行"), (EN, "Remove this row: row {n} of the budget", "Remove this row")])
def test_each_remove_button_names_its_section_and_row(app, client, editing, draft, headers, label, text):
    with app.test_request_context():
        proposals.save_draft(editing, full_data(), actor=draft[1])  # three budget lines
    db.session.commit()
    page = client.get(f"/proposals/{editing.id}/edit", headers=headers).get_data(as_text=True)
    assert remove_buttons(page, "budget_lines") == [
        (f"budget_lines-{n - 1}", label.format(n=n), text) for n in (1, 2, 3, 4)]  # and the empty row
    assert html.unescape(re.search(r'id="budget_lines-rows" data-remove-label="([^"]*)"', page).group(1)) == \
        label.format(n="%(row)s")  # what the script numbers rows added or moved with
    team = "删除此行：项目团队第 1 行" if headers is ZH else "Remove this row: row 1 of the team"
    assert remove_buttons(page, "team")[0][1] == team
    for section in ("work_plan", "outputs"):
        assert len(remove_buttons(page, section)) == len(rows_of(page, section))
    template = page.split('<template id="budget_lines-template">', 1)[1].split("</template>", 1)[0]
    assert 'name="remove_row" value="budget_lines-__i__"' in template


@pytest.mark.parametrize("sent", ["budget", "budget_lines-x", "title-0", "-1"])
def test_a_remove_button_the_page_never_sends_is_refused(client, editing, sent):
    response = client.post(f"/proposals/{editing.id}/edit", headers=ZH,
                           data={"title": "银龄关爱", "remove_row": sent})
    assert response.status_code == 400
    db.session.expire_all()
    assert editing.title != "银龄关爱"
