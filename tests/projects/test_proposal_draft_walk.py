"""An organisation member writing a proposal, on a phone and at a desk (a QA walk):

- the same draft saved from two tabs: the second save, from a page opened before the first, is refused (409) with
  what was typed kept on the page and a link to the current draft; nothing changes (the page and the API alike);
- one bad number refuses the save, says the draft was not saved, marks the field and keeps everything typed;
- a plain member starts and writes the draft; a manager submits and withdraws it, and the member's pages say so;
- the form asks before leaving with unsaved changes (data-warn-unsaved, static/js/warn_unsaved.js);
- submitting and withdrawing each say what they mean (withdrawn: out of the running until submitted again)."""

import html
import io
import re

import pytest
from sqlalchemy import func, select

from accounts.tokens import create_token
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict
from core.timeutil import format_local
from orgs.models import Membership
from projects import proposals
from projects.enums import ProposalStatus
from projects.models import Proposal
from tests.factories import make_user
from tests.orgs.helpers import PDF_BYTES, Upload
from tests.projects.helpers import full_data

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def revision_sent(page: str) -> str:
    return re.search(r'<input type="hidden" name="revision" value="([^"]*)">', page).group(1)


def saved(proposal_id: int) -> Proposal:
    db.session.expire_all()
    return db.session.get(Proposal, proposal_id)


def saves_of(proposal_id: int) -> int:
    return db.session.scalar(select(func.count(AuditEvent.seq)).where(
        AuditEvent.action == "proposal.saved", AuditEvent.target_id == str(proposal_id)))


def form_data(revision: str | None, title: str, price: str = "300") -> dict:
    data = {"title": title, "summary": f"{title}的摘要", "budget_lines-0-category": "activities",
            "budget_lines-0-item": "活动物资", "budget_lines-0-quantity": "2", "budget_lines-0-unit_price_fen": price}
    if revision is not None:
        data["revision"] = revision
    return data


@pytest.fixture
def member(app, draft):
    """A plain (not manager) member of the draft's organisation, committed."""
    _officer, _manager, _call, proposal = draft
    user = make_user()
    db.session.add(Membership(org_id=proposal.org_id, user_id=user.id, role="member"))
    db.session.commit()
    return user


# ------------------------------------------------------------------------------------------- two tabs, one draft

def test_a_save_from_a_tab_opened_before_another_save_is_refused_and_keeps_what_was_typed(client, login_as, draft):
    _officer, manager, _call, proposal = draft
    login_as(manager)
    tab_a = text(client.get(f"/proposals/{proposal.id}/edit", headers=ZH))
    tab_b = text(client.get(f"/proposals/{proposal.id}/edit", headers=ZH))
    assert revision_sent(tab_a) == revision_sent(tab_b) == "0"
    assert client.post(f"/proposals/{proposal.id}/edit", headers=ZH,
                       data=form_data(revision_sent(tab_b), "电脑上写的标题")).status_code == 302
    assert saved(proposal.id).revision == 1 and saves_of(proposal.id) == 1

    response = client.post(f"/proposals/{proposal.id}/edit", headers=ZH,
                           data=form_data(revision_sent(tab_a), "手机上写的标题", price="450"))
    page = text(response)
    assert response.status_code == 409
    banner = page.split('id="stale-draft"', 1)[1].split("</div>", 1)[0]
    assert "您打开此草稿后，它已在别处（其他标签页或其他设备）被修改。本次没有保存任何内容。" in banner
    assert format_local(saved(proposal.id).updated_at) in banner  # when the other save was made
    assert f'href="/proposals/{proposal.id}/edit" id="reload-draft"' in banner and "打开当前草稿" in banner
    # what was typed is on the page to copy, and the page still says it is not saved
    assert 'value="手机上写的标题"' in page and "手机上写的标题的摘要" in page and 'value="450"' in page
    assert 'data-warn-unsaved="changed"' in page and revision_sent(page) == "0"
    kept = saved(proposal.id)
    assert (kept.title, kept.summary, kept.revision, kept.budget_lines[0].unit_price_fen) == \
        ("电脑上写的标题", "电脑上写的标题的摘要", 1, 30000)
    assert saves_of(proposal.id) == 1  # nothing recorded either

    # saved again from the refused page: still refused, never a silent overwrite
    assert client.post(f"/proposals/{proposal.id}/edit", headers=ZH,
                       data=form_data(revision_sent(page), "手机上写的标题")).status_code == 409
    # the current draft, opened again, saves
    current = text(client.get(f"/proposals/{proposal.id}/edit", headers=ZH))
    assert 'value="电脑上写的标题"' in current and revision_sent(current) == "1"
    assert client.post(f"/proposals/{proposal.id}/edit", headers=ZH,
                       data=form_data("1", "合并后的标题")).status_code == 302
    assert (saved(proposal.id).title, saved(proposal.id).revision) == ("合并后的标题", 2)


def test_the_refusal_reads_in_english(client, login_as, draft):
    _officer, manager, _call, proposal = draft
    login_as(manager)
    client.post(f"/proposals/{proposal.id}/edit", data=form_data("0", "B"))
    page = text(client.post(f"/proposals/{proposal.id}/edit", headers=EN, data=form_data("0", "A")))
    assert "This draft was changed elsewhere (in another tab or on another device) since you opened it. " \
           "Nothing was saved." in page
    assert "Open the current draft" in page and "copy what you need" in page


def test_adding_a_row_without_javascript_keeps_the_revision_the_form_was_opened_at(client, login_as, draft):
    """The form shown again with one more row still carries the old revision: a save from it is still refused."""
    _officer, manager, _call, proposal = draft
    login_as(manager)
    client.post(f"/proposals/{proposal.id}/edit", data=form_data("0", "另一处保存"))
    page = text(client.post(f"/proposals/{proposal.id}/edit", data={**form_data("0", "A"), "add_row": "team"}))
    assert revision_sent(page) == "0" and 'data-warn-unsaved="changed"' in page
    assert client.post(f"/proposals/{proposal.id}/edit", data=form_data("0", "A")).status_code == 409
    assert saved(proposal.id).title == "另一处保存"


@pytest.mark.parametrize("sent", ["", "abc", "-1x", "9" * 30])
def test_a_malformed_revision_is_a_400_and_saves_nothing(client, login_as, draft, sent):
    _officer, manager, _call, proposal = draft
    login_as(manager)
    assert client.post(f"/proposals/{proposal.id}/edit", data=form_data(sent, "改")).status_code == 400
    assert saved(proposal.id).revision == 0 and saved(proposal.id).title != "改"


def test_the_service_refuses_a_stale_revision_with_its_code(app, draft):
    _officer, manager, _call, proposal = draft
    with app.test_request_context(headers=EN):
        proposals.save_draft(proposal, full_data(title="一"), actor=manager, revision=0)
        with pytest.raises(Conflict) as refused:
            proposals.save_draft(proposal, full_data(title="二"), actor=manager, revision=0)
        assert refused.value.code == "stale_draft" and refused.value.status == 409
        proposals.save_draft(proposal, full_data(title="三"), actor=manager)  # (no revision sent: no check)
    assert (proposal.title, proposal.revision) == ("三", 2)


def test_the_api_refuses_a_save_over_changes_made_since_with_409(client, draft):
    _officer, manager, _call, proposal = draft
    _token, plain = create_token(manager, "t", actor=manager)
    db.session.commit()
    headers = {"Authorization": f"Bearer {plain}", **EN}
    url = f"/api/v1/proposals/{proposal.id}"
    read = client.get(url, headers=headers).get_json()
    assert read["revision"] == 0
    first = client.put(url, json={"title": "从接口保存", "revision": read["revision"]}, headers=headers)
    assert first.status_code == 200 and first.get_json()["revision"] == 1
    stale = client.put(url, json={"title": "旧的", "revision": read["revision"]}, headers=headers)
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    assert error["code"] == "stale_draft" and "changed elsewhere" in error["message"]
    assert (saved(proposal.id).title, saved(proposal.id).revision) == ("从接口保存", 1)
    for bad in ("1", True, 1.5, -1, 2**40):
        refused = client.put(url, json={"title": "坏", "revision": bad}, headers=headers)
        assert refused.status_code == 422 and "revision" in refused.get_json()["error"]["fields"]
    assert client.put(url, json={"title": "不带版本"}, headers=headers).get_json()["revision"] == 2


# ------------------------------------------------------------------------------------------------ a bad number

def test_one_bad_number_says_the_draft_was_not_saved_and_keeps_everything_typed(client, login_as, draft):
    _officer, manager, _call, proposal = draft
    login_as(manager)
    response = client.post(f"/proposals/{proposal.id}/edit", headers=ZH, data={
        **form_data("0", "写了半天的标题", price="1,2.3"), "needs_analysis": "很长的需求分析",
        "work_plan-0-month": "2027-01", "work_plan-0-activity": "入户调研"})
    page = text(response)
    assert response.status_code == 422
    summary = page.split('id="form-errors"', 1)[1].split("</div>", 1)[0]
    assert "草稿未保存。请修改以下内容后再次保存，您填写的内容已保留在下方：" in summary
    assert 'href="#budget_lines-0-unit_price_fen"' in summary
    cell = re.search(r'<input[^>]*id="budget_lines-0-unit_price_fen"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in cell and 'value="1,2.3"' in cell
    assert 'value="写了半天的标题"' in page and "很长的需求分析" in page and 'value="入户调研"' in page
    assert 'data-warn-unsaved="changed"' in page
    assert saved(proposal.id).revision == 0 and saved(proposal.id).title != "写了半天的标题"
    opened = text(client.get(f"/proposals/{proposal.id}/edit", headers=ZH))
    assert "已填写的内容必须有效" in opened and 'data-warn-unsaved=""' in opened  # the page says the rule up front


# ----------------------------------------------------------------------------------- members write, managers send

def test_a_plain_member_writes_the_draft_and_is_told_the_manager_submits_it(client, login_as, draft, member):
    _officer, manager, _call, proposal = draft
    login_as(member)
    form = text(client.get(f"/proposals/{proposal.id}/edit", headers=ZH))
    assert "申报书由组织负责人提交" in form
    assert client.post(f"/proposals/{proposal.id}/edit", headers=ZH,
                       data=form_data("0", "成员写的标题")).status_code == 302
    assert saved(proposal.id).title == "成员写的标题"
    page = text(client.get(f"/proposals/{proposal.id}", headers=ZH))
    assert 'id="edit-proposal"' in page and 'id="manager-submits"' in page and 'id="submit-proposal"' not in page
    assert 'id="problems"' in page  # what is still missing, for the member too
    assert client.post(f"/proposals/{proposal.id}/attachments", headers=ZH, data={
        "requirement": "申报书盖章扫描件", "file": (io.BytesIO(PDF_BYTES), "scan.pdf", "application/pdf")},
        content_type="multipart/form-data").status_code == 302
    assert client.post(f"/proposals/{proposal.id}/status", data={"to": "submitted"}).status_code == 403
    assert saved(proposal.id).status == ProposalStatus.DRAFT

    client.post("/logout")
    login_as(manager)
    page = text(client.get(f"/proposals/{proposal.id}", headers=ZH))
    assert 'id="submit-proposal"' in page and 'id="manager-submits"' not in page
    assert "申报书由组织负责人提交" not in text(client.get(f"/proposals/{proposal.id}/edit", headers=ZH))


def test_a_plain_member_starts_a_proposal(client, login_as, open_call):
    _officer, manager, org, call = open_call
    user = make_user()
    db.session.add(Membership(org_id=org.id, user_id=user.id, role="member"))
    db.session.commit()
    login_as(user)
    response = client.post(f"/calls/{call.id}/proposal", data={"org_id": org.id})
    assert response.status_code == 302 and response.location.endswith("/edit")
    assert db.session.scalar(select(Proposal.created_by_id).where(Proposal.call_id == call.id,
                                                                   Proposal.org_id == org.id)) == user.id


def test_an_outsider_still_cannot_write_it(client, login_as, draft):
    _officer, _manager, _call, proposal = draft
    stranger = make_user()
    db.session.commit()
    login_as(stranger)
    assert client.post(f"/proposals/{proposal.id}/edit", data=form_data("0", "外人")).status_code == 404
    assert saved(proposal.id).title != "外人"


# ------------------------------------------------------------------------------------------- leaving, and status

def test_the_form_asks_before_leaving_with_unsaved_changes(client, login_as, draft):
    _officer, manager, _call, proposal = draft
    login_as(manager)
    page = text(client.get(f"/proposals/{proposal.id}/edit"))
    assert re.search(r'<form method="post" novalidate id="proposal-form" data-warn-unsaved=""', page)
    assert '<script src="/static/js/warn_unsaved.js" defer></script>' in page
    assert client.get("/static/js/warn_unsaved.js").status_code == 200


def test_submitting_and_withdrawing_each_say_what_they_mean(app, client, login_as, draft):
    _officer, manager, call, proposal = draft
    with app.test_request_context():
        proposals.save_draft(proposal, full_data(), actor=manager)
        for name in call.required_attachments:
            proposals.add_attachment(proposal, name, Upload(), actor=manager)
    db.session.commit()
    login_as(manager)
    page = text(client.post(f"/proposals/{proposal.id}/status", headers=ZH, data={"to": "submitted"},
                            follow_redirects=True))
    assert "申报书已提交（第 1 版），内容不能再修改；如需修改，请在截止时间前撤回。" in page
    assert "状态已变更为" not in page
    page = text(client.post(f"/proposals/{proposal.id}/status", headers=ZH, data={"to": "draft"},
                            follow_redirects=True))
    deadline = format_local(call.submission_deadline)
    assert f"申报书已撤回，现为草稿，已不在评审范围内：只有在截止时间 {deadline}（北京时间）前重新提交，" \
           "才会被受理。" in page
    assert "alert-warning" in page.split("申报书已撤回", 1)[0].rsplit("<div", 1)[1]
    client.post(f"/proposals/{proposal.id}/status", data={"to": "submitted"})
    page = text(client.post(f"/proposals/{proposal.id}/status", headers=EN, data={"to": "draft"},
                            follow_redirects=True))
    assert "Proposal withdrawn. It is a draft again and no longer in the running" in page
