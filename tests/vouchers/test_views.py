"""Voucher pages: the permission table, pages rendering what they should, forms' bad input, the page flows
(register, verify, code, redeem, rate, dispute, decide, settle) with their rows and audit events."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from accounts.residents import ResidentData, submit_profile, transition_resident
from core.db import db, utcnow
from core.personal import mask_name
from tests.factories import make_user
from tests.orgs.helpers import community
from vouchers import issuance, redemption, settlement
from vouchers.enums import RedemptionStatus
from vouchers.models import Programme, Voucher
from vouchers.programmes import period_of
from vouchers.redemption_models import Dispute, Rating, Redemption

from .helpers import events, id_number, provider, world


@dataclass
class Scene:
    w: object
    resident_user: object
    resident: object
    other_user: object
    other_resident: object
    member: object
    other_member: object
    auditor: object
    redemption: Redemption
    settlement: object


def phone_resident(staff, name: str):
    """A resident who logs in: signs up, asks to be verified, staff verify."""
    user = make_user(Role.RESIDENT, phone=f"139{abs(hash(name)) % 10**8:08d}")
    number = id_number()
    profile = submit_profile(user, ResidentData(name, number, community("和平社区").id), actor=user)
    transition_resident(profile, "verified", actor=staff, card_number=number)
    return user, profile


@pytest.fixture
def scene(app):
    with app.test_request_context():
        w = world()
        resident_user, resident = phone_resident(w.staff, "张秀英")
        other_user, other_resident = phone_resident(w.staff, "李桂兰")
        last_month = utcnow() - timedelta(days=40)
        issuance.issue_to_resident(w.programme, resident, actor=w.officer, period=period_of(last_month), now=last_month)
        issuance.issue_to_resident(w.programme, resident, actor=w.officer)
        code, _row = redemption.issue_code(resident, actor=resident_user, now=last_month)
        redemption.redeem(code, w.service, 3000, "k-old", actor=w.manager, now=last_month)
        statement = settlement.prepare_settlement(w.programme, w.org, period_of(last_month), actor=w.officer)
        code, _row = redemption.issue_code(resident, actor=resident_user)
        fresh = redemption.redeem(code, w.service, 2000, "k-new", actor=w.manager).redemption
        _other_org, other_member = provider(w.officer)
        db.session.commit()
        return Scene(w, resident_user, resident, other_user, other_resident, w.manager, other_member,
                     make_user(Role.AUDITOR), fresh, statement)


ROLES = ("resident", "other_resident", "member", "other_member", "staff", "officer", "auditor", "anonymous")


def user_for(scene: Scene, role: str):
    return {"resident": scene.resident_user, "other_resident": scene.other_user, "member": scene.member,
            "other_member": scene.other_member, "staff": scene.w.staff, "officer": scene.w.officer,
            "auditor": scene.auditor, "anonymous": None}[role]


def url_for_page(scene: Scene, name: str) -> str:
    w = scene.w
    return {"programmes": "/vouchers/programmes", "programme": f"/vouchers/programmes/{w.programme.id}",
            "programme_new": "/vouchers/programmes/new", "residents": "/vouchers/residents",
            "resident": f"/vouchers/residents/{scene.resident.id}", "resident_new": "/vouchers/residents/new",
            "me": "/vouchers/me", "code": "/vouchers/me/code", "my_redemptions": "/vouchers/me/redemptions",
            "catalogue": "/vouchers/catalogue", "provider": f"/vouchers/provider/{w.org.id}",
            "service_new": f"/vouchers/provider/{w.org.id}/services/new",
            "service_edit": f"/vouchers/services/{w.service.id}/edit",
            "settlement": f"/vouchers/settlements/{scene.settlement.id}"}[name]


A, F = 200, 403  # allowed, forbidden
PERMISSIONS = {  # resident, other resident, member, other org member, staff, officer, auditor, anonymous
    "programmes": (F, F, F, F, F, A, A, 302),
    "programme": (F, F, F, F, F, A, A, 302),
    "programme_new": (F, F, F, F, F, A, F, 302),
    "residents": (F, F, F, F, A, F, F, 302),
    "resident": (F, F, F, F, A, F, F, 302),
    "resident_new": (F, F, F, F, A, F, F, 302),
    "me": (A, A, 302, 302, 302, 302, 302, 302),
    "code": (A, A, F, F, F, F, F, 302),
    "my_redemptions": (A, A, 302, 302, 302, 302, 302, 302),
    "catalogue": (A, A, A, A, A, A, A, 302),
    "provider": (F, F, A, F, F, A, A, 302),
    "service_new": (F, F, A, F, F, F, F, 302),
    "service_edit": (F, F, A, F, F, F, F, 302),
    "settlement": (F, F, A, F, F, A, A, 302),
}


@pytest.mark.parametrize("page", sorted(PERMISSIONS))
def test_permission_table(page, scene, client, login_as):
    for role, expected in zip(ROLES, PERMISSIONS[page], strict=True):
        user = user_for(scene, role)
        client.post("/logout")
        if user is not None:
            login_as(user)
        response = client.get(url_for_page(scene, page))
        assert response.status_code == expected, (page, role, response.status_code)


def test_other_residents_redemption_is_404_for_rating_and_dispute(scene, client, login_as):
    login_as(scene.other_user)
    assert client.post(f"/vouchers/redemptions/{scene.redemption.id}/rate", data={"stars": "5"}).status_code == 404
    assert client.post(f"/vouchers/redemptions/{scene.redemption.id}/dispute",
                       data={"reason": "没来"}).status_code == 404
    client.post("/logout")
    login_as(scene.member)
    assert client.post(f"/vouchers/redemptions/{scene.redemption.id}/rate", data={"stars": "5"}).status_code == 404
    assert db.session.scalar(select(func.count(Rating.id))) == 0


def test_officer_only_posts_are_forbidden_to_others(scene, client, login_as):
    login_as(scene.auditor)
    w = scene.w
    assert client.post(f"/vouchers/programmes/{w.programme.id}/status/closed").status_code == 403
    assert client.post(f"/vouchers/settlements/{scene.settlement.id}/approved").status_code == 403
    client.post("/logout")
    login_as(scene.other_member)
    assert client.post(f"/vouchers/provider/{w.org.id}/redeem", data={}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Programme, w.programme.id).status == "active"


def fresh(model, ident):
    """The row as the database has it now (the requests ran in their own sessions)."""
    db.session.expire_all()
    return db.session.get(model, ident)


def html(response) -> str:
    return response.get_data(as_text=True)


def test_provider_redeems_on_the_page_once_per_form(scene, client, login_as):
    with client.application.test_request_context():
        code, _row = redemption.issue_code(scene.resident, actor=scene.resident_user)
    db.session.commit()
    login_as(scene.member)
    org_id, before = scene.w.org.id, db.session.scalar(select(func.count(Redemption.id)))
    form = {"code": code, "service_id": str(scene.w.service.id), "amount_fen": "45.5", "idempotency_key": "form-1"}
    first = client.post(f"/vouchers/provider/{org_id}/redeem", data=form)
    assert first.status_code == 302
    again = client.post(f"/vouchers/provider/{org_id}/redeem", data=form)  # a double submission
    assert again.status_code == 302
    rows = list(db.session.scalars(select(Redemption).where(Redemption.idempotency_key == "form-1")))
    assert len(rows) == 1 and rows[0].amount_fen == 4550
    assert db.session.scalar(select(func.count(Redemption.id))) == before + 1
    assert events("voucher.redeemed")[-1].target_id == str(rows[0].id)
    page = html(client.get(f"/vouchers/provider/{org_id}"))
    assert "¥45.50" in page and mask_name(scene.resident.real_name) in page
    assert scene.resident.real_name not in page  # the flashed confirmation masks the name too


@pytest.mark.parametrize("form, field_text, status", [
    ({"code": "12", "amount_fen": "10"}, "8", 422),
    ({"code": "00000000", "amount_fen": "abc"}, "yuan", 422),
    ({"code": "00000000", "amount_fen": "10"}, "not known", 409),  # well formed, but no such code
])
def test_bad_redemption_input_re_renders_with_errors_and_changes_nothing(scene, client, login_as, form, field_text,
                                                                         status):
    login_as(scene.member)
    before = db.session.scalar(select(func.count(Redemption.id)))
    data = {"service_id": str(scene.w.service.id), "idempotency_key": "bad-1", **form}
    response = client.post(f"/vouchers/provider/{scene.w.org.id}/redeem", data=data, headers={"Accept-Language": "en"})
    assert response.status_code == status
    assert field_text in html(response)
    assert db.session.scalar(select(func.count(Redemption.id))) == before


def test_resident_gets_a_code_with_qr_and_sees_balance(scene, client, login_as):
    login_as(scene.resident_user)
    page = html(client.get("/vouchers/me"))
    assert "¥" in page and "balance-amount" in page
    response = client.post("/vouchers/me/code", data={"programme_id": str(scene.w.programme.id)},
                           follow_redirects=True)
    body = html(response)
    assert response.status_code == 200 and 'id="one-time-code"' in body and "data:image/svg+xml" in body
    assert events("voucher.code_issued")[-1].actor_id == scene.resident_user.id


def test_resident_rates_once_and_disputes_within_the_window(scene, client, login_as):
    login_as(scene.resident_user)
    target = f"/vouchers/redemptions/{scene.redemption.id}"
    assert client.post(f"{target}/rate", data={"stars": "6"}).status_code == 422  # refused: shown again, not saved
    assert db.session.scalar(select(func.count(Rating.id))) == 0
    assert client.post(f"{target}/rate", data={"stars": "4", "comment": "很好"}).status_code == 302
    assert client.post(f"{target}/rate", data={"stars": "1"}).status_code == 409  # rated already: stale
    ratings = list(db.session.scalars(select(Rating)))
    assert [(r.stars, r.comment) for r in ratings] == [(4, "很好")]
    assert len(events("voucher.rated")) == 1
    assert "★★★★" in html(client.get("/vouchers/me/redemptions"))
    assert client.post(f"{target}/dispute", data={"reason": "服务时间不足"}).status_code == 302
    assert fresh(Redemption, scene.redemption.id).status == RedemptionStatus.DISPUTED
    assert len(events("voucher.disputed")) == 1


def test_officer_decides_a_dispute_on_the_programme_page(scene, client, login_as):
    with client.application.test_request_context():
        from vouchers.disputes import raise_dispute

        dispute = raise_dispute(scene.redemption, "没有上门", actor=scene.resident_user)
    db.session.commit()
    login_as(scene.w.officer)
    page = html(client.get(f"/vouchers/programmes/{scene.w.programme.id}"))
    assert "没有上门" in page and 'id="recon-ok"' in page
    refused = client.post(f"/vouchers/disputes/{dispute.id}/decide", data={"uphold": "1"})
    assert refused.status_code == 422  # no reason given: refused on the page, the choice kept, why beside the box
    assert f'id="note-{dispute.id}-error">请填写处理理由。<' in html(refused)
    assert f'<input checked class="form-check-input" id="uphold-{dispute.id}-1"' in html(refused)
    assert fresh(Dispute, dispute.id).status == "open"
    decided = client.post(f"/vouchers/disputes/{dispute.id}/decide", data={"uphold": "1", "note": "核实未上门"})
    assert decided.status_code == 302
    assert fresh(Redemption, scene.redemption.id).status == RedemptionStatus.REVERSED
    assert len(events("voucher.dispute_upheld")) == 1
    assert 'id="recon-ok"' in html(client.get(f"/vouchers/programmes/{scene.w.programme.id}"))


def test_reconciliation_shown_to_the_fen(scene, client, login_as):
    from vouchers.ledger import reconciliation

    login_as(scene.auditor)
    page = html(client.get(f"/vouchers/programmes/{scene.w.programme.id}"))
    recon = reconciliation(scene.w.programme)
    assert recon.issued_fen == recon.redeemed_fen + recon.expired_fen + recon.revoked_fen + recon.outstanding_fen
    from core.money import format_fen

    for value in (recon.issued_fen, recon.redeemed_fen, recon.outstanding_fen):
        assert format_fen(value) in page
    assert 'id="start-batch"' not in page  # auditors read, they do not act


def test_staff_register_a_resident_and_bad_id_is_refused(scene, client, login_as):
    from accounts.resident_models import ResidentProfile

    login_as(scene.w.staff)
    before = db.session.scalar(select(func.count(ResidentProfile.id)))
    bad = client.post("/vouchers/residents/new", data={"real_name": "王建国", "id_number": "110105195003011234",
                                                       "community_id": str(community("和平社区").id)})
    assert bad.status_code == 422 and "is-invalid" in html(bad)
    assert db.session.scalar(select(func.count(ResidentProfile.id))) == before
    number = id_number()
    good = client.post("/vouchers/residents/new", data={"real_name": "王建国", "id_number": number,
                                                        "community_id": str(community("和平社区").id),
                                                        "tags": ["living_alone"]})
    assert good.status_code == 302
    made = db.session.scalar(select(ResidentProfile).where(ResidentProfile.real_name == "王建国"))
    assert made.status == "verified" and [t.tag for t in made.tag_rows] == ["living_alone"]
    assert events("resident.registered")[-1].target_id == str(made.id)
    page = html(client.get(f"/vouchers/residents/{made.id}"))
    assert made.id_masked in page and number not in page
    listing = html(client.get(f"/vouchers/residents?community={made.community_id}"))
    assert "王建国" in listing and number not in listing


def test_officer_creates_activates_and_issues_a_batch_with_progress(scene, client, login_as):
    from tests.orgs.helpers import category

    login_as(scene.w.officer)
    empty = client.post("/vouchers/programmes/new", data={"name": ""})
    assert empty.status_code == 422 and "is-invalid" in html(empty)
    data = {"name": "独居老人服务券", "budget_fen": "100000", "face_value_fen": "50", "vouchers_per_period": "2",
            "category_ids": [str(category("elderly").id)], "tags_mode": "any", "validity_days": "30",
            "provider_mode": "open", "min_age": "60"}
    assert client.post("/vouchers/programmes/new", data=data).status_code == 302
    made = db.session.scalar(select(Programme).where(Programme.name == "独居老人服务券"))
    assert made.budget_fen == 10_000_000 and made.face_value_fen == 5000 and made.status == "draft"
    assert client.post(f"/vouchers/programmes/{made.id}/status/active").status_code == 302
    assert fresh(Programme, made.id).status == "active"
    response = client.post(f"/vouchers/programmes/{made.id}/batches", data={"period": period_of()})
    assert response.status_code == 302 and "/vouchers/batches/" in response.headers["Location"]
    progress = html(client.get(response.headers["Location"]))
    assert 'id="residents-issued"' in progress
    issued = db.session.scalar(select(func.count(Voucher.id)).where(Voucher.programme_id == made.id))
    assert issued == 2 * 3  # three verified residents aged 60+, two vouchers each
    assert events("voucher.batch_started") and events("voucher_programme.active")


def test_settlement_approved_and_paid_on_its_page(scene, client, login_as):
    login_as(scene.w.officer)
    target = f"/vouchers/settlements/{scene.settlement.id}"
    assert "¥30.00" in html(client.get(target))
    assert client.post(f"{target}/paid", data={"payment_reference": "X1"}).status_code == 302
    assert fresh(type(scene.settlement), scene.settlement.id).status == "draft"  # approve first
    assert client.post(f"{target}/approved").status_code == 302
    refused = client.post(f"{target}/paid", data={"payment_reference": " "})
    assert refused.status_code == 422  # no reference: said beside the box, nothing paid
    assert 'class="form-control is-invalid" id="payment_reference"' in html(refused)
    assert '<div class="invalid-feedback">请填写付款凭证号。</div>' in html(refused)
    assert fresh(type(scene.settlement), scene.settlement.id).status == "approved"
    assert client.post(f"{target}/paid", data={"payment_reference": "BOC-2026-001"}).status_code == 302
    assert fresh(type(scene.settlement), scene.settlement.id).status == "paid"
    assert events("voucher.settlement_paid")[-1].target_id == str(scene.settlement.id)


def test_catalogue_and_public_profile_show_ratings(scene, client, login_as):
    with client.application.test_request_context():
        from vouchers.catalogue import rate

        rate(scene.redemption, 5, actor=scene.resident_user)
    db.session.commit()
    login_as(scene.resident_user)
    page = html(client.get(f"/vouchers/catalogue?category={scene.w.service.category_id}"))
    assert scene.w.service.name in page and "★ 5.0" in page
    assert 'id="voucher-rating"' in html(client.get(f"/orgs/{scene.w.org.id}"))


def test_fraud_signal_shown_with_evidence(scene, client, login_as):
    """The provider's own staff member redeems at their own provider: flagged, not blocked."""
    w = scene.w
    with client.application.test_request_context():
        data = ResidentData("赵员工", id_number(), community("和平社区").id)
        profile = submit_profile(w.manager, data, actor=w.manager)
        transition_resident(profile, "verified", actor=w.staff, card_number=data.id_number)
        issuance.issue_to_resident(db.session.get(Programme, w.programme.id), profile, actor=w.officer)
        code, _row = redemption.issue_code(profile, actor=w.manager)
        done = redemption.redeem(code, db.session.get(type(w.service), w.service.id), 1000, "own-1",
                                 actor=w.manager).redemption
    db.session.commit()
    login_as(w.officer)
    page = html(client.get(f"/vouchers/programmes/{w.programme.id}"))
    flags = page[page.index('id="flags"'):page.index("</ul>", page.index('id="flags"'))]
    assert "class=\"flag\"" in flags and w.org.name in flags and str(done.id) in flags
