"""QA walk (officer's journey, English): "a comment is required for a score of 3 or less, or of 8 or more" on a
criterion of 8 points read as if more than 8 were possible: where the upper bound is the maximum it says "full marks"
(满分); other maxima are said as before. And the results page explained the red "diverges" (偏离) badge when no total
was marked: the legend now shows only where one is, and says what the badge means as a sentence (定标前, not 决定前).
The expert's sheet gives the amount requested after a colon."""

import html

import pytest
from flask_babel import force_locale

from core.db import db
from evaluation import score_sheets, services
from evaluation.enums import SheetStatus
from tests.evaluation.helpers import review_panel

ZH, EN = {"Accept-Language": "zh-CN"}, {"Accept-Language": "en"}


@pytest.mark.parametrize(("max_points", "zh", "en"), [
    (8, "得分在 3 分及以下或为满分时必填", "required for a score of 3 or less, or for full marks"),
    (10, "得分在 3.5 分及以下或为满分时必填", "required for a score of 3.5 or less, or for full marks"),
    (11, "得分在 4 分及以下、或 10.5 分及以上时必填", "required for a score of 4 or less, or of 10.5 or more"),
    (25, "得分在 9.5 分及以下、或 24 分及以上时必填", "required for a score of 9.5 or less, or of 24 or more"),
])
def test_the_help_says_full_marks_where_the_bound_is_the_maximum(app, max_points, zh, en):
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        assert score_sheets.comment_rule(max_points) == zh
    with app.test_request_context(), force_locale("en"):
        assert score_sheets.comment_rule(max_points) == en


def test_the_reason_when_missing_says_it_too(app):
    criterion = type("Criterion", (), {"max_points": 8})()
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        assert score_sheets.comment_missing(criterion) == "得分在 3 分及以下或为满分时，须填写评语。"
    with app.test_request_context(), force_locale("en"):
        assert score_sheets.comment_missing(criterion) == \
            "A comment is required for a score of 3 or less, or for full marks."
        criterion.max_points = 25
        assert score_sheets.comment_missing(criterion) == \
            "A comment is required for a score of 9.5 or less, or of 24 or more."


def test_the_sheet_shows_it_beside_an_eight_point_criterion(app, client, login_as):
    _officer, _call, _orgs, props, panel = review_panel(app)
    member = panel.members[0]
    with app.test_request_context():
        services.declare(member, props[0], False, "", actor=member.user)
    db.session.commit()
    eight = next(c for c in panel.template.criteria if c.max_points == 8)
    login_as(member.user)
    path = f"/evaluation/members/{member.id}/proposals/{props[0].id}"
    for headers, text in ((EN, "required for a score of 3 or less, or for full marks"),
                          (ZH, "得分在 3 分及以下或为满分时必填")):
        page = html.unescape(client.get(path, headers=headers).get_data(as_text=True))
        assert f'id="comment{eight.id}-help">{text}<' in page
        assert "or of 8 or more" not in page and "8 分及以上" not in page
        # the amount asked for after its label and a colon (it read "申请金额 ¥150,000.00")
        requested = page.split('id="requested">', 1)[1].split("<", 1)[0]
        assert requested in ("Requested: ¥150,000.00", "申请金额：¥150,000.00"), requested


def scored(app, panel, proposal, shares):
    with app.test_request_context():
        for member, share in zip(panel.members, shares, strict=True):
            services.declare(member, proposal, False, "", actor=member.user)
            sheet = score_sheets.sheet_for(member, proposal)
            score_sheets.save_scores(sheet, {c.id: (c.max_points * 2 * share // 100, "x")
                                             for c in panel.template.criteria}, actor=member.user)
            score_sheets.transition_sheet(sheet, SheetStatus.SUBMITTED, actor=member.user)
    db.session.commit()


@pytest.mark.parametrize(("shares", "flagged"), [((80, 78, 40), True), ((80, 78, 76), False)])
def test_the_legend_shows_only_when_a_total_diverges(app, client, login_as, shares, flagged):
    officer, call, _orgs, props, panel = review_panel(app)
    scored(app, panel, props[0], shares)
    login_as(officer)
    pages = [f"/evaluation/calls/{call.id}/results", f"/evaluation/calls/{call.id}/results/proposals/{props[0].id}"]
    for path in pages:
        for headers, badge in ((ZH, "偏离"), (EN, "diverges")):
            page = html.unescape(client.get(path, headers=headers).get_data(as_text=True))
            assert ('id="divergence-legend"' in page) is flagged, path
            assert (badge in page) is flagged, path
            if flagged:  # said as a sentence about the marked total; the decision is 定标, as on the rest of the page
                legend = page.split('id="divergence-legend"', 1)[1].split("</p>", 1)[0]
                assert ("该专家的总分与本申报书各专家总分的中位数相差超过 15 分" in legend and "定标前请核查" in legend
                        if headers is ZH else "This expert's total is more than 15 points from the median" in legend)
                assert "决定前" not in legend
