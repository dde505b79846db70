"""The audit log reads for a Chinese auditor (QA walk): the target type filter is a select of the types by their labels
(typed, 合同 found nothing, only `contracts`), an event's data has a human reading beside what was recorded (the key's
label, a status's label, amounts in fen in yuan), and the CSV's header is in the request's language throughout."""

import csv
import io
import re

import pytest

from accounts.enums import Role
from accounts.tokens import create_token
from audit import services as audit
from audit.labels import TARGET_LABELS
from core.db import db
from tests.factories import make_user

ENGLISH = {"Accept-Language": "en"}


def shown_seqs(response) -> list[int]:
    table = response.get_data(as_text=True).split('id="audit-events"', 1)[1].split("</table>", 1)[0]
    return [int(n) for n in re.findall(r'<tr>\s*<td class="stack-title">#(\d+)</td>', table)]


def target_select(response) -> str:
    return re.search(r'<select[^>]*name="target_type".*?</select>', response.get_data(as_text=True), re.S).group(0)


def field_errors(response, field: str) -> list[str]:
    block = re.search(rf'id="{field}-error"[^>]*>(.*?</div>)</div>', response.get_data(as_text=True), re.S)
    return re.findall(r'class="invalid-feedback[^"]*">([^<]*)</div>', block.group(1)) if block else []


def event_rows(response) -> dict[int, str]:
    """Each shown event's details cell, by its sequence number."""
    table = response.get_data(as_text=True).split('id="audit-events"', 1)[1].split("</table>", 1)[0]
    return {int(seq): row for seq, row in re.findall(r'<td class="stack-title">#(\d+)</td>(.*?)</tr>', table, re.S)}


# --- 1. the target type filter ----------------------------------------------------------------------------------------

def test_the_target_type_filter_lists_the_types_by_their_labels_and_filters_by_them(client, session, login_as):
    actor = make_user(username="target-chooser")
    on_contract = audit.record("test.readable", ("contracts", 5), actor=actor)
    audit.record("test.readable", ("proposals", 5), actor=actor)
    db.session.commit()
    login_as(make_user(Role.AUDITOR))

    select = target_select(client.get("/audit/"))
    options = re.findall(r'<option([^>]*) value="([^"]*)">([^<]*)</option>', select)
    assert options[0] == (" selected", "", "全部对象类型")
    labels = {value: label for _flags, value, label in options}
    assert set(TARGET_LABELS) <= set(labels)  # every labelled type, none missing
    assert labels["contracts"] == "合同" and labels["proposals"] == "申报书"

    chosen = client.get("/audit/?actor=target-chooser&target_type=contracts")  # as the select sends it
    assert chosen.status_code == 200 and shown_seqs(chosen) == [on_contract.seq]
    assert '<option selected value="contracts">合同</option>' in target_select(chosen)
    english_page = client.get("/audit/", headers=ENGLISH)
    english = target_select(english_page)
    assert '<option value="contracts">Contract</option>' in english and ">All target types</option>" in english
    assert labels["voucher_settlements"] == "结算单"  # a statement, as its own page names it (not 'Settlement')
    assert '<option value="voucher_settlements">Settlement statement</option>' in english
    assert re.search(r'<label class="form-label" for="target_id">Target ID</label>', english_page.text)  # not 'id'


def test_a_link_with_a_stored_type_that_has_no_label_still_filters_and_shows_it_chosen(client, session, login_as):
    """Links made when the filter was typed, and the page's own links from a target without a label."""
    actor = make_user(username="old-target-link")
    thing = audit.record("test.readable", ("things", 1), actor=actor)
    audit.record("test.readable", ("others", 1), actor=actor)
    db.session.commit()
    login_as(make_user(Role.AUDITOR))
    response = client.get("/audit/?actor=old-target-link&target_type=things")
    assert response.status_code == 200 and shown_seqs(response) == [thing.seq]
    assert '<option selected value="things">things</option>' in target_select(response)
    assert 'href="/audit/?target_type=things&amp;target_id=1"' in response.get_data(as_text=True)  # the row's link


@pytest.mark.parametrize("value", ["合同", "contractz", "Contracts", "<b>x</b>", "t" * 61])
def test_a_target_type_neither_listed_nor_recorded_is_an_error_beside_the_field(client, session, login_as, value):
    audit.record("test.readable", ("contracts", 1), actor=make_user(username="bad-target"))
    db.session.commit()
    login_as(make_user(Role.AUDITOR))
    response = client.get("/audit/", query_string={"actor": "bad-target", "target_type": value})
    assert response.status_code == 422
    assert field_errors(response, "target_type") == ["请从列表中选择一种对象类型。"]
    assert shown_seqs(response) == []  # not every event under a form that looks filtered
    assert 'id="audit-csv"' not in response.get_data(as_text=True)


def test_the_api_refuses_an_unknown_target_type_naming_the_field(client, session):
    auditor = make_user(Role.AUDITOR)
    _token, plain = create_token(auditor, "script", actor=auditor)
    db.session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    response = client.get("/api/v1/audit/events?target_type=合同", headers=headers)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"target_type": "请从列表中选择一种对象类型。"}
    assert client.get("/api/v1/audit/events?target_type=contracts", headers=headers).status_code == 200


# --- 2. the details: a reading beside what was recorded ---------------------------------------------------------------

def test_a_status_transition_reads_by_the_statuses_labels_beside_the_recorded_codes(client, session, login_as):
    actor = make_user(username="status-reader")
    submitted = audit.record("proposal.submitted", ("proposals", 7), actor=actor,
                             data={"from": "draft", "to": "submitted", "reason": "按期提交"})
    # a contract's event about its report: 'from' is the report's status, not the contract's ('closed' is one of both)
    report = audit.record("contract.report_returned", ("contracts", 7), actor=actor, data={"from": "closed"})
    need = audit.record("need.closed", ("resident_needs", 3), actor=actor, changes={"status": ["open", "closed"]})
    odd = audit.record("need.closed", ("resident_needs", 4), actor=actor, data={"from": ["open"], "to": None},
                       changes={"status": [{"a": 1}, "closed"]})  # values no status has: shown, not read
    db.session.commit()
    login_as(make_user(Role.AUDITOR))
    rows = event_rows(client.get("/audit/?actor=status-reader"))

    # the labels in place of the codes (the CSV keeps the codes, as hashed)
    assert "<strong>变更前</strong>：<span>草稿</span>" in rows[submitted.seq] and "draft" not in rows[submitted.seq]
    assert "<strong>变更后</strong>：<span>已提交</span>" in rows[submitted.seq]
    assert '<strong>原因</strong>：<span translate="no">按期提交</span>' in rows[submitted.seq]  # no reading
    assert '<strong>变更前</strong>：<span translate="no">closed</span>' in rows[report.seq]  # not the contract's
    assert "<strong>状态</strong>：<span>待回复 → 已答复</span>" in rows[need.seq]
    assert '<strong>变更前</strong>：<span translate="no">[&#34;open&#34;]</span>' in rows[odd.seq]
    assert '<strong>状态</strong>：<span translate="no">{&#34;a&#34;: 1} → &#34;closed&#34;</span>' in rows[odd.seq]
    english = event_rows(client.get("/audit/?actor=status-reader", headers=ENGLISH))
    assert re.search(r"<strong>Before</strong>:\s*<span>Draft</span>", english[submitted.seq])


def test_amounts_in_fen_read_in_yuan_beside_the_recorded_numbers_nested_ones_too(client, session, login_as):
    actor = make_user(username="fen-reader")
    data = {"fees": [["张三", 50000], ["李四", 12345]], "activities": 2}
    report = audit.record("contract.report_submitted", ("contracts", 8), actor=actor, data=data)
    redeemed = audit.record("voucher.redeemed", ("voucher_redemptions", 9), actor=actor,
                            data={"amount_fen": 5000, "vouchers": [[4, 3000], [7, 2000]]})
    other = audit.record("test.readable", ("things", 2), actor=actor, data={"vouchers": [[4, 3000]]})
    db.session.commit()
    recorded = {e.seq: e.data for e in (report, redeemed, other)}
    login_as(make_user(Role.AUDITOR))
    rows = event_rows(client.get("/audit/?actor=fen-reader"))

    assert "<strong>发放的劳务费和补贴</strong>：<span>张三 ¥500.00; 李四 ¥123.45</span>" in rows[report.seq]
    assert '<strong>活动记录数</strong>：<span translate="no">2</span>' in rows[report.seq]  # no reading: as recorded
    assert "<strong>金额</strong>：<span>¥50.00</span>" in rows[redeemed.seq]
    assert "<strong>服务券</strong>：<span>#4 ¥30.00; #7 ¥20.00</span>" in rows[redeemed.seq]
    assert '<strong>服务券</strong>：<span translate="no">[[4, 3000]]</span>' in rows[other.seq]  # another action's
    # what was hashed is untouched: the stored data, and the CSV's data column, are the recorded text
    assert {e.seq: e.data for e in audit.search_events(audit.EventFilter(actor="fen-reader"))} == recorded
    assert audit.decoded_data(report) == data
    rows_csv = read_csv(client.get("/audit/log.csv?actor=fen-reader", buffered=True))
    assert {int(row[0]): row[13] for row in rows_csv[1:]} == recorded


# --- 3. the CSV's header in the request's language -------------------------------------------------------------------

ZH_HEADER = ["序号", "时间（北京时间）", "时间（UTC，参与哈希）", "操作人编号", "操作人（用户名）",
             "操作人角色代码（参与哈希）", "操作人角色", "IP 地址", "请求编号", "操作代码", "操作", "对象类型代码",
             "对象编号", "数据（参与哈希）", "前一哈希值", "哈希值"]
EN_HEADER = ["Seq", "Time (Beijing)", "Time (UTC, as hashed)", "Actor ID", "Actor (user name)",
             "Actor's role codes (as hashed)", "Actor's roles", "IP address", "Request ID", "Action code", "Action",
             "Target type code", "Target ID", "Data (as hashed)", "Previous hash", "Hash"]


def read_csv(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_csv_header_is_all_in_the_requests_language_and_the_values_stay_as_stored(client, session, login_as):
    actor = make_user(username="csv-header")
    audit.record("contract.closed", ("contracts", 3), actor=actor, data={"from": "active"})
    db.session.commit()
    login_as(make_user(Role.AUDITOR))

    chinese = read_csv(client.get("/audit/log.csv?actor=csv-header", buffered=True))
    assert chinese[0] == ZH_HEADER
    assert all(re.search(r"[\u4e00-\u9fff]", name) for name in chinese[0])  # no column left in English
    english = read_csv(client.get("/audit/log.csv?actor=csv-header", headers=ENGLISH, buffered=True))
    assert english[0] == EN_HEADER
    assert not any(re.search(r"[\u4e00-\u9fff]", name) for name in english[0])
    for rows in (chinese, english):  # the machine-readable values are the same in both
        row = dict(zip(EN_HEADER, rows[1], strict=True))
        assert (row["Action code"], row["Target type code"], row["Target ID"]) == ("contract.closed", "contracts", "3")
        assert row["Data (as hashed)"] == '{"from":"active"}' and row["Actor ID"] == str(actor.id)
    assert (chinese[1][10], english[1][10]) == ("合同结项", "Contract closed")  # the action's label, as on the page
