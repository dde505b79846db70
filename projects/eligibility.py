"""Eligibility rules of a call, applied to an organisation's standing on a day — the same for everyone."""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext

from core.i18n import joined
from orgs.enums import OrgKind, OrgStatus
from orgs.services import standing

from .models import Call


@dataclass(frozen=True)
class RuleResult:
    code: str
    passed: bool
    message: str


def check(call: Call, org, on: date) -> list[RuleResult]:
    """Every rule the call sets, each with its outcome and the reason in words."""
    facts = standing(org, on=on)
    results = [RuleResult("registered", facts.status is OrgStatus.APPROVED,
                          _("The organisation is registered and not suspended.") if facts.status is OrgStatus.APPROVED
                          else _("The organisation is not registered or is suspended."))]
    if call.allowed_kinds:
        names = joined(OrgKind(k).label for k in call.allowed_kinds)
        ok = facts.kind in call.allowed_kinds
        results.append(RuleResult("kind", ok, _("Kind allowed (%(kinds)s).", kinds=names) if ok
                                  else _("Only these kinds may apply: %(kinds)s.", kinds=names)))
    if call.min_grade:
        ok = (facts.grade or 0) >= call.min_grade
        results.append(RuleResult("grade", ok, _("Grade %(have)s meets the minimum %(need)dA.",
                                                 have=f"{facts.grade}A", need=call.min_grade) if ok
                                  else _("A valid grade of at least %(need)dA is required (has: %(have)s).",
                                         need=call.min_grade, have=f"{facts.grade}A" if facts.grade else _("none"))))
    if call.min_years_registered:
        ok = facts.years_registered >= call.min_years_registered
        results.append(RuleResult("years", ok, ngettext("Registered for %(num)d year (at least %(need)d required).",
                                                        "Registered for %(num)d years (at least %(need)d required).",
                                                        facts.years_registered, need=call.min_years_registered)))
    if call.min_certified_social_workers:
        ok = facts.certified_social_workers >= call.min_certified_social_workers
        results.append(RuleResult("social_workers", ok,
                                  ngettext("%(num)d certified social worker (at least %(need)d required).",
                                           "%(num)d certified social workers (at least %(need)d required).",
                                           facts.certified_social_workers, need=call.min_certified_social_workers)))
    if call.require_annual_report:
        ok = facts.last_annual_report_accepted
        results.append(RuleResult("annual_report", ok, _("Last year's annual report was accepted.") if ok
                                  else _("Last year's annual report has not been accepted.")))
    if call.require_passing_evaluation:
        last = facts.last_evaluation
        ok = last is None or last.passed
        results.append(RuleResult("evaluation", ok, _("No project evaluation on record.") if last is None else
                                  _("Last project evaluation: %(grade)s (%(project)s).", grade=last.grade_label,
                                    project=last.project) if ok else
                                  _("The last project evaluation was %(grade)s (%(project)s); at least Pass is "
                                    "required.", grade=last.grade_label, project=last.project)))
    if call.require_clean_credit:
        ok = not facts.credit_entries
        results.append(RuleResult("credit", ok, _("Not on any credit list.") if ok
                                  else _("On a credit list: %(lists)s.", lists=joined(facts.credit_labels))))
    return results


def stated_rules(call: Call) -> list[str]:
    """The rules in words, as stated in advance on the call page and in the announcement PDF (same order as
    `check`; a rule the call does not set is not listed)."""
    rules = [_("Registered (or filed) with the civil affairs authorities and not suspended.")]
    if call.allowed_kinds:
        rules.append(_("Only these kinds may apply: %(kinds)s.",
                       kinds=joined(OrgKind(k).label for k in call.allowed_kinds)))
    if call.min_grade:
        rules.append(_("A valid grade of at least %(need)dA.", need=call.min_grade))
    if call.min_years_registered:
        rules.append(ngettext("Registered for at least %(num)d year.", "Registered for at least %(num)d years.",
                              call.min_years_registered))
    if call.min_certified_social_workers:
        rules.append(ngettext("At least %(num)d certified social worker.", "At least %(num)d certified social workers.",
                              call.min_certified_social_workers))
    if call.require_annual_report:
        rules.append(_("Last year's annual report accepted."))
    if call.require_passing_evaluation:
        rules.append(_("Last project evaluation at least Pass (an organisation never evaluated qualifies)."))
    if call.require_clean_credit:
        rules.append(_("Not on any credit list."))
    return rules


def failures(call: Call, org, on: date) -> list[RuleResult]:
    return [r for r in check(call, org, on) if not r.passed]


# --- before a proposal is written ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outlook:
    """An organisation's standing for a call as the call's page shows it before anyone writes a proposal.

    `checks` are the rules as of today: what a submission is checked against (proposals.submission_problems), as
    the proposal page shows them. A rule failing today that still fails on the deadline day cannot be met in time
    as things stand (`blocked`): the page offers no "Write a proposal" and says, for each, what would make the
    organisation eligible (`remedies`). A rule failing today but met by the deadline day (registered long enough by
    then, say) blocks nothing: `later` says from when. The screening reads the rules as of the deadline day, so a
    rule met today but failing then (a grade expiring) is said as a warning (`at_deadline`)."""

    checks: list[RuleResult]
    deadline_day: date
    blocked: list[RuleResult]
    remedies: list[str]
    later: list[str]
    at_deadline: list[RuleResult]

    @property
    def eligible(self) -> bool:
        return not self.blocked


def outlook(call: Call, org, today: date, deadline_day: date) -> Outlook:
    checks = check(call, org, today)
    then = checks if deadline_day == today else check(call, org, deadline_day)
    failing_then = {r.code for r in then if not r.passed}
    failing_now = [r for r in checks if not r.passed]
    blocked = [r for r in failing_now if r.code in failing_then]
    return Outlook(checks, deadline_day, blocked, [_remedy(call, org, r.code, deadline_day) for r in blocked],
                   [_met_later(call, org, r.code, deadline_day) for r in failing_now if r.code not in failing_then],
                   [r for r in then if not r.passed and r.code not in {f.code for f in failing_now}])


def anniversary(day: date, years: int) -> date:
    """The day `years` years after `day`, as standing() counts whole years (29 February: 1 March in other years)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def _met_later(call: Call, org, code: str, deadline_day: date) -> str:
    if code == "years" and org.registered_on:
        return ngettext("Registered for %(num)d year on %(day)s: a proposal can be submitted from that day.",
                        "Registered for %(num)d years on %(day)s: a proposal can be submitted from that day.",
                        call.min_years_registered,
                        day=anniversary(org.registered_on, call.min_years_registered).isoformat())
    return _("This rule is met by the submission deadline (%(day)s): a proposal can be submitted once it is.",
             day=deadline_day.isoformat())


def _remedy(call: Call, org, code: str, deadline_day: date) -> str:
    """What would make the organisation meet the rule `code` on the deadline day (the screening's day)."""
    day = deadline_day.isoformat()
    if code == "registered":
        if org.status == OrgStatus.SUSPENDED:
            return _("The suspension must be lifted before it can apply.")
        if org.status in (OrgStatus.DRAFT, OrgStatus.SUBMITTED, OrgStatus.RETURNED):
            return _("Its registration on the platform must be approved before it can apply.")
        return _("Only a registered organisation that is not suspended can apply.")
    if code == "kind":
        return _("This call is not open to its kind of organisation (%(kind)s).", kind=OrgKind(org.kind).label)
    if code == "grade":
        return _("A grade of at least %(need)dA, valid on %(day)s (the submission deadline), would make it eligible.",
                 need=call.min_grade, day=day)
    if code == "years":
        if org.registered_on is None:
            return _("Its registration date is not on record: ask the civil affairs office to record it.")
        return ngettext("It reaches %(num)d year of registration on %(day)s, after the submission deadline.",
                        "It reaches %(num)d years of registration on %(day)s, after the submission deadline.",
                        call.min_years_registered,
                        day=anniversary(org.registered_on, call.min_years_registered).isoformat())
    if code == "social_workers":
        return ngettext("At least %(num)d certified social worker on its record would make it eligible; if it has "
                        "them, update its record.",
                        "At least %(num)d certified social workers on its record would make it eligible; if it has "
                        "them, update its record.", call.min_certified_social_workers)
    if code == "annual_report":
        return _("Its annual report for %(year)d must be accepted by %(day)s (the submission deadline).",
                 year=deadline_day.year - 1, day=day)
    if code == "evaluation":
        return _("A later project evaluation of at least Pass would make it eligible.")
    return _("It must be off the credit list by %(day)s (the submission deadline).", day=day)
