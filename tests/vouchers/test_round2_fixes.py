"""Round-2 fixes: fraud signals' evidence shown readably to an officer (labelled, translated, yuan, local time,
links), and who may download a settlement statement PDF (and the other official documents) per object."""

from datetime import UTC, datetime

import pytest

from accounts.enums import Role
from core.db import db
from core.personal import mask_name
from tests.factories import make_user
from vouchers import fraud
from vouchers.enums import FraudKind
from vouchers.fraud import FraudSignal

from .test_views import html, scene  # noqa: F401  (fixture)

BURST_FROM = datetime(2026, 1, 5, 1, 2, tzinfo=UTC)  # 09:02 in Shanghai
BURST_TO = datetime(2026, 1, 5, 1, 9, tzinfo=UTC)


def one_of_each(scene):  # noqa: F811
    """A signal of every kind, with evidence exactly as the detectors in vouchers.fraud build it."""
    w, r = scene.w, scene.redemption
    return [
        FraudSignal(FraudKind.OWN_STAFF, w.org.id, {"redemptions": 2, "total_fen": 12345}, (r.id,), scene.resident.id),
        FraudSignal(FraudKind.BURST, w.org.id, {"redemptions": 5, "minutes": 10, "from": BURST_FROM, "to": BURST_TO},
                    (r.id,)),
        FraudSignal(FraudKind.AT_CAP, w.org.id, {"subject": "provider", "cap_fen": 300000,
                                                 "periods": ["2025-12", "2026-01"]}),
        FraudSignal(FraudKind.AT_CAP, None, {"subject": "resident", "cap_fen": 20000,
                                             "periods": ["2025-12", "2026-01"]}, resident_id=scene.other_resident.id),
        FraudSignal(FraudKind.DISPUTES, w.org.id, {"disputes": 4}, (r.id,)),
    ]


def flags_section(page: str) -> str:
    start = page.index('id="flags"')
    return page[start:page.index("</ul>", start)]


@pytest.fixture
def flagged_page(scene, client, login_as, monkeypatch):  # noqa: F811
    signals = one_of_each(scene)
    monkeypatch.setattr(fraud, "fraud_signals", lambda programme: signals)

    def get(user):
        client.post("/logout")
        login_as(user)
        response = client.get(f"/vouchers/programmes/{scene.w.programme.id}")
        assert response.status_code == 200
        return flags_section(html(response))
    return get


def test_fraud_evidence_is_labelled_translated_in_yuan_and_local_time(scene, flagged_page):  # noqa: F811
    flags = flagged_page(scene.w.officer)
    assert flags.count('class="flag"') == 5
    # no raw keys, fen or UTC
    for raw in ("total_fen", "cap_fen", "redemptions:", "minutes:", "from:", "to:", "subject", "periods",
                "disputes:", "12345", "300000", "+00:00", "01:02", ": provider", ": resident", "'2025-12'"):
        assert raw not in flags, raw
    # own staff: count and yuan
    assert "核销笔数" in flags and "合计金额" in flags and "¥123.45" in flags
    # burst: window in minutes, times in Shanghai time
    assert "10 分钟" in flags and "2026-01-05 09:02" in flags and "2026-01-05 09:09" in flags
    # at the cap: whose cap, the cap in yuan, the months
    assert "每月上限" in flags and "¥3,000.00" in flags and "¥200.00" in flags and "2025-12、2026-01" in flags
    assert "服务机构" in flags and "居民" in flags
    # many disputes
    assert "争议笔数" in flags
    # links: the provider's page; the resident only masked (an officer has no resident page)
    assert f'href="/vouchers/provider/{scene.w.org.id}"' in flags
    assert scene.resident.real_name not in flags and mask_name(scene.resident.real_name) in flags
    assert "/vouchers/residents/" not in flags and "/audit/" not in flags
    assert f"#{scene.redemption.id}" in flags


def test_fraud_evidence_links_where_the_viewer_has_the_page(scene, flagged_page):  # noqa: F811
    """An auditor reads the redemptions' audit trail; an administrator also opens the resident's record."""
    flags = flagged_page(scene.auditor)
    assert f"target_id={scene.redemption.id}" in flags and "target_type=voucher_redemptions" in flags
    admin = make_user(Role.ADMIN)
    db.session.commit()
    flags = flagged_page(admin)
    assert f'href="/vouchers/residents/{scene.resident.id}"' in flags
    assert f'href="/vouchers/residents/{scene.other_resident.id}"' in flags


# --- who may download an issued document ------------------------------------------------------------------

def plain_member(org, manager):
    """An active member (not a manager) of the organisation."""
    from orgs import services as org_services

    user = make_user()
    org, manager = db.session.get(type(org), org.id), db.session.get(type(manager), manager.id)  # this session's
    membership = org_services.invite_member(org, user.username, "member", actor=manager)
    org_services.answer_invitation(membership, True, actor=user)
    return user


def download_status(client, login_as, user, code: str) -> int:
    client.post("/logout")
    if user is not None:
        login_as(user)
    return client.get(f"/documents/{code}.pdf").status_code


STATEMENT_DOWNLOADERS = ("issuer", "other_officer", "manager", "member", "other_member", "resident", "staff",
                         "auditor", "anonymous")
STATEMENT_ALLOWED = (200, 200, 200, 200, 403, 403, 403, 200, 302)


def test_settlement_statement_download_table(scene, app, client, login_as):  # noqa: F811
    """Officers (who settle) and the provider's own active members get the statement, whoever issued it; another
    organisation's member, a resident and community staff do not; anonymous is sent to log in."""
    from vouchers import documents

    with app.test_request_context():
        code = documents.issue_statement(scene.settlement, actor=scene.w.officer).code
        users = {"issuer": scene.w.officer, "other_officer": make_user(Role.OFFICER), "manager": scene.member,
                 "member": plain_member(scene.w.org, scene.member), "other_member": scene.other_member,
                 "resident": scene.resident_user, "staff": scene.w.staff, "auditor": scene.auditor,
                 "anonymous": None}
    db.session.commit()
    got = tuple(download_status(client, login_as, users[who], code) for who in STATEMENT_DOWNLOADERS)
    assert got == STATEMENT_ALLOWED, dict(zip(STATEMENT_DOWNLOADERS, got, strict=True))
    # the public record offers the download to those who may have it
    client.post("/logout")
    login_as(users["other_officer"])
    assert f"/documents/{code}.pdf" in html(client.get(f"/verify/{code}"))
    client.post("/logout")
    login_as(users["other_member"])
    assert f"/documents/{code}.pdf" not in html(client.get(f"/verify/{code}"))


def test_statement_issued_by_the_provider_reaches_the_officer(scene, app, client, login_as):  # noqa: F811
    from vouchers import documents

    with app.test_request_context():
        code = documents.issue_statement(scene.settlement, actor=scene.member).code
    db.session.commit()
    assert download_status(client, login_as, scene.w.officer, code) == 200
    assert download_status(client, login_as, scene.other_member, code) == 403


def test_the_other_official_documents_reach_their_parties(app, client, login_as):
    """The contract reaches both parties whoever confirmed last; the award notice (issued by the system, no
    issuer) reaches the winning organisation and officers; the published announcements reach anyone logged in;
    the evaluation report reaches the evaluated organisation and officers. Another organisation's member gets
    none of the private ones."""
    from evaluation import project_report
    from orgs.enums import OrgStatus
    from tests.evaluation.project_helpers import commissioned, score_all
    from tests.orgs.helpers import approved_org

    officer, manager, contract, evaluation, evaluators = commissioned(app)
    with app.test_request_context():
        score_all(evaluation, {evaluators[0].id: 80})
        project_report.issue_report(evaluation, "项目基本完成合同约定。", [], actor=evaluators[0])
        other_officer, outsider = make_user(Role.OFFICER), make_user()
        assert approved_org(outsider, officer).status == OrgStatus.APPROVED.value
        member = plain_member(contract.org, manager)
    db.session.commit()
    from audit.documents import IssuedDocument

    codes = {d.doc_type: d.code for d in db.session.query(IssuedDocument).order_by(IssuedDocument.id)}
    table = {  # doc_type: (other officer, manager, plain member, another org's manager)
        "contract": (200, 200, 200, 403),
        "award_notice": (200, 200, 200, 403),
        "call_announcement": (200, 200, 200, 200),
        "results_announcement": (200, 200, 200, 200),
        "evaluation_report": (200, 200, 200, 403),
    }
    for doc_type, expected in table.items():
        got = tuple(download_status(client, login_as, user, codes[doc_type])
                    for user in (other_officer, manager, member, outsider))
        assert got == expected, (doc_type, got)


def test_scoring_summary_reaches_every_officer_not_organisations(app, session):
    from audit.documents import IssuedDocument
    from audit.permissions import can_download_document
    from tests.projects.helpers import published_call

    issuer = make_user(Role.OFFICER)
    with app.test_request_context():
        call = published_call(issuer)
    summary = IssuedDocument(code="X", doc_type="scoring_summary", title="评分汇总表", issuer_id=issuer.id,
                             sha256="0" * 64, size=1, target_type="calls", target_id=str(call.id), content=b"")
    assert call.__tablename__ == "calls"
    assert can_download_document(make_user(Role.OFFICER), summary)
    assert not can_download_document(make_user(), summary)
    assert not can_download_document(make_user(Role.EVALUATOR), summary)
