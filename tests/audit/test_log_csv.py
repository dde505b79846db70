"""The audit log as a spreadsheet (with every hashed field, so a copy can be checked outside the platform), the log
page's links to an object's and an actor's history, and amounts in fen read as yuan beside the recorded value."""

import csv
import hashlib
import io
import json

from accounts.enums import Role
from audit import display, verification
from audit import services as audit
from audit.chain import canonical_event
from core.db import db
from tests.factories import make_user


def get(client, url: str):
    """Read to the end inside the request (a streamed body read later would pop its contexts from the wrong one)."""
    return client.get(url, buffered=True)


def read_csv(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_the_csv_holds_the_filtered_events_and_each_hash_can_be_recomputed_from_the_row(client, session, login_as):
    auditor = make_user(Role.AUDITOR, username="csv-auditor")
    actor = make_user(username="csv-actor")
    recorded = [audit.record("test.csv", ("things", i), actor=actor, data={"amount_fen": 100 * i, "note": "照常"})
                for i in range(3)]
    audit.record("test.other", ("things", 9), actor=actor)
    db.session.commit()
    login_as(auditor)

    response = get(client, "/audit/log.csv?action=test.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)  # the header in Chinese, the request's language (test_log_readable: in English too)
    assert [int(row["序号"]) for row in rows] == [e.seq for e in reversed(recorded)]  # newest first, nothing else
    for row in rows:
        assert row["操作人编号"] == str(actor.id) and row["操作人（用户名）"] == "csv-actor"
        payload = canonical_event(int(row["序号"]), row["时间（UTC，参与哈希）"], int(row["操作人编号"]),
                                  row["操作人角色代码（参与哈希）"], row["IP 地址"], row["请求编号"], row["操作代码"],
                                  row["对象类型代码"], row["对象编号"], row["数据（参与哈希）"])
        assert hashlib.sha256((row["前一哈希值"] + payload).encode()).hexdigest() == row["哈希值"]
    assert json.loads(rows[-1]["数据（参与哈希）"]) == {"amount_fen": 0, "note": "照常"}


def test_the_download_is_recorded_with_its_filter_and_the_head_it_stops_at(client, session, login_as):
    auditor = make_user(Role.AUDITOR)
    actor = make_user(username="csv-filtered")
    audit.record("test.csv", ("things", 1), actor=actor)
    db.session.commit()
    head = verification.head().seq
    login_as(auditor)
    rows = read_csv(get(client, "/audit/log.csv?actor=csv-filtered&target_type=things"))
    assert len(rows) == 1
    exported = audit.search_events(audit.EventFilter(action="export.audit_log", exact=True), limit=1)[0]
    assert exported.actor_id == auditor.id
    data = audit.decoded_data(exported)
    assert data["filter"] == {"target_type": "things", "actor_id": actor.id}  # the account's id, not its name
    assert data["up_to_seq"] >= head and "csv-filtered" not in exported.data


def test_events_after_the_head_the_download_began_at_are_not_in_it_and_batches_join_up(app, session, monkeypatch):
    actor = make_user()
    first = [audit.record("test.csv_late", ("things", i), actor=actor) for i in range(5)]
    audit.record("test.csv_late", ("things", 99), actor=actor)  # appended while it streams
    db.session.commit()
    monkeypatch.setattr(display, "CSV_BATCH", 2)  # several batches, each starting where the last one ended
    with app.test_request_context():
        rows = list(display.csv_rows(audit.EventFilter(action="test.csv_late", exact=True), first[-1].seq))
    assert [row[0] for row in rows[1:]] == [str(e.seq) for e in reversed(first)]


def test_only_administrators_and_auditors_may_download_and_a_bad_filter_is_refused(client, session, login_as):
    login_as(make_user(Role.OFFICER))
    assert get(client, "/audit/log.csv").status_code == 403
    client.post("/logout")
    login_as(make_user(Role.AUDITOR))
    before = verification.head().seq
    response = get(client, "/audit/log.csv?date_from=2025-03-10&date_to=2025-03-01")
    assert response.status_code == 422 and "text/html" in response.content_type
    assert "结束日期早于开始日期" in response.get_data(as_text=True) or 'id="date_to-error"' in response.get_data(
        as_text=True)
    assert verification.head().seq == before  # nothing downloaded, nothing recorded


def test_the_log_links_to_an_objects_and_an_actors_history_and_reads_fen_as_yuan(client, session, login_as):
    auditor = make_user(Role.AUDITOR)
    actor = make_user(username="linked-actor")
    audit.record("test.linked", ("things", 42), actor=actor,
                 data={"amount_fen": 160000, "changes": {"price_fen": [10000, 12050], "note": ["a", "b"]}})
    db.session.commit()
    login_as(auditor)
    body = client.get("/audit/?action=test.linked").get_data(as_text=True)
    table = body.split('id="audit-events"', 1)[1].split("</table>", 1)[0]
    assert 'href="/audit/?target_type=things&amp;target_id=42"' in table
    assert 'href="/audit/?actor=linked-actor"' in table
    assert "<strong>金额</strong>：<span>¥1,600.00</span>" in table and "160000" not in table  # the CSV keeps it
    assert "<span>¥100.00 → ¥120.50</span>" in table
    assert 'id="audit-csv" href="/audit/log.csv?action=test.linked"' in body
