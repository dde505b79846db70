"""The officer's voucher pages as an officer meets them: a refused issuance (month mistyped, an unknown ID number)
answers 422 with the reason beside the field and what was typed kept, and issues nothing; a statement links to its
programme and provider, its lines add up to its total on the page, and approving or recording a payment asks first;
the programme page's lists are a finger's rows and its provider links lead to the provider's voucher page."""

import re

from sqlalchemy import func, select

from core.db import db
from vouchers.models import IssuanceBatch, Voucher
from vouchers.programmes import period_of

from .test_views import scene  # noqa: F401  (the fixture)


def html(response) -> str:
    return response.get_data(as_text=True)


def voucher_count(programme_id: int) -> int:
    return db.session.scalar(select(func.count(Voucher.id)).where(Voucher.programme_id == programme_id))


def test_a_month_out_of_reach_or_already_issued_is_refused_beside_the_field(scene, client, login_as):  # noqa: F811
    """A mistyped year (2025 for 2026) gave every resident a second month of vouchers; issuing a month everyone
    has started an empty run that read '0 of 0 residents'."""
    login_as(scene.w.officer)
    programme_id = scene.w.programme.id
    before = voucher_count(programme_id)
    far = client.post(f"/vouchers/programmes/{programme_id}/batches", data={"period": "2020-01"})
    assert far.status_code == 422 and 'value="2020-01"' in html(far)
    assert re.search(r'id="period-error".*?>请选择 \d{4}-\d{2} 至 \d{4}-\d{2} 之间的月份。<', html(far))
    assert voucher_count(programme_id) == before and db.session.scalar(select(func.count(IssuanceBatch.id))) == 0
    assert client.post(f"/vouchers/programmes/{programme_id}/batches", data={"period": period_of()}).status_code == 302
    issued = voucher_count(programme_id)
    everyone = client.post(f"/vouchers/programmes/{programme_id}/batches", data={"period": period_of()})
    assert everyone.status_code == 422 and "已向所有符合条件的居民发放。" in html(everyone)
    assert voucher_count(programme_id) == issued and db.session.scalar(select(func.count(IssuanceBatch.id))) == 1


def test_a_mistyped_month_is_refused_beside_the_field_and_kept(scene, client, login_as):  # noqa: F811
    login_as(scene.w.officer)
    programme_id = scene.w.programme.id
    before = voucher_count(programme_id)
    refused = client.post(f"/vouchers/programmes/{programme_id}/batches", data={"period": "2026/12"})
    assert refused.status_code == 422
    page = html(refused)
    assert 'class="form-control is-invalid" id="period"' in page and 'value="2026/12"' in page
    assert "请按“年-月”填写月份，例如 2026-12。" in page and "YYYY" not in page
    assert voucher_count(programme_id) == before


def test_an_unknown_id_number_is_refused_beside_it_and_kept(scene, client, login_as):  # noqa: F811
    login_as(scene.w.officer)
    programme_id = scene.w.programme.id
    before = voucher_count(programme_id)
    refused = client.post(f"/vouchers/programmes/{programme_id}/issue",
                          data={"id_number": "110105194805020000", "period": "2026-12"})
    assert refused.status_code == 422
    page = html(refused)
    assert 'class="invalid-feedback">没有以此身份证号登记的居民。<' in page and 'id="id_number-error"' in page
    assert 'value="110105194805020000"' in page
    empty = html(client.post(f"/vouchers/programmes/{programme_id}/issue", data={"id_number": "", "period": ""}))
    assert "请填写居民身份证号码。" in empty and "请填写月份。" in empty
    assert voucher_count(programme_id) == before


def test_a_statement_links_its_programme_and_provider_and_adds_up(scene, client, login_as):  # noqa: F811
    login_as(scene.w.officer)
    page = html(client.get(f"/vouchers/settlements/{scene.settlement.id}"))
    assert f'href="/vouchers/programmes/{scene.w.programme.id}" id="statement-programme"' in page
    assert f'href="/vouchers/provider/{scene.w.org.id}" id="statement-provider"' in page
    assert 'id="lines-total">¥30.00<' in page and 'id="settlement-total">¥30.00<' in page
    assert 'class="table table-sm table-stack" id="statement-lines"' in page
    assert re.search(r"<h1[^>]*>结算单 · [^<]* · \d{4}-\d{2} 第 1 份</h1>", page)  # was a bare '#1'
    lines = page.split('id="statement-lines"')[1]
    assert 'data-label="核销编号"' in lines and 'data-label="合计" id="lines-total"' in lines
    assert "确定审核通过这份金额为 ¥30.00 的结算单吗" in page  # approving asks first
    client.post(f"/vouchers/settlements/{scene.settlement.id}/approved")
    assert "确定登记 ¥30.00 已付款吗" in html(client.get(f"/vouchers/settlements/{scene.settlement.id}"))


def test_the_programme_page_lists_are_rows_for_a_finger(scene, client, login_as):  # noqa: F811
    login_as(scene.w.officer)
    page = html(client.get(f"/vouchers/programmes/{scene.w.programme.id}"))
    assert 'class="tap-list" id="batches"' in page and 'class="tap-list" id="providers"' in page
    assert f'href="/vouchers/provider/{scene.w.org.id}"' in page
    assert 'class="table table-stack" id="settlements"' in page
    assert 'id="batch-form" data-confirm=' in page
    assert "月份（年-月，例如 2026-12）" in page
    listing = html(client.get("/vouchers/programmes"))
    assert 'class="table table-stack" id="programmes"' in listing and 'data-label="预算"' in listing


def test_the_officer_expires_a_programmes_vouchers_past_their_date(app, client, login_as):
    from datetime import timedelta

    from sqlalchemy import update

    from core.db import utcnow
    from tests.vouchers.helpers import events, world

    with app.test_request_context():
        w = world()
        other = world()
        from accounts.enums import Role
        from tests.factories import make_user

        auditor = make_user(Role.AUDITOR)
        db.session.execute(update(Voucher).values(expires_at=utcnow() - timedelta(days=1)))
        db.session.commit()
    login_as(w.officer)
    page = html(client.get(f"/vouchers/programmes/{w.programme.id}"))
    assert 'id="expire-form" data-confirm="确定现在将本项目所有已过有效期的服务券作废吗' in page
    done = client.post(f"/vouchers/programmes/{w.programme.id}/expire", follow_redirects=True)
    assert "已将 4 张过期服务券作废，¥200.00 退回预算。" in html(done)
    statuses = dict(db.session.execute(select(Voucher.programme_id, func.max(Voucher.status)).group_by(
        Voucher.programme_id)).all())
    assert statuses[w.programme.id] == "expired" and statuses[other.programme.id] == "active"  # only this one's
    assert events("voucher.expired")[-1].target_id == str(w.programme.id)
    again = client.post(f"/vouchers/programmes/{w.programme.id}/expire", follow_redirects=True)
    assert "没有已过有效期的服务券。" in html(again)
    client.post("/logout")
    login_as(auditor)  # reads the programme, changes nothing
    assert client.post(f"/vouchers/programmes/{w.programme.id}/expire").status_code == 403


def test_a_stopped_run_says_why_in_chinese_and_when_in_beijing_time(app, client, login_as):
    from datetime import UTC, datetime

    from tests.vouchers.helpers import world
    from vouchers import issuance
    from vouchers.models import IssuanceBatch
    from vouchers.programmes import period_of, shift_period

    with app.test_request_context():
        w = world()
        batch = issuance.start_batch(w.programme, actor=w.officer, period=shift_period(period_of(), 1))
        db.session.flush()
        db.session.execute(IssuanceBatch.__table__.update().where(IssuanceBatch.id == batch.id).values(
            status="budget_exhausted", message="budget used up",
            started_at=datetime(2026, 12, 31, 16, 30, tzinfo=UTC),
            finished_at=datetime(2026, 12, 31, 16, 31, tzinfo=UTC)))
        db.session.commit()
    login_as(w.officer)
    page = html(client.get(f"/vouchers/batches/{batch.id}"))
    assert 'id="batch-why">项目预算已用完，其余居民未能发放。<' in page and "budget used up" not in page
    assert 'id="batch-started">2027-01-01 00:30<' in page  # Beijing time, not UTC
    assert "2027-01 服务券发放" in page and "正在发放" not in page
    assert f'href="/vouchers/programmes/{w.programme.id}">' in page


def test_a_statement_says_who_drew_it_up_approved_and_paid_it(scene, client, login_as):  # noqa: F811
    from accounts.enums import Role
    from tests.factories import make_user

    with client.application.test_request_context():
        second = make_user(Role.OFFICER)
        db.session.commit()
    target = f"/vouchers/settlements/{scene.settlement.id}"
    login_as(scene.w.officer)
    client.post(f"{target}/approved")
    client.post("/logout")
    login_as(second)
    client.post(f"{target}/paid", data={"payment_reference": "BOC-1"})
    page = html(client.get(target))
    assert f'id="approved-by">{scene.w.officer.display_name} · ' in page
    assert f'id="paid-by">{second.display_name}<' in page and "制单人" in page


def test_the_programmes_statements_are_paged(scene, client, login_as):  # noqa: F811
    from vouchers.redemption_models import Settlement

    for month in range(1, 13):
        for year in (2023, 2024):
            db.session.add(Settlement(programme_id=scene.w.programme.id, provider_org_id=scene.w.org.id,
                                      period=f"{year}-{month:02d}", seq=1, total_fen=100, redemption_count=1))
    db.session.commit()  # 24 old statements and the scene's own: 25, twenty a page
    login_as(scene.w.officer)
    first = html(client.get(f"/vouchers/programmes/{scene.w.programme.id}"))
    table = first.split('id="settlements"')[1].split("</table>")[0]
    assert table.count("<tr>") == 1 + 20 and "2023-01" not in table  # newest months first
    assert f'href="/vouchers/programmes/{scene.w.programme.id}?statements_page=2#settlements"' in first
    second = html(client.get(f"/vouchers/programmes/{scene.w.programme.id}?statements_page=2"))
    assert second.split('id="settlements"')[1].split("</table>")[0].count("<tr>") == 1 + 5
    assert "2023-01" in second


def test_the_provider_page_names_a_statement_by_month_and_number(scene, client, login_as):  # noqa: F811
    login_as(scene.w.manager)
    page = html(client.get(f"/vouchers/provider/{scene.w.org.id}"))
    listed = page.split('id="provider-settlements"')[1].split("</ul>")[0]
    assert re.search(r"\d{4}-\d{2} 第 1 份</a>", listed) and "#1" not in listed  # was '2026-11 #1'


def test_the_programme_pages_its_disputes_and_issuance_runs_apart_from_its_statements(app, scene, client,  # noqa: F811
                                                                                     login_as):
    """Disputes (were the first 50) and issuance runs (the last 10) are paged, each list with its own page number
    in the address, so the rest can be seen; the statements keep theirs."""
    from flask import render_template_string

    from core.paging import Page

    with app.test_request_context():
        links = render_template_string(
            "{% from '_macros/pager.html' import pager %}{{ pager(p, 'vouchers.programme', 'disputes_page', "
            "programme_id=7, _anchor='disputes') }}", p=Page([], 2, True))
    assert 'href="/vouchers/programmes/7?disputes_page=1#disputes"' in links
    assert 'href="/vouchers/programmes/7?disputes_page=3#disputes"' in links
    from vouchers import disputes, pages_support

    dispute = disputes.raise_dispute(scene.redemption, "未提供服务", actor=scene.resident_user)
    db.session.commit()
    assert [d.id for d in pages_support.disputes_of(scene.w.programme).items] == [dispute.id]
    assert pages_support.disputes_of(scene.w.programme, 2).items == []
    login_as(scene.w.officer)
    programme_id = scene.w.programme.id
    first = html(client.get(f"/vouchers/programmes/{programme_id}")).split('id="disputes"')[1].split("</ul>")[0]
    later = client.get(f"/vouchers/programmes/{programme_id}?disputes_page=2&runs_page=2")
    assert later.status_code == 200
    second = html(later).split('id="disputes"')[1].split("</ul>")[0]
    assert "未提供服务" in first and "未提供服务" not in second
