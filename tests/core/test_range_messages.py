"""Range and length refusals say the rule as it is, in our words (core.forms.NumberRange, core.forms.Length):
WTForms' own Chinese said 数值必须大于 0 ("greater than 0") for "at least 0" and 小于 for "at most", so a
refusal read as if the limit itself were not allowed. Also in a form's rows (a plain wtforms Form,
which WTForms left in English)."""

import html
import io
import re

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import FieldList, Form, FormField, StringField

from core.db import db
from core.forms import Length, NumberRange, WholeNumberField

ZH, EN = {"Accept-Language": "zh-CN"}, {"Accept-Language": "en"}


class Row(Form):
    note = StringField(validators=[Length(max=3)])


class Numbers(FlaskForm):
    at_least = WholeNumberField(validators=[NumberRange(min=0)])
    at_most = WholeNumberField(validators=[NumberRange(max=10)])
    between = WholeNumberField(validators=[NumberRange(1, 50)])
    short = StringField(validators=[Length(min=2)])
    long = StringField(validators=[Length(max=5)])
    sized = StringField(validators=[Length(min=2, max=5)])
    exact = StringField(validators=[Length(min=4, max=4)])
    rows = FieldList(FormField(Row), min_entries=1)


TOO_FAR = {"at_least": "-1", "at_most": "11", "between": "51", "short": "一", "long": "一二三四五六",
           "sized": "一二三四五六", "exact": "一二三", "rows-0-note": "一二三四"}
WITHIN = {"at_least": "0", "at_most": "10", "between": "1", "short": "一二", "long": "一二三四五", "sized": "一二",
          "exact": "一二三四", "rows-0-note": "一二三"}


def as_text(errors):
    """A form's errors with each message as a string (a row's errors are a dict of their own)."""
    if isinstance(errors, dict):
        return {name: as_text(errs) for name, errs in errors.items()}
    if isinstance(errors, list):
        return [as_text(e) for e in errors]
    return str(errors)


def errors(app, headers, formdata):
    with app.test_request_context(headers=headers):
        form = Numbers(formdata=MultiDict(formdata), meta={"csrf": False})
        form.validate()
        return as_text(form.errors)


@pytest.mark.parametrize(("headers", "expected"), [
    (ZH, {"at_least": ["数值至少为 0。"], "at_most": ["数值不能超过 10。"], "between": ["数值须在 1 到 50 之间。"],
          "short": ["至少填写 2 个字符。"], "long": ["不能超过 5 个字符。"], "sized": ["长度须在 2 到 5 个字符之间。"],
          "exact": ["须为 4 个字符。"], "rows": [{"note": ["不能超过 3 个字符。"]}]}),
    (EN, {"at_least": ["Number must be at least 0."], "at_most": ["Number must be at most 10."],
          "between": ["Number must be between 1 and 50."], "short": ["Field must be at least 2 characters long."],
          "long": ["Field cannot be longer than 5 characters."],
          "sized": ["Use 2 to 5 characters."],
          "exact": ["Field must be exactly 4 characters long."],
          "rows": [{"note": ["Field cannot be longer than 3 characters."]}]}),
])
def test_each_rule_is_said_as_it_is(app, headers, expected):
    assert errors(app, headers, TOO_FAR) == expected
    assert errors(app, headers, WITHIN) == {}  # the limits themselves are allowed, as the words say


def test_no_wtforms_wording_is_left_in_chinese(app):
    text = str(errors(app, ZH, TOO_FAR))
    assert "大于" not in text and "小于" not in text and "字段" not in text


@pytest.mark.parametrize("year", ["1999", "2101"])
def test_a_chinese_page_says_the_range_for_a_too_small_and_a_too_large_year(client, login_as, session, year):
    from accounts.enums import Role
    from orgs.models import AnnualReport
    from tests.factories import make_user
    from tests.orgs.helpers import approved_org

    applicant = make_user()
    org = approved_org(applicant, make_user(Role.OFFICER))
    db.session.commit()
    login_as(applicant)
    response = client.post(f"/orgs/{org.id}/annual-reports", headers=ZH,
                           data={"year": year, "file": (io.BytesIO(b"%PDF-1.4 report"), "年度报告.pdf")})
    assert response.status_code == 422
    beside = re.search(r'id="report-year-error"[^>]*>([^<]*)<', response.text)
    assert beside and html.unescape(beside[1]).strip() == "数值须在 2000 到 2100 之间。"
    assert "大于" not in response.text and db.session.query(AnnualReport).count() == 0


def test_a_required_field_left_empty_says_so_in_our_words(client):
    """A blank required field (sign-up's name) reads 此项为必填项 on a Chinese page, WTForms' own 该字段是必填字段
    nowhere; English keeps 'This field is required.'."""
    data = {"username": "", "display_name": "", "password": "", "confirm": ""}
    chinese = html.unescape(client.post("/signup", headers=ZH, data=data).get_data(as_text=True))
    assert "此项为必填项。" in chinese and "该字段" not in chinese
    english = client.post("/signup", headers=EN, data=data).get_data(as_text=True)
    assert "This field is required." in english
