"""English wording an English crawl found awkward, and the Chinese it keeps: notices ('X requests a schedule change.',
'objections may be lodged until …', 'has been drawn up; please read and confirm it'), a fee receipt's states, a
resident's 'Has a phone', and a date and time refused with an example of what to type."""

import json
from datetime import UTC, datetime

import pytest
from flask_babel import force_locale
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from accounts.notifications import Notification
from core.forms import LocalDateTimeField
from projects.contract_report_models import ReceiptStatus


def text(app, code: str, locale: str, **data) -> str:
    with app.test_request_context(), force_locale(locale):
        return Notification(code=code, data=json.dumps(data, ensure_ascii=False)).text


@pytest.mark.parametrize(("kind", "english", "chinese"), [
    ("schedule", "和平社工站 requests a schedule change.", "和平社工站 申请进度调整。"),
    ("budget", "和平社工站 requests a budget change.", "和平社工站 申请预算调整。"),
])
def test_a_change_request_notice_names_the_change_in_a_sentence(app, kind, english, chinese):
    assert text(app, "contract.change_requested", "en", org="和平社工站", kind=kind) == english
    assert text(app, "contract.change_requested", "zh_Hans_CN", org="和平社工站", kind=kind) == chinese
    assert text(app, "contract.change_approved", "en", kind=kind, reason="OK.").endswith(" change) was approved: OK.")


def test_the_publicity_notice_says_objections_may_be_lodged(app):
    assert text(app, "call.publicity", "en", call="助老", ends_on="2026-07-01") == \
        "The results of “助老” are published; objections may be lodged until 2026-07-01."
    assert text(app, "call.publicity", "zh_Hans_CN", call="助老", ends_on="2026-07-01") == \
        "项目征集“助老”的评审结果已公示，质疑截止日期为 2026-07-01。"


def test_a_fee_receipt_reads_awaiting_confirmation_denied_or_confirmed(app):
    with app.test_request_context():
        with force_locale("en"):
            assert [s.label for s in ReceiptStatus] == ["Awaiting confirmation", "Confirmed", "Denied"]
        with force_locale("zh_Hans_CN"):
            assert [s.label for s in ReceiptStatus] == ["待本人确认收款", "本人已确认收款", "本人否认收款"]


class When(FlaskForm):
    at = LocalDateTimeField()


def _when(app, typed: str, locale: str):
    with app.test_request_context(), force_locale(locale):  # (the test's app context keeps the first locale chosen)
        form = When(formdata=MultiDict({"at": typed}), meta={"csrf": False})
        return form.validate(), form.at.data, [str(e) for e in form.at.errors]


def test_a_date_and_time_not_understood_is_refused_with_an_example(app):
    assert _when(app, "tomorrow", "en")[2] == ["Enter a date and time, e.g. 2026-12-31 17:00."]
    assert _when(app, "明天", "zh_Hans_CN")[2] == ["请输入日期和时间，例如 2026-12-31 17:00。"]


@pytest.mark.parametrize("typed", ["2026-12-31 17:00", "2026-12-31T17:00"])
def test_the_example_as_typed_and_the_browsers_form_are_both_taken(app, typed):
    ok, data, _errors = _when(app, typed, "en")
    assert ok and data == datetime(2026, 12, 31, 9, 0, tzinfo=UTC)  # 17:00 in Beijing


def test_a_residents_page_says_whether_they_have_a_phone(app, session, client, login_as):
    from tests.vouchers.helpers import world

    w = world()
    session.commit()
    login_as(w.staff)
    english = client.get(f"/vouchers/residents/{w.resident.id}", headers={"Accept-Language": "en"}).text
    assert ">Has a phone</dt>" in english
    chinese = client.get(f"/vouchers/residents/{w.resident.id}", headers={"Accept-Language": "zh-CN"}).text
    assert ">是否有手机</dt>" in chinese

