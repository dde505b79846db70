"""Server-rendered charts (SVG drawn by templates/projects/_contract_charts.html, no JavaScript): budget execution
per line and overall, and output completion against the contract's targets."""

from dataclasses import dataclass

from flask_babel import gettext as _

from core.money import format_fen

from .contract_models import Contract
from .contract_reports import output_progress
from .contracts import percent_of

BAR_WIDTH = 300  # px in the SVG's own coordinates; the SVG scales to the screen


@dataclass
class Bar:
    key: str
    label: str
    value: int
    total: int
    text: str

    @property
    def percent(self) -> str:
        return percent_of(self.value, self.total)  # as the execution rate shows it: 99.95% is 99.9, not 100.0

    @property
    def width(self) -> int:
        return min(BAR_WIDTH, BAR_WIDTH * self.value // self.total) if self.total > 0 else 0

    @property
    def full(self) -> bool:
        return self.total > 0 and self.value >= self.total


def budget_bars(contract: Contract) -> list[Bar]:
    spent = contract.spent_fen
    bars = [Bar("paid", _("Paid"), contract.paid_fen, contract.amount_fen,
                f"{format_fen(contract.paid_fen)} / {format_fen(contract.amount_fen)}"),
            Bar("spent", _("Spent overall"), spent, contract.amount_fen,
                f"{format_fen(spent)} / {format_fen(contract.amount_fen)}")]
    bars += [Bar(f"line-{line.id}", line.item, line.spent_fen, line.budget_fen,
                 f"{format_fen(line.spent_fen)} / {format_fen(line.budget_fen)}") for line in contract.lines]
    return bars


def output_bars(contract: Contract) -> list[Bar]:
    return [Bar(f"output-{i}", p["indicator"], p["achieved"], p["target"],
                f"{p['achieved']} / {p['target']} {p['unit']}") for i, p in enumerate(output_progress(contract))]
