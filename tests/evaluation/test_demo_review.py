from sqlalchemy import select

from core.db import db
from evaluation import templates
from evaluation.models import IndicatorTemplate, Panel
from projects.award_models import AwardDecision
from projects.enums import CallStatus
from projects.models import Call


def test_demo_has_a_call_in_every_state_and_states_its_review_rules(session, demo_data):
    statuses = set(db.session.scalars(select(Call.status)))
    assert statuses == {s.value for s in CallStatus}  # awarded included
    awarded = db.session.scalar(select(Call).where(Call.status == CallStatus.AWARDED))
    notices = list(db.session.scalars(select(AwardDecision.notice_code).where(AwardDecision.call_id == awarded.id,
                                                                               AwardDecision.awarded)))
    assert notices and all(notices) and awarded.aggregation == "mean"
    for call in db.session.scalars(select(Call).where(Call.status != CallStatus.DRAFT)):
        assert db.session.get(IndicatorTemplate, call.template_id).frozen  # fixed when published
    blind = db.session.scalar(select(Panel).join(Call, Call.id == Panel.call_id).where(Call.blind))
    assert blind is not None and blind.blind
    assert [t.name for t in templates.editable()].count(templates.DEFAULT_PROPOSAL_NAME) == 1
