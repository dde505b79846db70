"""A dispute on the programme page says who raised it (the resident, masked) and when, beside the provider (a link
to its voucher page), the service, the amount and when it was redeemed; an auditor has a link to the redemption's
events in the log. The officer ruling on it saw only the provider's name, the service and the amount."""

from core.db import db
from core.personal import mask_name
from core.timeutil import format_local
from vouchers import disputes

from .test_views import scene  # noqa: F401  (the fixture)


def dispute_items(page: str) -> str:
    return page.split('id="disputes"', 1)[1].split("</ul>", 1)[0]


def test_a_dispute_says_who_raised_it_and_when(scene, client, login_as):  # noqa: F811
    dispute = disputes.raise_dispute(scene.redemption, "未提供服务", actor=scene.resident_user)
    db.session.commit()
    login_as(scene.w.officer)
    programme_id = scene.w.programme.id
    listed = dispute_items(client.get(f"/vouchers/programmes/{programme_id}").get_data(as_text=True))
    assert f"居民：{mask_name(scene.resident.real_name)}" in listed and scene.resident.real_name not in listed
    assert f"异议提出于 {format_local(dispute.created_at)}" in listed
    assert f'href="/vouchers/provider/{scene.w.org.id}"' in listed
    assert "voucher_redemptions" not in listed  # officers do not read the audit log

    client.post("/logout")
    login_as(scene.auditor)
    listed = dispute_items(client.get(f"/vouchers/programmes/{programme_id}").get_data(as_text=True))
    assert f'href="/audit/?target_type=voucher_redemptions&amp;target_id={scene.redemption.id}"' in listed
