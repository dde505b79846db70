"""The expert's assignments say why each draft was sent back: the reasons of all their sheets in one query (it was
one query a sheet)."""

from accounts.enums import Role
from evaluation import score_sheets, services
from evaluation.enums import SheetStatus
from tests.evaluation.test_review import scored_panel
from tests.factories import make_user, statements_during


def test_the_reasons_of_several_sheets_sent_back_come_in_one_query(app, session):
    officer = make_user(Role.OFFICER)
    _call, panel, props = scored_panel(app, officer)
    member = panel.members[0]
    sheets = []
    for proposal, reason in zip(props[:2], ("第1项分数录入有误", "请复核第2项"), strict=True):
        services.declare(member, proposal, False, "", actor=member.user)
        sheet = score_sheets.sheet_for(member, proposal)
        score_sheets.save_scores(sheet, {c.id: (c.max_points, "") for c in panel.template.criteria},
                                 actor=member.user)
        score_sheets.transition_sheet(sheet, SheetStatus.SUBMITTED, actor=member.user)
        score_sheets.transition_sheet(sheet, SheetStatus.DRAFT, actor=officer, reason="先退回")
        score_sheets.transition_sheet(sheet, SheetStatus.SUBMITTED, actor=member.user)
        score_sheets.transition_sheet(sheet, SheetStatus.DRAFT, actor=officer, reason=reason)  # the last one shown
        sheets.append(sheet)
    statements, reasons = statements_during(lambda: score_sheets.reopen_reasons(sheets))
    assert reasons == {sheets[0].id: "第1项分数录入有误", sheets[1].id: "请复核第2项"}
    assert len(statements) == 1
    assert score_sheets.reopen_reason(sheets[1]) == "请复核第2项"
