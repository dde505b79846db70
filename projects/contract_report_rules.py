"""What a milestone report must hold beyond well-formed rows: the contract's period has begun, something was done
(an activity or an output), the evidence the milestone requires is attached, and files used again are the milestone's
own. Called by contract_reports.submit_report."""

from flask_babel import gettext as _

from core.timeutil import local_today
from core.uploads import StoredFile

from .contract_models import Contract, Milestone


def not_started(contract: Contract) -> str | None:
    """Why no report can be sent yet: the contract's period begins later (Beijing time); None once it has begun."""
    if local_today() < contract.starts_on:
        return _("The contract period starts on %(date)s (Beijing time): reports can be sent from that day.",
                 date=contract.starts_on.isoformat())
    return None


def not_earlier() -> str:
    return _("Only files of this milestone's earlier reports can be used again.")


def check_substance(milestone: Milestone, data, outputs: list[dict], uploads: list,
                    earlier: dict[int, StoredFile], errors: dict) -> None:
    """A report records something beyond its words: an activity held, an output achieved, an evidence file or a fee
    paid (only a narrative, it is empty); and, when the milestone names the evidence it requires, evidence files.
    What it requires is written as words (签到表、活动照片) and files carry no kind, so the files themselves are for
    the officer to judge; a report with none is refused, naming what the milestone requires."""
    if not (data.activities or any(row["achieved"] for row in outputs) or uploads or data.reused_evidence
            or data.fees) and not {"activities", "outputs"} & (set(errors) | set(data.unread)):
        errors["activities"] = _("The report is empty: record the activities held, the outputs achieved in this "
                                 "period or the evidence of the work.")
    if any(i not in earlier for i in data.reused_evidence):
        errors["evidence"] = not_earlier()
    elif (required := milestone.evidence_required.strip()) and not uploads and not data.reused_evidence:
        errors["evidence"] = _("This milestone requires evidence: %(what)s. Attach it as evidence files.",
                               what=required)
