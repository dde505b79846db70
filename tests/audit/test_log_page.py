"""The audit log page: filters by actor, action, target and date, and keyset paging (issue 2 #12)."""

import re
from datetime import timedelta

from accounts.enums import Role
from audit import services as audit
from audit.views import PER_PAGE
from core.db import db
from core.timeutil import local_today
from tests.factories import make_user


def shown_seqs(response) -> list[int]:
    body = response.get_data(as_text=True)
    table = body.split('id="audit-events"', 1)[1].split("</table>", 1)[0]
    return [int(n) for n in re.findall(r"<tr>\s*<td>(\d+)</td>", table)]


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
