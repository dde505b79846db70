"""A code that cannot be used is said beside the code field on the provider's page, with what to do next (check the
digits, or ask for a new code); it was only at the top of the page, the field unmarked. The API says it under
fields.code as well."""

import re

from sqlalchemy import func, select

from core.db import db
from tests.vouchers.test_api import bearer
from tests.vouchers.test_views import html, scene  # noqa: F401  (the fixture)
from vouchers import redemption
from vouchers.redemption_models import Redemption


def code_field(page: str) -> tuple[str, str]:
    """(the code input's tag, the reason shown beside it)."""
    tag = re.search(r'<input[^>]*name="code"[^>]*>', page).group(0)
    found = re.search(r"<div id=\"code-error\" class=\"field-errors\"><div class=\"invalid-feedback\">([^<]+)<", page)
    return tag, found.group(1) if found else ""


def redeem_page(client, scene, code: str, key: str):  # noqa: F811
    return client.post(f"/vouchers/provider/{scene.w.org.id}/redeem", headers={"Accept-Language": "en"},
                       data={"service_id": str(scene.w.service.id), "amount_fen": "10", "idempotency_key": key,
                             "code": code})


def test_an_unknown_or_used_code_is_marked_on_the_field_with_what_to_do(app, scene, client, login_as):  # noqa: F811
    with app.test_request_context():
        code, _row = redemption.issue_code(scene.resident, actor=scene.resident_user)
        db.session.commit()
    login_as(scene.member)
    unknown = redeem_page(client, scene, "00000000", "field-1")
    tag, said = code_field(html(unknown))
    assert unknown.status_code == 409 and 'aria-invalid="true"' in tag and "is-invalid" in tag
    assert said == "This code is not known. Check the digits with the resident."
    assert redeem_page(client, scene, code, "field-2").status_code == 302
    before = db.session.scalar(select(func.count(Redemption.id)))
    again = redeem_page(client, scene, code, "field-3")  # the same code, a new request
    assert again.status_code == 409
    assert code_field(html(again))[1] == "This code has already been used. Ask the resident for a new one."
    assert db.session.scalar(select(func.count(Redemption.id))) == before


def test_the_api_names_the_code_field(scene, client):  # noqa: F811
    response = client.post("/api/v1/vouchers/redemptions", headers={**bearer(scene.member), "Accept-Language": "en"},
                           json={"code": "00000000", "service_id": scene.w.service.id, "amount_fen": 1000,
                                 "idempotency_key": "api-field-1"})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "code_unknown" and "Check the digits" in error["fields"]["code"]
