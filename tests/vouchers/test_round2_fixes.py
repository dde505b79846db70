"""Round-2 fixes: fraud signals' evidence shown readably to an officer (labelled, translated, yuan, local time,
links), and who may download a settlement statement PDF (and the other official documents) per object."""

from datetime import UTC, datetime

import pytest

from accounts.enums import Role
from core.db import db
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
    assert scene.resident.real_name not in flags and scene.resident.real_name[:1] + "*" in flags
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
