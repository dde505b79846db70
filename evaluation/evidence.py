"""Measured evidence shown beside the matching criteria: the platform computes, the evaluator still scores.

Every figure is exact (Fractions of fen, counts and dates), printed with two decimals."""

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from flask_babel import gettext as _
from sqlalchemy import func, select

from core.db import db
from core.i18n import colon
from core.money import format_fen
from core.signals import provider_star_counts
from core.timeutil import local_day_bounds, local_today, to_local
from projects.contract_models import Contract, ReportStatus
from projects.contract_report_models import FeePayment, ReceiptStatus
from projects.contract_reports import output_progress

from . import surveys
from .aggregate import fmt
from .project_enums import EvidenceKey
from .project_models import ProjectEvaluation


@dataclass
class Figure:
    key: EvidenceKey
    value: Fraction | None  # a share (0–1) where the figure is a rate; None when nothing to measure yet
    text: str
    details: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.key.label


def pct(value: Fraction | None) -> str:
    return "—" if value is None else f"{fmt(value * 100)}%"


def _bracketed(figure: str, detail: str) -> str:
    """'70.00%（¥1.00 / ¥2.00）' in Chinese, '70.00% (¥1.00 / ¥2.00)' in English (full-width brackets and colons
    were in the English page too)."""
    return _("%(figure)s (%(detail)s)", figure=figure, detail=detail)


def budget_execution(contract: Contract) -> Figure:
    budget = sum(line.budget_fen for line in contract.lines)
    spent = sum(line.spent_fen for line in contract.lines)
    rate = Fraction(spent, budget) if budget else None
    details = [line.item + colon() + _bracketed(f"{format_fen(line.spent_fen)} / {format_fen(line.budget_fen)}",
                                                pct(Fraction(line.spent_fen, line.budget_fen) if line.budget_fen
                                                    else None))
               for line in contract.lines]
    return Figure(EvidenceKey.BUDGET_EXECUTION, rate,
                  _bracketed(pct(rate), f"{format_fen(spent)} / {format_fen(budget)}"), details)


def output_completion(contract: Contract) -> Figure:
    """Per target: achieved in accepted reports / target; overall: the mean of the targets' rates, each capped at
    100% (over-delivering one output does not make up for another)."""
    rows = [r for r in output_progress(contract) if r["target"] > 0]
    rates = [Fraction(r["achieved"], r["target"]) for r in rows]
    overall = sum((min(r, 1) for r in rates), Fraction(0)) / len(rates) if rates else None
    details = [r["indicator"] + colon() + _bracketed(f"{r['achieved']} / {r['target']} {r['unit']}", pct(rate))
               for r, rate in zip(rows, rates, strict=True)]
    return Figure(EvidenceKey.OUTPUT_COMPLETION, overall, pct(overall), details)


def milestones_on_time(contract: Contract, as_of: date) -> Figure:
    """Of the milestones due by `as_of`, the share whose report was submitted by the due date and accepted."""
    due = [m for m in contract.milestones if m.due_on <= as_of]
    on_time = [m for m in due if any(r.status == ReportStatus.ACCEPTED and to_local(r.submitted_at).date() <= m.due_on
                                     for r in m.reports)]
    share = Fraction(len(on_time), len(due)) if due else None
    details = [_bracketed(m.title, m.due_on.isoformat()) + colon() + ("✓" if m in on_time else "✗") for m in due]
    return Figure(EvidenceKey.MILESTONES_ON_TIME, share, _bracketed(f"{len(on_time)} / {len(due)}", pct(share)),
                  details)


def fee_receipts(contract: Contract) -> Figure:
    counts = dict(db.session.execute(select(FeePayment.status, func.count(FeePayment.id))
                                     .where(FeePayment.contract_id == contract.id)
                                     .group_by(FeePayment.status)).all())
    total = sum(counts.values())
    open_ = counts.get(ReceiptStatus.UNCONFIRMED.value, 0)
    denied = counts.get(ReceiptStatus.DENIED.value, 0)
    share = Fraction(open_ + denied, total) if total else None
    text = (f"{ReceiptStatus.UNCONFIRMED.label} {open_} · {ReceiptStatus.DENIED.label} {denied} · "
            f"{ReceiptStatus.CONFIRMED.label} {counts.get(ReceiptStatus.CONFIRMED.value, 0)} / {total}")
    return Figure(EvidenceKey.FEE_RECEIPTS, share, text)


def satisfaction(evaluation: ProjectEvaluation) -> Figure:
    found = surveys.results(surveys.survey_of(evaluation))
    # the count says what it counts: "83.33%（4）" left an evaluator guessing
    return Figure(EvidenceKey.SATISFACTION, found.satisfaction,
                  _bracketed(pct(found.satisfaction), _("responses: %(n)d", n=found.responses)))


def voucher_ratings(contract: Contract) -> Figure:
    """The stars residents gave the organisation for voucher services redeemed during the contract's period, as a
    share of the most they could give (the mean out of 5 in the text), with how many of each."""
    counts: dict[int, int] = {}
    for _receiver, found in provider_star_counts.send(None, org_id=contract.org_id,
                                                      start=local_day_bounds(contract.starts_on)[0],
                                                      end=local_day_bounds(contract.ends_on)[1]):
        for stars, n in found.items():
            counts[stars] = counts.get(stars, 0) + n
    total = sum(counts.values())
    share = Fraction(sum(stars * n for stars, n in counts.items()), 5 * total) if total else None
    mean = "—" if share is None else fmt(share * 5)
    details = [f"{'★' * stars}{colon()}{counts[stars]}" for stars in range(5, 0, -1) if counts.get(stars)]
    return Figure(EvidenceKey.VOUCHER_RATINGS, share, _bracketed(f"{mean} / 5", _("ratings: %(n)d", n=total)), details)


def figures(evaluation: ProjectEvaluation, as_of: date | None = None) -> dict[str, Figure]:
    contract = evaluation.contract
    found = [budget_execution(contract), output_completion(contract),
             milestones_on_time(contract, as_of or local_today()), fee_receipts(contract), satisfaction(evaluation),
             voucher_ratings(contract)]
    return {f.key.value: f for f in found}
