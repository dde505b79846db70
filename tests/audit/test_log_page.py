"""The audit log page: filters by actor, action, target and date, and keyset paging (issue 2 #12)."""

import re
from datetime import timedelta

import pytest

from accounts.enums import Role
from audit import services as audit
from audit.labels import ACTION_GROUPS, ACTION_LABELS
from audit.views import PER_PAGE
from core.db import db
from core.timeutil import local_today
from tests.factories import make_user


def shown_seqs(response) -> list[int]:
    body = response.get_data(as_text=True)
    table = body.split('id="audit-events"', 1)[1].split("</table>", 1)[0]
    return [int(n) for n in re.findall(r'<tr>\s*<td class="stack-title">#(\d+)</td>', table)]


def test_filters_by_actor_action_target_and_date(client, session, login_as):
    auditor = make_user(Role.AUDITOR, username="auditor-x")
    alice, bob = make_user(username="alice-log"), make_user(username="bob-log")
    a1 = audit.record("test.alpha", ("things", 7), actor=alice, data={"n": 1})
    b1 = audit.record("test.beta", ("things", 8), actor=bob, data={"n": 2})
    a2 = audit.record("test.alpha_more", ("others", 7), actor=alice, data={"n": 3})
    db.session.commit()
    login_as(auditor)

    assert shown_seqs(client.get("/audit/?actor=alice-log")) == [a2.seq, a1.seq]
    assert shown_seqs(client.get("/audit/?actor=bob-log")) == [b1.seq]
    assert shown_seqs(client.get("/audit/?action=test.alpha")) == [a2.seq, a1.seq]  # a prefix
    assert shown_seqs(client.get("/audit/?action=test.beta")) == [b1.seq]
    assert shown_seqs(client.get("/audit/?action=test.&target_type=things&target_id=7")) == [a1.seq]
    today, tomorrow = local_today(), local_today() + timedelta(days=1)
    assert a1.seq in shown_seqs(client.get(f"/audit/?action=test.&date_from={today}&date_to={today}"))
    assert shown_seqs(client.get(f"/audit/?action=test.&date_from={tomorrow}")) == []
    assert shown_seqs(client.get("/audit/?actor=nobody-here")) == []


def test_pages_go_back_in_time_without_gaps_or_repeats(client, session, login_as):
    actor = make_user(username="pager")
    seqs = [audit.record("test.page", ("things", i), actor=actor).seq for i in range(PER_PAGE + 5)]
    db.session.commit()
    login_as(make_user(Role.ADMIN))
    first = client.get("/audit/?action=test.page")
    body = first.get_data(as_text=True)
    assert shown_seqs(first) == sorted(seqs, reverse=True)[:PER_PAGE]
    older = re.search(r'href="([^"]*before=\d+[^"]*)"', body).group(1).replace("&amp;", "&")
    assert shown_seqs(client.get(older)) == sorted(seqs, reverse=True)[PER_PAGE:]


def test_only_admins_and_auditors_see_the_log(client, session, login_as):
    login_as(make_user(Role.OFFICER))
    assert client.get("/audit/").status_code == 403


# --- the action filter: a select of the known actions, by their labels ---------------------------------------------

def field_errors(response, field: str) -> list[str]:
    block = re.search(rf'id="{field}-error"[^>]*>(.*?</div>)</div>', response.get_data(as_text=True), re.S)
    return re.findall(r'class="invalid-feedback[^"]*">([^<]*)</div>', block.group(1)) if block else []


def action_select(response) -> str:
    return re.search(r'<select[^>]*name="action".*?</select>', response.get_data(as_text=True), re.S).group(0)


def test_the_action_filter_lists_the_known_actions_by_label_grouped_by_area(client, session, login_as):
    login_as(make_user(Role.AUDITOR))
    select = action_select(client.get("/audit/"))
    options = re.findall(r'<option([^>]*) value="([^"]*)">([^<]*)</option>', select)
    assert options[0] == (" selected", "", "全部操作")  # the default: nothing filtered
    assert sum(1 for flags, _value, _label in options if "selected" in flags) == 1
    values = {value: label for _flags, value, label in options}
    assert set(ACTION_LABELS) <= set(values)  # every known action, none missing
    assert values["voucher.redeemed"] == "服务券核销" and values["auth.login_failed"] == "登录失败"
    groups = re.findall(r'<optgroup label="([^"]*)">', select)
    assert groups[:3] == ["登录与退出", "用户账号", "API 令牌"] and "服务券" in groups
    vouchers = select.split('<optgroup label="服务券">', 1)[1].split("</optgroup>", 1)[0]
    assert 'value="voucher.redeemed"' in vouchers and 'value="voucher_programme.created"' not in vouchers
    assert re.search(r'value="voucher\.">全部：服务券</option>', vouchers)  # the whole group at once


def test_every_action_prefix_has_a_group_with_a_name(app):
    prefixes = {code.split(".", 1)[0] for code in ACTION_LABELS}
    assert sorted(prefixes - set(ACTION_GROUPS)) == []


def test_choosing_an_action_or_its_group_filters_by_it(client, session, login_as):
    actor = make_user(username="chooser")
    redeemed = audit.record("voucher.redeemed", ("things", 1), actor=actor)
    rated = audit.record("voucher.rated", ("things", 2), actor=actor)
    programme = audit.record("voucher_programme.created", ("things", 3), actor=actor)
    db.session.commit()
    login_as(make_user(Role.AUDITOR))
    chosen = client.get("/audit/?actor=chooser&action=voucher.redeemed")
    assert shown_seqs(chosen) == [redeemed.seq]
    assert re.search(r'<option selected value="voucher.redeemed">', action_select(chosen))
    assert shown_seqs(client.get("/audit/?actor=chooser&action=voucher.")) == [rated.seq, redeemed.seq]
    assert shown_seqs(client.get("/audit/?actor=chooser&action=voucher_programme.")) == [programme.seq]
    assert shown_seqs(client.get("/audit/?actor=chooser&action=")) == [programme.seq, rated.seq, redeemed.seq]


def test_an_old_link_with_a_typed_prefix_still_filters_and_shows_what_it_filters_by(client, session, login_as):
    actor = make_user(username="old-link")
    event = audit.record("voucher.redeemed", ("things", 1), actor=actor)
    audit.record("voucher_programme.created", ("things", 2), actor=actor)
    db.session.commit()
    login_as(make_user(Role.AUDITOR))
    response = client.get("/audit/?actor=old-link&action=Voucher.Red")  # typed by hand, in any case, once
    assert shown_seqs(response) == [event.seq]
    assert '<option selected value="voucher.red">以“voucher.red”开头</option>' in action_select(response)


@pytest.mark.parametrize("value", ["voucher redeemed", "<b>x</b>", "voucher.redeemed;drop", "a" * 81, "已核销"])
def test_an_action_that_is_neither_listed_nor_a_prefix_is_an_error_beside_the_field(client, session, login_as,
                                                                                     value):
    audit.record("voucher.redeemed", ("things", 1), actor=make_user(username="bad-action"))
    db.session.commit()
    login_as(make_user(Role.AUDITOR))
    response = client.get("/audit/", query_string={"actor": "bad-action", "action": value})
    assert response.status_code == 422
    assert field_errors(response, "action") == ["请从列表中选择一项操作。"]
    assert shown_seqs(response) == []  # not every event under a form that looks filtered


def test_a_registered_action_matches_exactly_not_as_a_prefix(client, session, login_as):
    """'Logged in' (auth.login) is no prefix filter: it would also list failed logins (auth.login_failed)."""
    user = make_user(username="carol-log")
    ok = audit.record("auth.login", user, actor=user)
    failed = audit.record("auth.login_failed", user, actor=None, data={"known_user": True})
    db.session.commit()
    login_as(make_user(Role.AUDITOR))
    assert ok.seq in shown_seqs(client.get("/audit/?action=auth.login"))
    assert failed.seq not in shown_seqs(client.get("/audit/?action=auth.login"))
    assert failed.seq in shown_seqs(client.get("/audit/?action=auth.login_failed"))
    assert {ok.seq, failed.seq} <= set(shown_seqs(client.get("/audit/?action=auth.")))  # a group: the prefix


def test_details_read_as_recorded_not_as_python_values(client, session, login_as):
    """The log printed Python's reprs of the recorded JSON (None, False, {'a': [1, 2]}): an auditor comparing the
    page with the hashed data read values that were never recorded. Changes read old → new, one per row."""
    auditor = make_user(Role.AUDITOR)
    event = audit.record("test.shown", ("things", 1), actor=auditor,
                         data={"known_user": False, "vouchers": [[4, 3000]], "note": "照常",
                               "changes": {"face_value_fen": [None, 5000], "name": ["甲", "乙"]}})
    db.session.commit()
    login_as(auditor)
    body = client.get("/audit/?action=test.shown").get_data(as_text=True)
    table = body.split('id="audit-events"', 1)[1].split("</table>", 1)[0]
    # keys by their labels, a boolean as 是/否 (QA: 'known_user: true' and 'false' were shown raw)
    assert "<strong>账户是否存在</strong>：<span>否</span>" in table
    assert '<strong>服务券</strong>：<span translate="no">[[4, 3000]]</span>' in table
    assert '<strong>备注</strong>：<span translate="no">照常</span>' in table
    assert "<strong>面值</strong>：<span>— → ¥50.00</span>" in table  # null: nothing (and fen in yuan)
    assert '<strong>名称</strong>：<span translate="no">&#34;甲&#34; → &#34;乙&#34;</span>' in table
    assert "known_user" not in table and "face_value_fen" not in table
    assert "None" not in table and "False" not in table and "changes" not in table
    assert audit.decoded_data(event)["changes"]["face_value_fen"] == [None, 5000]  # the record itself unchanged
