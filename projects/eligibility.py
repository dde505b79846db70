"""Eligibility rules of a call, applied to an organisation's standing on a day — the same for everyone."""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

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
        results.append(RuleResult("years", ok, _("Registered for %(have)d years (at least %(need)d required).",
                                                 have=facts.years_registered, need=call.min_years_registered)))
    if call.min_certified_social_workers:
        ok = facts.certified_social_workers >= call.min_certified_social_workers
        results.append(RuleResult("social_workers", ok,
                                  _("%(have)d certified social workers (at least %(need)d required).",
                                    have=facts.certified_social_workers, need=call.min_certified_social_workers)))
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
        rules.append(_("Registered for at least %(n)d years.", n=call.min_years_registered))
    if call.min_certified_social_workers:
        rules.append(_("At least %(n)d certified social workers.", n=call.min_certified_social_workers))
    if call.require_annual_report:
        rules.append(_("Last year's annual report accepted."))
    if call.require_passing_evaluation:
        rules.append(_("Last project evaluation at least Pass (an organisation never evaluated qualifies)."))
    if call.require_clean_credit:
        rules.append(_("Not on any credit list."))
    return rules


def failures(call: Call, org, on: date) -> list[RuleResult]:
    return [r for r in check(call, org, on) if not r.passed]
