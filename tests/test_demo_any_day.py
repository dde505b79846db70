"""The demo loads whatever the day of the year: its proposals are submitted up to eight months back, which from
1 January until August falls in the previous year, when eligibility asks for the report of the year before that
(the demo organisations had filed only last year's, so `flask demo` failed from New Year's Day)."""

import sys
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

import core.db
import core.timeutil
from core.db import db
from core.demo import load_all
from core.timeutil import local_today
from projects.enums import ProposalStatus
from projects.models import Proposal


def run_clock_at(monkeypatch, moment: datetime) -> None:
    """Every module's utcnow (hence local_today) reads as if now were `moment`, the clock still running."""
    shift = moment - datetime.now(UTC)

    def later() -> datetime:
        return datetime.now(UTC) + shift

    clocks = (core.timeutil.utcnow, core.db.utcnow)
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] in {"core", "accounts", "audit", "orgs", "projects", "evaluation", "vouchers"} \
                and getattr(module, "utcnow", None) in clocks:
            monkeypatch.setattr(module, "utcnow", later)


@pytest.mark.parametrize("month, day", [(1, 10), (5, 20)])  # the previous year is eight months back until August
def test_the_demo_loads_early_in_the_year(session, monkeypatch, month, day):
    year = local_today().year + 1
    run_clock_at(monkeypatch, datetime(year, month, day, 2, 0, tzinfo=UTC))  # 10:00 in Beijing
    assert local_today() == datetime(year, month, day).date()
    lines = load_all()
    assert any(line.startswith("contracts: 6 demo contracts") for line in lines), lines
    submitted = select(func.count(Proposal.id)).where(Proposal.status != ProposalStatus.DRAFT)
    assert db.session.scalar(submitted) > 0
