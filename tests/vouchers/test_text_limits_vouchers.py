"""A dispute's reason (2000 characters) and a rating's comment (1000) are refused over their limits by the services,
whoever calls them (they used to be cut for callers other than the API); exactly the limit is stored whole. The
resident profile's address (200) and note (2000) likewise."""

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from accounts.resident_models import ResidentProfile
from accounts.residents import ResidentData, update_profile
from accounts.tokens import create_token
from audit.models import AuditEvent
from core.db import db
from core.errors import ServiceError
from vouchers import catalogue, disputes
from vouchers.redemption_models import Dispute, Rating

from .helpers import id_number, world

EN = {"Accept-Language": "en"}


def text(n: int) -> str:
    return ("送餐没有按时到达" * (n // 8 + 1))[: n - 1] + "终"


def counts() -> dict:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Dispute, Rating, AuditEvent)}


@pytest.fixture
def scene(voucher_redemption):
    return voucher_redemption


def bearer(user) -> dict:
    _t, plain = create_token(user, "t", actor=user)
    db.session.commit()
    return {"Authorization": f"Bearer {plain}", **EN}


def test_the_limits_are_the_services():
    assert (disputes.MAX_REASON, catalogue.MAX_COMMENT) == (2000, 1000)


def test_the_services_refuse_longer_texts_and_change_nothing(app, scene):
    user, made = scene
    before = counts()
    with app.test_request_context(), force_locale("en"):
        with pytest.raises(ServiceError) as caught:
            disputes.raise_dispute(made, text(2001), actor=user)
        assert str(caught.value.fields["reason"]) == "A reason has at most 2000 characters."
        db.session.rollback()
        with pytest.raises(ServiceError) as caught:
            catalogue.rate(made, 4, text(1001), actor=user)
        assert str(caught.value.fields["comment"]) == "A comment has at most 1000 characters."
        db.session.rollback()
    assert counts() == before
    with app.test_request_context():
        catalogue.rate(made, 4, f" {text(1000)} ", actor=user)
        disputes.raise_dispute(made, f" {text(2000)} ", actor=user)
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalar(select(Rating.comment)) == text(1000)
    assert db.session.scalar(select(Dispute.reason)) == text(2000)


def test_the_api_refuses_longer_texts_and_changes_nothing(client, scene):
    user, made = scene
    headers = bearer(user)
    base = f"/api/v1/vouchers/redemptions/{made.id}"
    before = counts()
    for path, body, field in ((f"{base}/rating", {"stars": 4, "comment": text(1001)}, "comment"),
                              (f"{base}/dispute", {"reason": text(2001)}, "reason")):
        response = client.post(path, headers=headers, json=body)
        assert response.status_code == 422
        assert field in response.get_json()["error"]["fields"]
    assert counts() == before
    assert client.post(f"{base}/rating", headers=headers, json={"stars": 4, "comment": text(1000)}).status_code == 201
    assert client.post(f"{base}/dispute", headers=headers, json={"reason": text(2000)}).status_code == 201
    db.session.expire_all()
    assert (db.session.scalar(select(Rating.comment)), db.session.scalar(select(Dispute.reason))) == (
        text(1000), text(2000))


def test_the_pages_refuse_longer_texts_and_change_nothing(client, login_as, scene):
    user, made = scene
    login_as(user)
    before = counts()
    client.post(f"/vouchers/redemptions/{made.id}/rate", headers=EN, data={"stars": "4", "comment": text(1001)})
    client.post(f"/vouchers/redemptions/{made.id}/dispute", headers=EN, data={"reason": text(2001)})
    assert counts() == before
    client.post(f"/vouchers/redemptions/{made.id}/rate", headers=EN, data={"stars": "4", "comment": text(1000)})
    db.session.expire_all()
    assert db.session.scalar(select(Rating.comment)) == text(1000)


@pytest.mark.parametrize(("field", "limit"), [("address", 200), ("note", 2000)])
def test_a_residents_address_and_note_are_refused_over_their_limits_not_cut(app, session, field, limit):
    w = world()
    db.session.commit()
    profile = w.resident
    data = dict(real_name=profile.real_name, id_number=id_number(), community_id=profile.community_id)
    before = {**counts(), "profiles": db.session.scalar(select(func.count()).select_from(ResidentProfile))}
    with app.test_request_context(), force_locale("en"), pytest.raises(ServiceError) as caught:
        update_profile(profile, ResidentData(**data, **{field: text(limit + 1)}), actor=w.staff)
    assert str(caught.value.fields[field]) == f"At most {limit} characters."
    db.session.rollback()
    assert {**counts(), "profiles": db.session.scalar(select(func.count()).select_from(ResidentProfile))} == before
    with app.test_request_context():
        update_profile(profile, ResidentData(**data, **{field: text(limit)}), actor=w.staff)
    db.session.commit()
    db.session.expire_all()
    assert getattr(db.session.get(ResidentProfile, profile.id), field) == text(limit)
