"""Signals between packages that may not import each other (DESIGN.md section 3: evaluation and vouchers stand
side by side, and neither imports the other)."""

from blinker import Namespace

_signals = Namespace()

# Project evaluations weigh what residents said of the contracted organisation: each receiver answers
# {stars: how many ratings} for services the organisation gave from start until before end (UTC instants).
# Sent as provider_star_counts.send(None, org_id=..., start=..., end=...).
provider_star_counts = _signals.signal("provider-star-counts")

# A contract's last tranche waits for its final evaluation, which projects may not import: each receiver answers how
# the contract's final evaluation stands, as (state, evaluation id), or None when none was commissioned (or each was
# cancelled). state: "passed" once one was completed at 合格 or better, or failed and its rectification verified
# (整改验收合格); otherwise "rectification" while one's rectification is open, "under_way" while one is in progress.
# Sent as final_evaluation_standing.send(None, contract_id=...).
final_evaluation_standing = _signals.signal("final-evaluation-standing")

# A call's review has started (screening over, the proposals to score final) or started again after its publicity:
# its panel's experts may score now. Sent as review_started.send(None, call=..., again=...); evaluation tells them.
review_started = _signals.signal("review-started")

# An applicant's proposal page (and the API) shows how its proposal was scored once the call's results are decided,
# which projects may not compute: each receiver answers {proposal id: projects.review_outcome.ScoreDetails} for the
# ranked proposals it can score (criterion means, anonymised comments, the final score as the ranking computes it).
# Sent as review_details.send(None, proposals=[...]).
review_details = _signals.signal("review-details")
