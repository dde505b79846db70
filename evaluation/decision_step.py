"""What stands between a review's ranking and the officer's decision, said on the results page.

Panels are drawn and conflicts declared while the call is closed (已截止) as well as under review; sheets are scored,
and a decision taken, only under review (services.require_scoring_open). The results page says what is missing, each
reason in words, and offers the step it can (starting the review) where it is read."""

from dataclasses import dataclass, field

from flask_babel import gettext as _

from core.i18n import joined
from projects import awards
from projects.calls import review_start_refusal
from projects.enums import CallStatus
from projects.models import Call


@dataclass(frozen=True)
class Blocker:
    code: str  # the list item's id on the page
    text: str


@dataclass
class DecisionStep:
    can_decide: bool = False  # the decision form is shown
    start_review: bool = False  # the "Start the review" form is shown (the call page's own POST)
    start_refused: str | None = None  # why the review cannot start yet (said instead of the button)
    blockers: list[Blocker] = field(default_factory=list)


def minimum_sheets(panel_size: int) -> int:
    """The fewest counted sheets a proposal's final score may rest on: a majority of the seats drawn (Panel.size),
    2 of 3, 3 of 5. One member's recusal (回避) is ordinary and leaves a majority; below it the score is a minority's
    (one expert of three after another's late conflict declaration dropped their sheet ranked first on that one
    score and was ticked for award with no word)."""
    return panel_size // 2 + 1


def short_of_sheets(ranked: list, panel_size: int) -> dict[int, int]:
    """proposal id -> its counted sheets, for each ranked proposal scored by fewer than minimum_sheets. The results
    page says so beside it, with the remedy (replace the conflicted member: a further draw from the same seat type,
    who then declares and scores it), and it is not ticked for award."""
    return {r.proposal_id: len(r.totals) for r in ranked if len(r.totals) < minimum_sheets(panel_size)}


def recommended(call: Call, ranking: list, short: dict[int, int]) -> set[int]:
    """The proposals the ranking recommends for award (projects.awards.recommend), leaving out those scored by too
    few (short_of_sheets: the budget goes to the fully scored ones). The results page ticks these, and a decision
    awarding exactly these needs no reason."""
    full = [r for r in ranking if r.proposal_id not in short]
    return set(awards.recommend(call, full)) if full else set()


def decision_step(call: Call, ranked: list, missing: list[str], *, manager: bool) -> DecisionStep:
    """For an officer (manager) on an open review: whether the decision form shows and, when not, each reason."""
    step = DecisionStep()
    if not manager or call.status not in (CallStatus.CLOSED, CallStatus.UNDER_REVIEW):
        return step  # decided, failed or cancelled: the page says what was decided, if anything
    if call.status == CallStatus.CLOSED:  # the one reason: nobody can score yet, so none is owed or missing
        step.blockers.append(Blocker("review-not-started", _(
            "The review has not started yet: once you start it, the experts can score the proposals; then you can "
            "decide.")))
        step.start_refused = review_start_refusal(call)
        step.start_review = step.start_refused is None
        return step
    if not ranked:
        step.blockers.append(Blocker("nothing-scored", _("There are no scored proposals to decide on.")))
    if missing:
        step.blockers.append(Blocker("missing-work", _("Still to declare or submit: %(names)s.",
                                                       names=joined(missing))))
    step.can_decide = not step.blockers
    return step

