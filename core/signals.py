"""Signals between packages that may not import each other (DESIGN.md section 3: evaluation and vouchers stand
side by side, and neither imports the other)."""

from blinker import Namespace

_signals = Namespace()

# Project evaluations weigh what residents said of the contracted organisation: each receiver answers
# {stars: how many ratings} for services the organisation gave from start until before end (UTC instants).
# Sent as provider_star_counts.send(None, org_id=..., start=..., end=...).
provider_star_counts = _signals.signal("provider-star-counts")
