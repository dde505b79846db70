from flask_babel import lazy_gettext as _l

from accounts.notifications import NOTIFICATION_TEXTS
from audit.labels import ACTION_LABELS

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
    "contract.expense_recorded": _l("Expense recorded"),
})

NOTIFICATION_TEXTS.update({
    "call.published": _l("A new call matches your organisation: %(call)s."),
    "call.amended": _l("The call “%(call)s” was amended: %(reason)s"),
    "proposal.eligible": _l("Your proposal to “%(call)s” passed the eligibility screening."),
    "proposal.ineligible": _l("Your proposal to “%(call)s” did not pass the eligibility screening: %(reason)s"),
    "call.publicity": _l("The results of “%(call)s” are published; objections are possible until %(ends_on)s."),
    "call.objection_answered": _l("Your objection about “%(call)s” was answered: %(answer)s"),
    "call.awarded": _l("The call “%(call)s” has been awarded; see the results."),
    "contract.report_accepted": _l("Your report for “%(milestone)s” was accepted; its tranche is now payable."),
    "contract.report_returned": _l("Your report for “%(milestone)s” was returned: %(comment)s"),
})
