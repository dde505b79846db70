"""The log page reads recorded values as a person would (QA, an auditor reading Chinese, found
文书类型：scoring_summary, 对象：calls:4, 类型：annual_report, 变更前：submitted, 总分计算方式：trimmed_mean,
服务类别：["education","elderly"], null, 候选人：[{"seat_type":…}], 排名：[[7,1,"79.00"]…], replaces：no_conflict,
评分：{"57": 9} (half points shown as points) and a budget change in fen): enum values by their labels, amounts in
yuan, targets named, lists joined, null as "—".
The events stay exactly as recorded (the chain still verifies, the data is unchanged), and the page's query count
does not grow with its events."""

import json

from flask_babel import force_locale

from accounts.enums import Role
from audit import display, verification
from audit import services as audit
from audit.data_labels import DOC_TYPE_LABELS
from audit.models import AuditEvent
from core.db import db
from tests.factories import make_user, statements_during

QA_EVENTS = [  # (action, target, data) as the services record them
    ("document.issued", ("issued_documents", 1),
     {"code": "VTGAZMY2K5A7", "doc_type": "scoring_summary", "title": "评分汇总表", "sha256": "ab" * 32,
      "target": "calls:4"}),
    ("org.document_added", ("organisations", 3),
     {"kind": "annual_report", "sha256": "cd" * 32, "size": 45, "content_type": "application/pdf", "supersedes": ""}),
    ("contract.report_returned", ("contracts", 2), {"report_id": 1, "from": "submitted", "comment": "补充材料"}),
    ("call.review_rules_fixed", ("calls", 4),
     {"template_id": 2, "source_id": None, "blind": False, "aggregation": "trimmed_mean"}),
    ("org.updated", ("organisations", 3), {"changes": {"categories": [["elderly"], ["education", "elderly"]]}}),
    ("panel.drawn", ("calls", 4),
     {"panel_id": 1, "seed": "s", "seats": {"finance": 1, "social_service": 2},
      "candidates": [{"seat_type": "social_service", "user_id": 5}, {"seat_type": "finance", "user_id": 6}],
      "members": [6, 5]}),
    ("call.decided", ("calls", 4),
     {"awarded": {"7": 12_000_000}, "reason": "", "ranking": [[7, 1, "79.00"], [8, 2, "70.50"]],
      "publicity_ends_on": "2026-12-15"}),
    ("panel.no_conflict_declared", ("proposals", 7), {"member_id": 1, "replaces": "no_conflict"}),
    ("sheet.saved", ("score_sheets", 3), {"evaluation_id": 1, "proposal_id": 7, "scores": {"57": 9, "58": None}}),
    ("sheet.submitted", ("score_sheets", 3), {"evaluation_id": 1, "proposal_id": 7, "total_half_points": 9,
                                               "reason": ""}),
    ("contract.change_approved", ("contracts", 2),
     {"change_id": 2, "kind": "budget", "from": "requested", "reason": "同意", "version": 2,
      "before": {"lines": {"物资": 1_052_632}}, "after": {"lines": {"物资": 1_352_632}}}),
    ("contract.confirmed", ("contracts", 2), {"side": "organisation"}),
]


def record_all(actor, events=QA_EVENTS):
    for action, target, data in events:
        audit.record(action, target, actor=actor, data=data)
    db.session.commit()


def events_table(client, actor) -> str:
    body = client.get(f"/audit/?actor={actor.username}").get_data(as_text=True)
    return body.split('id="audit-events"', 1)[1].split("</table>", 1)[0]


def row(label: str, reading: str) -> str:
    return f"<strong>{label}</strong>：<span>{reading}</span>"


def test_the_values_qa_found_read_as_a_person_reads_them(client, session, login_as):
    actor = make_user(Role.OFFICER, username="values-actor")
    record_all(actor)
    login_as(make_user(Role.AUDITOR))
    table = events_table(client, actor)
    for shown in [row("文书类型", "评分汇总表"), row("对象", "项目征集 #4"), row("类型", "最新年度报告"),
                  row("变更前", "待审核"), row("总分计算方式", "去掉一个最高分和一个最低分后平均（5 人及以上）"),
                  "养老服务 → 社区教育、养老服务", row("席位", "财务审计专家 1 名、社会工作专家 2 名"),
                  row("候选人", "#5（社会工作专家）、#6（财务审计专家）"), row("成员", "#6、#5"),
                  row("排名", "第1名：申报书 #7，79.00 分；第2名：申报书 #8，70.50 分"),
                  row("取代", "此前“无利益冲突”的声明"), row("评分", "指标 #57：4.5 分；指标 #58：已清除"),
                  row("总分", "4.5 分"), row("变更后", "物资 ¥13,526.32"), row("变更前", "物资 ¥10,526.32"),
                  row("类型", "预算调整"), row("签署方", "承接方")]:
        assert shown in table, shown
    for raw in ("scoring_summary", "calls:4", "annual_report", "trimmed_mean", '"education"', "seat_type",
                "[[7, 1", "no_conflict", '"57"', "1052632", "null", ">organisation<", ">submitted<", ">requested<"):
        assert raw not in table, raw
    assert row("来源指标体系编号", "—") in table  # null: nothing recorded


def test_the_events_stay_as_recorded(client, session, login_as):
    actor = make_user(Role.OFFICER, username="kept-actor")
    record_all(actor)
    kept = {e.seq: (e.data, e.hash) for e in db.session.scalars(db.select(AuditEvent))}
    login_as(make_user(Role.AUDITOR))
    assert "评分汇总表" in events_table(client, actor)
    db.session.expire_all()
    assert {e.seq: (e.data, e.hash) for e in db.session.scalars(db.select(AuditEvent))
            if e.seq in kept} == kept
    stored = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "sheet.saved",
                                                           AuditEvent.actor_id == actor.id))
    assert json.loads(stored.data)["scores"] == {"57": 9, "58": None}  # half points, as hashed
    assert verification.verify().ok


def test_the_page_runs_as_many_queries_for_many_events_as_for_few(client, session, login_as):
    few, many = make_user(Role.OFFICER, username="few-actor"), make_user(Role.OFFICER, username="many-actor")
    record_all(few)
    record_all(many, QA_EVENTS * 4)
    login_as(make_user(Role.AUDITOR))
    counts = [len(statements_during(lambda who=who: client.get(f"/audit/?actor={who.username}"))[0])
              for who in (few, many)]
    assert counts[0] == counts[1], counts


def test_every_value_the_demo_recorded_reads_without_raw_codes(app, demo_data):
    """Over the demo's whole trail: no value is shown as raw JSON (a list, an object, null) nor as an enum's code,
    and every kind of document issued is named."""
    from audit.value_readings import labelled_enums
    from core.enums import LabelledEnum

    codes = {member.value for enum in labelled_enums(LabelledEnum) for member in enum} - {"", "other"}
    raw = []
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        for event in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.seq)):
            for key, value, reading in display.shown_data(event):
                if reading:
                    continue
                typed = key in ("username", "name", "title")  # (an account may be called 'admin')
                if value.startswith(("[", "{")) or value in ("null", "") or (value in codes and not typed):
                    raw.append((event.action, key, value[:60]))
            if event.action == "document.issued":
                assert audit.decoded_data(event)["doc_type"] in DOC_TYPE_LABELS
    assert sorted(set(raw)) == [], sorted(set(raw))
