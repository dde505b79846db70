"""Every data key a package records has a label (audit.data_labels.KEY_LABELS) in both languages, so the log page
shows no raw key (QA found 'known_user: true', 'programme_id', 'payment_reference', 'seq' among the Chinese). The
keys are read from the source: the literal keys of each record(..., data={...}) call. And the CSV names the actor's
roles by their labels beside the codes that were hashed (it said 'officer')."""

import ast
import csv
import io
import pathlib

from flask_babel import force_locale

from accounts.enums import Role
from audit import services as audit
from audit.data_labels import KEY_LABELS
from core.db import db
from tests.factories import make_user

PACKAGES = ("accounts", "audit", "core", "orgs", "projects", "evaluation", "vouchers")
ROOT = pathlib.Path(__file__).resolve().parents[2]


def recorded_keys() -> dict[str, str]:
    """key -> where it is first recorded: the literal keys of data={...}, those of the dicts spread into it
    (**({'replaced_by': …} if … else {})), and those of a dict assigned to the name passed (data = {...}; …
    record(..., data=data)), as org.document_removed's 'document_id' was, unlabelled."""
    found: dict[str, str] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            assigned = {}  # name -> the dict literals assigned to it in this module
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            assigned.setdefault(target.id, []).append(node.value)
            for node in ast.walk(tree):
                name = getattr(node.func, "attr", getattr(node.func, "id", "")) if isinstance(node, ast.Call) else ""
                if name != "record":
                    continue
                for keyword in node.keywords:
                    if keyword.arg != "data":
                        continue
                    sources = assigned.get(keyword.value.id, []) if isinstance(keyword.value, ast.Name) else []
                    for source in [keyword.value, *sources]:
                        for inner in ast.walk(source):
                            for key in inner.keys if isinstance(inner, ast.Dict) else ():
                                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                                    found.setdefault(key.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_recorded_data_key_has_a_label_in_both_languages(app):
    keys = recorded_keys()
    assert len(keys) > 100  # (the walk found the calls)
    assert {key: where for key, where in keys.items() if key not in KEY_LABELS} == {}
    with app.test_request_context():
        for key in keys:
            with force_locale("zh_Hans_CN"):
                chinese = str(KEY_LABELS[key])
            with force_locale("en"):
                english = str(KEY_LABELS[key])
            assert chinese != english or key == "sha256", key  # translated (SHA-256 reads the same)


def test_the_log_shows_labels_booleans_and_roles_not_codes(client, session, login_as):
    actor = make_user(Role.OFFICER, username="labelled-actor")
    audit.record("user.created", actor, actor=actor, data={"username": "x", "roles": ["community_staff"],
                                                          "self_signup": False})
    audit.record("voucher_issuance.started", ("voucher_issuance_batches", 1), actor=actor,
                 data={"programme_id": 3, "expected_residents": 12})
    db.session.commit()
    login_as(make_user(Role.AUDITOR))
    body = client.get("/audit/?actor=labelled-actor").get_data(as_text=True)
    table = body.split('id="audit-events"', 1)[1].split("</table>", 1)[0]
    assert "<strong>是否自行注册</strong>：<span>否</span>" in table
    assert "<strong>角色</strong>：<span>社区工作人员</span>" in table and "community_staff" not in table
    assert "<strong>服务券项目编号</strong>" in table and "<strong>预计居民人数</strong>" in table
    for code in ("self_signup", "programme_id", "expected_residents"):
        assert code not in table, code
    assert "<code>" not in table  # nor the action's or target type's code under its label (in links only)
    text = client.get("/audit/log.csv?actor=labelled-actor", buffered=True).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert {(r["操作人角色代码（参与哈希）"], r["操作人角色"]) for r in rows} == {("officer", "工作人员")}


def test_every_key_and_changed_field_the_demo_recorded_has_a_label(app, demo_data):
    """What the source walk cannot see: keys of data built at run time (data={..., **late}) and the fields of a
    recorded change (record(changes=diff(before, after))). The demo's whole trail, read back."""
    from audit.models import AuditEvent

    keys, fields = set(), set()
    for event in db.session.scalars(db.select(AuditEvent)):
        data = audit.decoded_data(event)
        keys |= set(data)
        if isinstance(data.get("changes"), dict):
            fields |= set(data["changes"])
    assert len(keys) > 50
    missing = sorted(k for k in keys | fields if k not in KEY_LABELS)
    assert missing == [], ", ".join(missing)
