"""The log reads what a download recorded as a person would (QA, an auditor reading Chinese, found 筛选条件：
{"actor_id": 2}, {"target_id": "9", "target_type": "contracts"}, {} and 格式：csv): the audit log download's filter as
the filter form reads it (the actor by name, the target by its label, the action by its label, the days; nothing
asked: the whole log; an actor no account had: what was typed), every export's format as CSV. The data stays as
hashed, and the page's query count does not grow with the downloads on it."""


import pytest
from flask_babel import force_locale

from accounts.enums import Role
from audit import display
from audit import services as audit
from core.db import db
from tests.factories import make_user, statements_during


def download(client, query: str) -> dict:
    assert client.get(f"/audit/log.csv?{query}", buffered=True).status_code == 200
    return audit.search_events(audit.EventFilter(action="export.audit_log", exact=True), limit=1)[0]


def reading(app, event, key: str, lang="zh-CN") -> str:
    with app.test_request_context(), force_locale("en" if lang == "en" else "zh_Hans_CN"):
        return next(read for name, _text, read in display.shown_data(event) if name == key)


def filter_read(app, event, lang="zh-CN") -> str:
    return reading(app, event, "filter", lang)


@pytest.mark.parametrize(("query", "zh", "en"), [
    ("actor=filt-actor", "操作人（用户名）：王芳（filt-actor）", "Actor (user name): 王芳 (filt-actor)"),
    ("target_type=contracts&target_id=9", "操作对象：合同 #9", "Target: Contract #9"),
    ("action=document.issued&actor=filt-actor&date_from=2026-12-01",
     "操作人（用户名）：王芳（filt-actor）；操作：", "From: 2026-12-01"),
    ("", "无筛选条件：整个日志", "No filter: the whole log"),
    ("actor=Nobody-There", "“nobody-there”（无此账户）", "“nobody-there” (no such account)"),
    ("action=voucher.", "全部：", "All: Vouchers"),
])
def test_the_audit_log_downloads_filter_reads_as_the_filter_form(app, client, session, login_as, query, zh, en):
    make_user(username="filt-actor", display_name="王芳")
    login_as(make_user(Role.AUDITOR))
    event = download(client, query)
    for lang, expected in (("zh-CN", zh), ("en", en)):
        shown = filter_read(app, event, lang)
        assert expected in shown, shown
        assert "{" not in shown and "actor_id" not in shown and "target_type" not in shown


def test_the_action_is_named_by_its_label_and_the_data_stays_as_hashed(app, client, session, login_as):
    actor = make_user(username="filt-actor2", display_name="李雷")
    login_as(make_user(Role.AUDITOR))
    event = download(client, "action=document.issued&actor=filt-actor2&date_from=2026-12-01")
    assert audit.decoded_data(event)["filter"] == {"action": "document.issued", "date_from": "2026-12-01",
                                                   "actor_id": actor.id}
    shown = filter_read(app, event, "en")
    assert shown == "Actor (user name): 李雷 (filt-actor2); Action: Official document issued; From: 2026-12-01"


def test_an_actor_no_account_had_is_stored_as_typed(client, session, login_as):
    login_as(make_user(Role.AUDITOR))
    event = download(client, "actor=%20Ghost%20")
    assert audit.decoded_data(event)["filter"] == {"actor_id": None, "actor": "ghost"}


@pytest.mark.parametrize("action", ["export.settlement_lines", "export.contract_money", "export.closeout"])
def test_every_exports_format_reads_in_capitals(app, client, session, login_as, action):
    event = audit.record(action, ("things", 1), actor=make_user(), data={"format": "csv", "rows": 3})
    db.session.commit()
    assert reading(app, event, "format") == reading(app, event, "format", "en") == "CSV"
    login_as(make_user(Role.AUDITOR))
    body = client.get("/audit/?target_type=things").get_data(as_text=True)
    assert ">CSV</span>" in body and ">csv<" not in body


def test_the_page_reads_the_filtering_actors_in_one_query(client, session, login_as):
    auditor = make_user(Role.AUDITOR)
    few, many = make_user(username="filt-few"), [make_user(username=f"filt-many{i}") for i in range(5)]
    for who, actors in ((few, [few]), (many[0], many)):
        for actor in actors:
            audit.record("export.audit_log", None, actor=who, data={"up_to_seq": 1, "filter": {"actor_id": actor.id}})
    db.session.commit()
    login_as(auditor)
    counts = [len(statements_during(lambda who=who: client.get(f"/audit/?actor={who.username}"))[0])
              for who in (few, many[0])]
    assert counts[0] == counts[1], counts
