"""An organisation's standing: grades, annual reports, credit lists, incubation — and `standing()`,
the facts other packages use to decide eligibility."""

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from accounts.models import User
from accounts.notifications import notify
from audit import services as audit
from core import cache
from core.db import db, utcnow
from core.errors import Conflict, ServiceError, invalid
from core.timeutil import local_today
from core.uploads import store_upload
from core.views import path_for

from .enums import PUBLIC_STATUSES, CreditList, IncubationStage, MemberRole, MembershipStatus, OrgStatus, ReportStatus
from .models import AnnualReport, CreditListEntry, GradeRecord, Incubation, Organisation

GRADE_VALIDITY_YEARS = 5


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def earliest_live_award(today: date) -> date:
    """The oldest award date whose grade is still valid today (a grade lasts GRADE_VALIDITY_YEARS)."""
    day = _add_years(today, -GRADE_VALIDITY_YEARS)
    return day if _add_years(day, GRADE_VALIDITY_YEARS) >= today else day + timedelta(days=1)


def _award_date_errors(org: Organisation, awarded_on: date, valid_until: date | None, today: date) -> dict:
    """A grade is recorded while it is in force: not awarded before the organisation was registered, nor so long
    ago that it has already expired (1900-01-01 was accepted, expired the moment it was recorded)."""
    latest_end = _add_years(awarded_on, GRADE_VALIDITY_YEARS)
    if org.registered_on and awarded_on < org.registered_on:
        return {"awarded_on": _("A grade cannot be awarded before the organisation was registered (%(date)s).",
                                date=org.registered_on.isoformat())}
    if latest_end < today:
        return {"awarded_on": _("A grade is valid for %(n)d years: one awarded before %(date)s has already "
                                "expired.", n=GRADE_VALIDITY_YEARS, date=earliest_live_award(today).isoformat())}
    if valid_until is None:
        return {}
    if valid_until <= awarded_on:
        return {"valid_until": _("The end of validity must come after the award date.")}
    if valid_until > latest_end:
        return {"valid_until": _("A grade is valid for at most %(n)d years: until %(date)s at the latest.",
                                 n=GRADE_VALIDITY_YEARS, date=latest_end.isoformat())}
    if valid_until < today:
        return {"valid_until": _("The end of validity has passed: this grade has already expired.")}
    return {}


def _require_approved(org: Organisation) -> None:
    if org.status not in (OrgStatus.APPROVED, OrgStatus.SUSPENDED):
        raise Conflict(_("Only a registered organisation has a standing record."))


def record_grade(org: Organisation, grade: int, awarded_on: date, *, actor: User, valid_until: date | None = None,
                 evidence=None) -> GradeRecord:
    _require_approved(org)
    errors = {}
    if grade not in range(1, 6):
        errors["grade"] = _("A grade is 1A to 5A.")
    today = local_today()
    if awarded_on > today:
        errors["awarded_on"] = _("The date cannot be in the future.")
        raise invalid(errors)  # 9999 + 5 years: no such date
    errors.update(_award_date_errors(org, awarded_on, valid_until, today))
    if errors:
        raise invalid(errors)
    valid_until = valid_until or _add_years(awarded_on, GRADE_VALIDITY_YEARS)
    stored = store_upload(evidence, actor=actor, field="evidence") if evidence and evidence.filename else None
    record = GradeRecord(org_id=org.id, grade=grade, awarded_on=awarded_on, valid_until=valid_until,
                         evidence=stored, recorded_by_id=actor.id)
    db.session.add(record)
    db.session.flush()
    cache.bump("directory")
    audit.record("org.grade_recorded", org, actor=actor,
                 data={"grade": grade, "awarded_on": awarded_on, "valid_until": valid_until,
                       "evidence_sha256": stored.sha256 if stored else ""})
    return record


def submit_annual_report(org: Organisation, year: int, upload, *, actor: User) -> AnnualReport:
    _require_approved(org)
    if not 2000 <= year <= local_today().year:
        raise invalid({"year": _("Choose a year up to this one.")})
    report = db.session.scalar(select(AnnualReport).where(AnnualReport.org_id == org.id, AnnualReport.year == year))
    if report is not None and report.status != ReportStatus.RETURNED:
        raise Conflict(_("The annual report for %(year)d has already been submitted.", year=year),
                       fields={"year": _("Already submitted.")})
    stored = store_upload(upload, actor=actor)
    if report is None:
        report = AnnualReport(org_id=org.id, year=year, file=stored)
        db.session.add(report)
    else:
        report.file, report.review_note, report.reviewed_at = stored, "", None
    report.status, report.submitted_at = ReportStatus.SUBMITTED.value, utcnow()
    db.session.flush()
    audit.record("org.annual_report_submitted", org, actor=actor, data={"year": year, "sha256": stored.sha256})
    return report


def review_annual_report(report: AnnualReport, accept: bool, note: str, *, actor: User) -> None:
    if report.status != ReportStatus.SUBMITTED:
        raise Conflict(_("This report has already been reviewed."))
    note = (note or "").strip()
    if not accept and not note:
        raise ServiceError(_("Please give a reason."), fields={"note": _("Please give a reason.")})
    report.status = (ReportStatus.ACCEPTED if accept else ReportStatus.RETURNED).value
    report.review_note, report.reviewed_at = note, utcnow()
    db.session.flush()
    org = db.session.get(Organisation, report.org_id)
    audit.record("org.annual_report_accepted" if accept else "org.annual_report_returned", org, actor=actor,
                 data={"year": report.year, "note": note})
    for m in org.memberships:
        if m.role == MemberRole.MANAGER and m.status == MembershipStatus.ACTIVE:
            notify(m.user_id, "org.annual_report_accepted" if accept else "org.annual_report_returned",
                   link=path_for("orgs.profile", org_id=org.id), org=org.name, year=report.year, reason=note)


def add_credit_entry(org: Organisation, list_type: str, reason: str, source: str, start_on: date,
                     end_on: date | None, *, actor: User) -> CreditListEntry:
    # Credit lists name organisations that are or were registered (a deregistered one may still be listed);
    # a draft, an application under review or a refused one was never an organisation on the register.
    if OrgStatus(org.status) not in PUBLIC_STATUSES:
        raise Conflict(_("Only an organisation that is or was registered can be put on a credit list."))
    errors = {}
    try:
        kind = CreditList(list_type)
    except ValueError:
        errors["list_type"] = _("Choose a list.")
        kind = None
    if not (reason or "").strip():
        errors["reason"] = _("Required.")
    if not (source or "").strip():
        errors["source"] = _("Required.")
    if end_on is not None and end_on <= start_on:
        errors["end_on"] = _("The end must come after the start.")
    if errors:
        raise invalid(errors)
    entry = CreditListEntry(org_id=org.id, list_type=kind.value, reason=reason.strip(), source=source.strip(),
                            start_on=start_on, end_on=end_on, recorded_by_id=actor.id)
    db.session.add(entry)
    db.session.flush()
    audit.record("org.credit_listed", org, actor=actor,
                 data={"list": kind.value, "reason": entry.reason, "source": entry.source, "start_on": start_on,
                       "end_on": end_on})
    return entry


def end_credit_entry(entry: CreditListEntry, end_on: date, *, actor: User) -> None:
    """End an entry before its scheduled end (or end an open-ended one). The end date is the first day the
    entry no longer counts (see CreditListEntry.active_on)."""
    # Whether the entry has ended is a question about today, not about the date asked for.
    if entry.ended_by(local_today()):
        raise Conflict(_("This entry has already ended."))
    if end_on <= entry.start_on:
        raise ServiceError(_("The end must come after the start."), fields={"end_on": _("Too early.")})
    if entry.end_on is not None and end_on >= entry.end_on:
        message = _("The entry is already scheduled to end on %(date)s: choose an earlier date to end it early.",
                    date=entry.end_on.isoformat())
        raise ServiceError(message, fields={"end_on": message})
    entry.end_on = end_on
    db.session.flush()
    audit.record("org.credit_entry_ended", db.session.get(Organisation, entry.org_id), actor=actor,
                 data={"entry_id": entry.id, "end_on": end_on})


def designate_hub(org: Organisation, is_hub: bool, *, actor: User) -> None:
    """An officer marks a registered organisation as a hub (枢纽型社会组织), or withdraws the designation."""
    if is_hub and org.status != OrgStatus.APPROVED:
        raise Conflict(_("Only a registered organisation can be designated a hub."))
    if org.is_hub == is_hub:
        raise Conflict(_("Nothing to change."))
    org.is_hub = is_hub
    db.session.flush()
    cache.bump("directory")
    audit.record("org.hub_designated" if is_hub else "org.hub_withdrawn", org, actor=actor)


def find_group(typed: str) -> Organisation | None:
    """The organisation an officer names for an incubation: by its number (the page's address), its credit code or
    filing number, or its full name when only one registered organisation bears it."""
    typed = (typed or "").strip()
    if typed.isascii() and typed.isdigit():
        return db.session.get(Organisation, int(typed)) if len(typed) <= 9 else None
    public = Organisation.status.in_([s.value for s in PUBLIC_STATUSES])
    found = db.session.scalar(select(Organisation).where(
        public, (Organisation.uscc == typed.upper()) | (Organisation.filing_number == typed)).limit(1))
    if found is not None:
        return found
    named = list(db.session.scalars(select(Organisation).where(public, Organisation.name == typed).limit(2)))
    return named[0] if len(named) == 1 else None


def group_candidates(hub: Organisation, limit: int = 500) -> list[Organisation]:
    """Registered organisations a hub may be recorded as incubating, by name (suggested as the officer types)."""
    return list(db.session.scalars(select(Organisation).where(
        Organisation.status == OrgStatus.APPROVED.value, Organisation.id != hub.id)
        .order_by(Organisation.name).limit(limit)))


def link_incubation(hub: Organisation, child: Organisation, started_on: date, *, actor: User) -> Incubation:
    if hub.id == child.id:
        raise ServiceError(_("An organisation cannot incubate itself."), fields={"child_id": _("Choose another.")})
    if hub.status != OrgStatus.APPROVED or not hub.is_hub:
        raise Conflict(_("Only a registered hub organisation can incubate groups."))
    if OrgStatus(child.status) not in PUBLIC_STATUSES:  # the link is public: no drafts or refused applications
        message = _("Only a registered or filed organisation can be linked as an incubated group.")
        raise ServiceError(message, fields={"child_id": message})
    if started_on > local_today():
        raise ServiceError(_("The date cannot be in the future."), fields={"started_on": _("Too late.")})
    if db.session.scalar(select(Incubation.id).where(Incubation.hub_id == hub.id, Incubation.child_id == child.id)):
        raise Conflict(_("This group is already linked to this hub."))
    link = Incubation(hub_id=hub.id, child_id=child.id, started_on=started_on,
                      stage=IncubationStage.INCUBATING.value)
    db.session.add(link)
    db.session.flush()
    audit.record("org.incubation_started", hub, actor=actor, data={"child_id": child.id, "started_on": started_on})
    return link


def set_incubation_stage(link: Incubation, stage: str, ended_on: date | None, *, actor: User) -> None:
    new_stage = IncubationStage(stage)
    if link.stage != IncubationStage.INCUBATING:
        raise Conflict(_("This incubation has already finished."))
    if new_stage is IncubationStage.INCUBATING:
        return
    ended_on = ended_on or local_today()
    if ended_on > local_today():
        raise ServiceError(_("The date cannot be in the future."),
                           fields={"ended_on": _("The date cannot be in the future.")})
    if ended_on < link.started_on:
        raise ServiceError(_("The end must come after the start."),
                           fields={"ended_on": _("The end must come after the start.")})
    link.stage, link.ended_on = new_stage.value, ended_on
    db.session.flush()
    audit.record("org.incubation_" + new_stage.value, db.session.get(Organisation, link.hub_id), actor=actor,
                 data={"child_id": link.child_id, "ended_on": link.ended_on})


@dataclass(frozen=True)
class EvaluationRecord:
    """One issued project evaluation of the organisation (filled in by the evaluation package)."""

    issued_on: date
    contract_id: int
    project: str
    kind_label: str
    grade: str  # excellent / good / pass / fail
    grade_label: str
    score: str
    report_code: str

    @property
    def passed(self) -> bool:
        return self.grade != "fail"


# orgs never imports evaluation: the evaluation package registers a function (org id, day) -> records, newest first.
_evaluation_history = None


def register_evaluation_history(fn) -> None:
    global _evaluation_history
    _evaluation_history = fn


@dataclass(frozen=True)
class Standing:
    """What eligibility rules look at, as of one day."""

    org_id: int
    status: OrgStatus
    kind: str
    grade: int | None  # the grade valid on the day, if any
    grade_valid_until: date | None
    years_registered: int
    certified_social_workers: int
    last_annual_report_accepted: bool  # the report for the previous calendar year
    credit_entries: tuple[str, ...]  # lists the organisation is on that day
    evaluations: tuple[EvaluationRecord, ...] = ()  # issued project evaluations up to the day, newest first
    last_annual_report: str | None = None  # that report's status (a ReportStatus value); None: there is none

    @property
    def last_annual_report_text(self) -> str:
        """The previous year's report as a page says it, after "Last year's annual report:": where it stands, none
        at all as "not submitted yet". Whether one is required is the page's documents list to say: this said "none
        yet (newly registered)" of an application registered years ago, whose list asked for one."""
        if self.last_annual_report is None:
            return _("Not submitted yet")
        return {ReportStatus.ACCEPTED: _("Accepted"), ReportStatus.SUBMITTED: _("Submitted, awaiting review"),
                ReportStatus.RETURNED: _("Returned")}[ReportStatus(self.last_annual_report)]

    @property
    def last_evaluation(self) -> EvaluationRecord | None:
        return self.evaluations[0] if self.evaluations else None

    @property
    def credit_labels(self) -> list[str]:
        return [CreditList(code).label for code in self.credit_entries]

    @property
    def in_good_standing(self) -> bool:
        return self.status is OrgStatus.APPROVED and not self.credit_entries


def standing(org: Organisation, on: date | None = None) -> Standing:
    on = on or local_today()
    grades = db.session.scalars(select(GradeRecord).where(
        GradeRecord.org_id == org.id, GradeRecord.awarded_on <= on, GradeRecord.valid_until >= on)
        .order_by(GradeRecord.awarded_on.desc(), GradeRecord.id.desc()).limit(1)).first()
    report = db.session.scalar(select(AnnualReport.status).where(
        AnnualReport.org_id == org.id, AnnualReport.year == on.year - 1))
    entries = db.session.scalars(select(CreditListEntry).where(CreditListEntry.org_id == org.id))
    listed = tuple(sorted({e.list_type for e in entries if e.active_on(on)}))
    years = 0
    if org.registered_on and org.registered_on <= on:
        years = on.year - org.registered_on.year - ((on.month, on.day) < (org.registered_on.month,
                                                                           org.registered_on.day))
    return Standing(org_id=org.id, status=OrgStatus(org.status), kind=org.kind,
                    grade=grades.grade if grades else None, grade_valid_until=grades.valid_until if grades else None,
                    years_registered=years, certified_social_workers=org.certified_social_workers,
                    last_annual_report_accepted=report == ReportStatus.ACCEPTED, credit_entries=listed,
                    last_annual_report=report,
                    evaluations=tuple(_evaluation_history(org.id, on)) if _evaluation_history else ())
