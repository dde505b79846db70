from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from accounts.notifications import NOTIFICATION_LABELS, NOTIFICATION_TEXTS
from audit.labels import ACTION_LABELS, register_public_page, register_target_page
from core.db import db
from core.enums import LabelledEnum

from .contract_change_models import ChangeKind
from .contract_models import Contract
from .models import Call, Proposal
from .permissions import can_view_call, is_public_project


class RequestedChange(LabelledEnum):
    """A change request's kind (ChangeKind's values) as a sentence names it: '… requests a schedule change.'"""

    BUDGET = ChangeKind.BUDGET.value
    SCHEDULE = ChangeKind.SCHEDULE.value

    @classmethod
    def labels(cls):
        return {cls.BUDGET: _l("a budget change"), cls.SCHEDULE: _l("a schedule change")}


ACTION_LABELS.update({
    "call.created": _l("Call drafted"), "call.updated": _l("Call draft changed"),
    "call.published": _l("Call published"), "call.closed": _l("Call closed"),
    "call.under_review": _l("Call under review"), "call.publicity": _l("Results in publicity"),
    "call.awarded": _l("Call awarded"), "call.failed": _l("Call failed"), "call.cancelled": _l("Call cancelled"),
    "call.amended": _l("Call amended"), "call.question_asked": _l("Question asked"),
    "call.question_answered": _l("Question answered"),
    "proposal.created": _l("Proposal started"), "proposal.saved": _l("Proposal draft saved"),
    "proposal.attachment_added": _l("Proposal attachment added"),
    "proposal.attachment_removed": _l("Proposal attachment removed"),
    "proposal.submitted": _l("Proposal submitted"), "proposal.withdrawn": _l("Proposal withdrawn"),
    "proposal.screened_eligible": _l("Proposal found eligible"),
    "proposal.screened_ineligible": _l("Proposal found ineligible"),
    "call.decided": _l("Award decision taken"), "call.objection_lodged": _l("Objection lodged"),
    "call.objection_answered": _l("Objection answered"),
    "contract.drafted": _l("Contract drawn up"), "contract.confirmed": _l("Contract confirmed"),
    "contract.active": _l("Contract in force"), "contract.closed": _l("Contract closed"),
    "contract.terminated": _l("Contract terminated"), "contract.report_submitted": _l("Progress report submitted"),
    "contract.report_accepted": _l("Progress report accepted"),
    "contract.report_returned": _l("Progress report returned"), "contract.tranche_paid": _l("Tranche paid"),
    "contract.expense_recorded": _l("Expense recorded"), "contract.tranche_approved": _l("Payment approved"),
    "contract.expense_withdrawn": _l("Expense withdrawn"), "contract.tranche_deducted": _l("Tranche reduced"),
    "contract.lines_edited": _l("Budget lines edited before signing"),
    "contract.draft_edited": _l("Draft contract edited before signing"),
    "contract.fee_answer_carried": _l("Fee receipt answer kept for the fee reported again"),
    "contract.fee_confirmed": _l("Fee receipt confirmed"), "contract.fee_denied": _l("Fee receipt denied"),
    "contract.change_requested": _l("Change requested"), "contract.change_approved": _l("Change approved"),
    "contract.change_rejected": _l("Change rejected"), "contract.change_withdrawn": _l("Change withdrawn"),
})

NOTIFICATION_TEXTS.update({
    "call.published": _l("A new call matches your organisation: %(call)s."),
    "call.amended": _l("The call “%(call)s” was amended: %(reason)s"),
    "proposal.eligible": _l("Your proposal to “%(call)s” passed the eligibility screening."),
    "proposal.ineligible": _l("Your proposal to “%(call)s” did not pass the eligibility screening: %(reason)s"),
    "call.publicity": _l("The results of “%(call)s” are published; objections may be lodged until %(ends_on)s."),
    "call.result_available": _l("The results of “%(call)s” are decided: your proposal's result and how the experts "
                                "scored it are on its page; objections may be lodged until %(ends_on)s."),
    "call.objection_answered": _l("Your objection about “%(call)s” was answered: %(answer)s"),
    "call.awarded": _l("The call “%(call)s” has been awarded; see the results."),
    "call.failed": _l("The call “%(call)s” has failed: %(reason)s"),
    "contract.report_accepted": _l("Your report on “%(milestone)s” of “%(project)s” was accepted; its tranche is now "
                                   "payable."),
    "contract.report_returned": _l("Your report on “%(milestone)s” of “%(project)s” was returned: %(comment)s"),
    "contract.fee_listed": _l("%(org)s reports paying you %(amount)s: please confirm or deny that you received it."),
    "contract.fee_denied": _l("%(name)s denies receiving %(amount)s from %(org)s."),
    "contract.change_requested": _l("%(org)s requests %(kind)s."),
    "contract.change_approved": _l("Your request (%(kind)s) was approved: %(reason)s"),
    "contract.change_rejected": _l("Your request (%(kind)s) was rejected: %(reason)s"),
    "contract.milestone_overdue": _l("The milestone “%(milestone)s” of “%(project)s” is overdue."),
    "contract.officer_digest": _l("Projects to watch: %(overdue)s overdue milestones, %(reports)s reports to review, "
                                  "%(payments)s payments waiting, %(receipts)s fee receipts denied or unconfirmed."),
    "contract.tranche_paid": _l("%(amount)s has been paid for “%(project)s”."),
    "contract.tranche_deducted": _l("%(amount)s was deducted from a tranche of “%(project)s” and will not be paid "
                                    "(%(due)s still to pay): %(reason)s"),
    "contract.balance_returned": _l("The return of %(amount)s of “%(project)s”'s unspent balance was recorded; "
                                    "still to return: %(outstanding)s."),
    "contract.drafted": _l("The contract for “%(project)s” (%(amount)s) has been drawn up; please read and "
                           "confirm it."),
    "contract.lines_edited": _l("The budget lines of “%(project)s” were changed: please read and confirm the "
                                "contract again."),
    "contract.fee_reminder": _l("Please confirm or deny receiving %(amount)s from %(org)s."),
    "contract.draft_edited": _l("The terms of “%(project)s” were changed before signing: please read and confirm the "
                                "contract again."),
})
NOTIFICATION_LABELS.update({"contract.change_requested": {"kind": RequestedChange},
                            "contract.change_approved": {"kind": ChangeKind},
                            "contract.change_rejected": {"kind": ChangeKind}})


# The audit log links an event about a call, a proposal or a contract to its page (every projects event is about one
# of the three: a question, an objection, an award decision, a report, an expense or a change request is recorded
# against its call or contract, with its own id in the data); each page still asks who may see it.
register_target_page("calls", "calls.show", "call_id")
register_target_page("proposals", "proposals.show", "proposal_id")
register_target_page("contracts", "contracts.show", "contract_id")


# The public verification page links a document to the public page of what it is about: an announcement, a results
# announcement or a scoring summary to its call's page, an award notice to the results on its call's page (the
# proposal's own page is its organisation's and staff's), a contract to its project's public page. Each is public when
# the page would answer an anonymous visitor: a call not a draft, a contract signed (terminated or closed included).
def public_call(call_id: int) -> int | None:
    call = db.session.get(Call, call_id)
    return call.id if call is not None and can_view_call(None, call) else None


def public_call_of_proposal(proposal_id: int) -> int | None:
    call_id = db.session.scalar(select(Proposal.call_id).where(Proposal.id == proposal_id))
    return public_call(call_id) if call_id is not None else None


def public_project(contract_id: int) -> int | None:
    return contract_id if is_public_project(db.session.get(Contract, contract_id)) else None


register_public_page("calls", "calls.show", "call_id", public_id=public_call, label=_l("the call's public page"))
register_public_page("proposals", "calls.show", "call_id", public_id=public_call_of_proposal,
                     label=_l("the results on the call's public page"), anchor="results")
register_public_page("contracts", "project_public.project", "contract_id", public_id=public_project,
                     label=_l("the project's public page"))
