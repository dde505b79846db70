"""Resident satisfaction surveys: rating and choice questions and one free text; each resident answers once —
logged in as a resident, or with a one-time code handed out at an activity. Answers carry no user: a keyed hash
(`respondent_key`) only lets the database refuse a second answer, so the organisation never learns who said what."""

import secrets
from dataclasses import dataclass, field
from fractions import Fraction

from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from audit import services as audit
from core.db import db, utcnow
from core.errors import Conflict, Forbidden, ServiceError, invalid
from core.permissions import has_role
from core.personal import keyed_hash

from .project_enums import EvaluationStatus, QuestionKind
from .project_models import ProjectEvaluation, Survey, SurveyCode, SurveyResponse

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
MAX_CODES = 500
# Refused, never cut: a question, an option or an answer cut short may say something else.
MAX_TITLE, MAX_QUESTION, MAX_OPTION, MAX_ANSWER = 200, 300, 100, 1000
SATISFIED = 4  # on a 1–5 rating, 4 and 5 count as satisfied (满意度 = 满意 + 非常满意)

DEFAULT_OUTLINE = """rating: 您对本项目服务的总体满意度如何？
rating: 您对工作人员的服务态度是否满意？
rating: 服务是否及时、方便？
choice: 您参加本项目活动的次数 | 1 次 / 2–5 次 / 6 次以上
text: 您对本项目还有什么意见或建议？"""



def default_outline() -> str:
    """The survey form's starting questions in the reader's language, each line with the prefix its help names
    ('评分:', '单选:', '文字:' in Chinese; 'rating:', 'choice:', 'text:' in English), which parse_outline reads."""
    rating, choice, text = (pgettext("survey outline prefix", "rating"), pgettext("survey outline prefix", "choice"),
                            pgettext("survey outline prefix", "text"))  # (written out for pybabel extract)
    return "\n".join([
        f"{rating}: {_('How satisfied are you with the project’s services overall?')}",
        f"{rating}: {_('Are you satisfied with the staff’s attitude?')}",
        f"{rating}: {_('Was the service timely and convenient?')}",
        f"{choice}: {_('How many of the project’s activities have you taken part in?')} | "
        f"{_('Once / 2–5 times / 6 times or more')}",
        f"{text}: {_('What other comments or suggestions do you have about the project?')}"])


PREFIXES = {"rating": QuestionKind.RATING, "评分": QuestionKind.RATING, "choice": QuestionKind.CHOICE,
            "单选": QuestionKind.CHOICE, "text": QuestionKind.TEXT, "文字": QuestionKind.TEXT}


def parse_outline(text: str) -> list[dict]:
    """One question a line: 'rating: question', 'choice: question | option / option', 'text: question'."""
    questions = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        prefix, _sep, rest = line.replace("：", ":", 1).partition(":")
        kind = PREFIXES.get(prefix.strip().lower())
        if kind is None or not rest.strip():
            message = _("Line %(n)d: start with 'rating:', 'choice:' or 'text:'.", n=number)
            raise ServiceError(message, fields={"outline": message})
        question, _bar, options = rest.partition("|")
        options = [o.strip() for o in options.split("/") if o.strip()] if kind is QuestionKind.CHOICE else []
        if len(question.strip()) > MAX_QUESTION:
            message = _("Line %(n)d: a question has at most %(max)d characters.", n=number, max=MAX_QUESTION)
            raise ServiceError(message, fields={"outline": message})
        if any(len(o) > MAX_OPTION for o in options):
            message = _("Line %(n)d: an option has at most %(max)d characters.", n=number, max=MAX_OPTION)
            raise ServiceError(message, fields={"outline": message})
        questions.append({"kind": kind.value, "text": question.strip(), "options": options})
    return questions


def _check_questions(questions: list[dict]) -> None:
    kinds = [q["kind"] for q in questions]
    message = None
    if not 2 <= len(questions) <= 20:
        message = _("Between 2 and 20 questions.")
    elif kinds.count(QuestionKind.TEXT) != 1:
        message = _("Exactly one free-text question.")
    elif QuestionKind.RATING not in kinds:
        message = _("At least one rating question (it gives the satisfaction figure).")
    elif any(q["kind"] == QuestionKind.CHOICE and len(q["options"]) < 2 for q in questions):
        message = _("A choice question needs at least two options.")
    if message:
        raise invalid({"outline": message})


def can_manage_survey(user, evaluation: ProjectEvaluation) -> bool:
    return has_role(user, "officer") or any(a.user_id == getattr(user, "id", None) and a.cleared
                                            for a in evaluation.assignments)


def can_read_survey(user, evaluation: ProjectEvaluation) -> bool:
    """The survey page without its forms: auditors and administrators (who read the audit trail, whose survey events
    lead there) as well as those who manage it."""
    return has_role(user, "auditor", "admin") or can_manage_survey(user, evaluation)


def create_survey(evaluation: ProjectEvaluation, title: str, questions: list[dict], *, actor) -> Survey:
    if not can_manage_survey(actor, evaluation):
        raise Forbidden(_("You do not have permission to do this."))
    _require_open(evaluation)
    if db.session.scalar(select(Survey.id).where(Survey.evaluation_id == evaluation.id)):
        raise Conflict(_("This evaluation already has a survey."))
    title = (title or "").strip()
    if not title:
        raise invalid({"title": _("Required.")})
    if len(title) > MAX_TITLE:
        raise invalid({"title": _("At most %(n)d characters.", n=MAX_TITLE)})
    _check_questions(questions)
    survey = Survey(evaluation_id=evaluation.id, title=title, questions=questions, created_by_id=actor.id)
    db.session.add(survey)
    db.session.flush()
    audit.record("survey.created", survey, actor=actor, data={"evaluation_id": evaluation.id,
                                                             "questions": len(questions)})
    return survey


def _require_open(evaluation: ProjectEvaluation) -> None:
    if evaluation.status != EvaluationStatus.IN_PROGRESS or evaluation.issued:
        raise Conflict(_("The survey is closed: the evaluation is no longer in progress."))


def _code_hash(code: str) -> str:
    return keyed_hash("".join(ch for ch in (code or "").upper() if ch.isalnum()), "survey-code")


def issue_codes(survey: Survey, count: int, *, actor) -> list[str]:
    """A batch of one-time codes to print and hand out; only their keyed hashes are stored, so they are shown
    once."""
    if not can_manage_survey(actor, survey.evaluation):
        raise Forbidden(_("You do not have permission to do this."))
    _require_open(survey.evaluation)
    if not isinstance(count, int) or not 1 <= count <= MAX_CODES:
        raise invalid({"count": _("Between 1 and %(n)d codes.", n=MAX_CODES)})
    codes = ["".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH)) for _n in range(count)]
    db.session.add_all([SurveyCode(survey_id=survey.id, code_hash=_code_hash(c), created_by_id=actor.id)
                        for c in codes])
    db.session.flush()
    audit.record("survey.codes_issued", survey, actor=actor, data={"count": count})
    return codes


def _clean_answers(survey: Survey, raw: dict) -> dict:
    answers, errors = {}, {}
    for i, q in enumerate(survey.questions):
        value = str(raw.get(f"q{i}", "") or "").strip()
        if q["kind"] == QuestionKind.RATING:
            if value not in {"1", "2", "3", "4", "5"}:
                errors[f"q{i}"] = _("Choose from 1 to 5.")
            else:
                answers[str(i)] = int(value)
        elif q["kind"] == QuestionKind.CHOICE:
            if value not in q["options"]:
                errors[f"q{i}"] = _("Choose one of the options.")
            else:
                answers[str(i)] = value
        elif len(value) > MAX_ANSWER:
            errors[f"q{i}"] = _("At most %(n)d characters.", n=MAX_ANSWER)
        elif value:
            answers[str(i)] = value
    if errors:
        raise invalid(errors)
    return answers


def answer(survey: Survey, raw: dict, *, user=None, code: str = "") -> SurveyResponse:
    """Once per resident: a logged-in resident (keyed hash of survey and user) or a one-time code (used once)."""
    _require_open(survey.evaluation)
    answers = _clean_answers(survey, raw)
    if code:
        digest = _code_hash(code)
        used = db.session.execute(update(SurveyCode).where(SurveyCode.survey_id == survey.id,
                                                           SurveyCode.code_hash == digest,
                                                           SurveyCode.used_at.is_(None)).values(used_at=utcnow()))
        if used.rowcount != 1:
            raise Conflict(_("This code is unknown or has already been used."), fields={"code": _("Not valid.")})
        key, via = digest, "code"
    elif has_role(user, "resident"):
        key, via = keyed_hash(f"{survey.id}:{user.id}", "survey-respondent"), "login"
    else:
        raise ServiceError(_("Log in as a resident or enter the code you were given."),
                           fields={"code": _("Enter the code you were given.")})
    response = SurveyResponse(survey_id=survey.id, respondent_key=key, answers=answers)
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError as exc:
        raise Conflict(_("You have already answered this survey.")) from exc
    # No actor: the trail records that an answer came in, never whose it is.
    audit.record("survey.answered", survey, actor=None, data={"via": via})
    return response


def already_answered(survey: Survey, user) -> bool:
    if not has_role(user, "resident"):
        return False
    key = keyed_hash(f"{survey.id}:{user.id}", "survey-respondent")
    return db.session.scalar(select(SurveyResponse.id).where(SurveyResponse.survey_id == survey.id,
                                                             SurveyResponse.respondent_key == key)) is not None


@dataclass
class SurveyResults:
    responses: int = 0
    satisfaction: Fraction | None = None  # share of ratings of 4 or 5
    ratings: dict[int, dict[int, int]] = field(default_factory=dict)  # question -> {1..5: count}
    choices: dict[int, dict[str, int]] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)


def results(survey: Survey | None) -> SurveyResults:
    out = SurveyResults()
    if survey is None:
        return out
    rows = list(db.session.scalars(select(SurveyResponse.answers).where(SurveyResponse.survey_id == survey.id)
                                   .order_by(SurveyResponse.id)))
    out.responses = len(rows)
    satisfied = total = 0
    for i, q in enumerate(survey.questions):
        values = [r[str(i)] for r in rows if str(i) in r]
        if q["kind"] == QuestionKind.RATING:
            out.ratings[i] = {n: values.count(n) for n in range(1, 6)}
            satisfied += sum(1 for v in values if v >= SATISFIED)
            total += len(values)
        elif q["kind"] == QuestionKind.CHOICE:
            out.choices[i] = {o: values.count(o) for o in q["options"]}
        else:
            out.texts += values
    out.satisfaction = Fraction(satisfied, total) if total else None
    return out


def survey_of(evaluation: ProjectEvaluation) -> Survey | None:
    return db.session.scalar(select(Survey).where(Survey.evaluation_id == evaluation.id))
