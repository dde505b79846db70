"""How the log page reads recorded values that are codes or structures (audit.display.READINGS holds the amounts,
moments and statuses): an enum value by its label, a document's kind by its name, "calls:4" as 项目征集 #4, a list
joined with the locale's separator, a score sheet's half points as the points the expert entered, a ranking or a
budget change as sentences. Only the display changes: the data stays as hashed (and the CSV gives it as such).

Every reader takes (event, data, value) and answers '' when the value is not what it expects, so the page then shows
the value as recorded rather than a wrong reading. Nothing here queries the database per event: the service
categories' names are read once per request (flask.g), so the page's query count does not grow with its events."""

from collections.abc import Callable, Iterator

from flask import g
from flask_babel import get_locale, lazy_pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.db import db
from core.enums import LabelledEnum
from core.i18n import joined, semicolon
from core.money import format_fen

from .data_labels import DOC_TYPE_LABELS
from .labels import target_label

NOTHING = "—"  # null, an empty text or an empty list: nothing recorded


def labelled_enums(cls: type = LabelledEnum) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from labelled_enums(sub)


def enum_named(qualified: str) -> type[LabelledEnum] | None:
    """The labelled enum 'module.Class' (audit cannot import the packages: found among LabelledEnum's subclasses,
    once they are imported)."""
    module, _dot, name = qualified.rpartition(".")
    return next((e for e in labelled_enums() if e.__module__ == module and e.__name__ == name), None)


def enum_label(qualified: str, value) -> str:
    enum = enum_named(qualified)
    if enum is None or not isinstance(value, str) or value not in {member.value for member in enum}:
        return ""
    return enum(value).label


def enum_reading(qualified: str) -> Callable:
    """A value, or a list of values, of the enum by its labels (an empty list: nothing)."""
    def read(event, data: dict, value) -> str:
        values = value if isinstance(value, list) else [value]
        if isinstance(value, list) and not value:
            return NOTHING
        labels = [enum_label(qualified, v) for v in values]
        return joined(labels) if all(labels) else ""
    return read


def _is_id(value) -> bool:
    return type(value) is int


def _ref(value) -> str:
    return f"#{value}"


def scalar_list(event, data: dict, value) -> str:
    """A list of ids ('#1、#3'), of texts or numbers joined ('甲、乙'); an empty one: nothing."""
    if not isinstance(value, list):
        return ""
    if not value:
        return NOTHING
    if all(_is_id(v) for v in value):
        return joined(map(_ref, value))
    if all(isinstance(v, str | int | float) and type(v) is not bool for v in value):
        return joined(value)
    return ""


def empty(value) -> str:
    """null or an empty text: nothing was recorded."""
    return NOTHING if value is None or value == "" else ""


def doc_type(event, data: dict, value) -> str:
    label = DOC_TYPE_LABELS.get(value) if isinstance(value, str) else None
    return str(label) if label is not None else ""


def target_ref(event, data: dict, value) -> str:
    """'calls:4' (what a document is about) as 项目征集 #4."""
    table, colon, ident = value.partition(":") if isinstance(value, str) else ("", "", "")
    if not colon or not ident:
        return ""
    return f"{target_label(table)} #{ident}"


def ranking(event, data: dict, value) -> str:
    """[[proposal id, rank, final score], …] as '第1名：申报书 #9，80.00 分；…'."""
    if not isinstance(value, list) or not all(isinstance(r, list) and len(r) == 3 for r in value):
        return ""
    return semicolon().join(_("No. %(rank)s: proposal #%(id)s, %(score)s points", rank=rank, id=ident, score=score)
                            for ident, rank, score in value)


def half_points(event, data: dict, value) -> str:
    """A score stored in half points (9) as the expert entered it (4.5)."""
    if not _is_id(value):
        return ""
    return _("%(points)s points", points=_points(value))


def _points(half: int) -> str:
    return str(half // 2) if half % 2 == 0 else f"{half // 2}.5"


def scores(event, data: dict, value) -> str:
    """{criterion id: half points or null (cleared)} as '指标 #57：4.5；…', in points as the expert entered them."""
    if not isinstance(value, dict) or not all(v is None or _is_id(v) for v in value.values()):
        return ""
    if not value:
        return NOTHING
    return semicolon().join(_("criterion #%(id)s: cleared", id=k) if v is None
                            else _("criterion #%(id)s: %(points)s", id=k, points=_points(v)) for k, v in value.items())


def numbered(event, data: dict, value) -> str:
    """{id: figure} as '#1：75.50；…' (an evaluation's totals by evaluator)."""
    if not isinstance(value, dict) or not all(isinstance(v, str | int) for v in value.values()):
        return ""
    return semicolon().join(f"#{k}{_(': ')}{v}" for k, v in value.items()) or NOTHING


def tasks(event, data: dict, value) -> str:
    """Rectification tasks [[indicator id, due on], …] as '指标 #3，2026-12-28 前完成；…'."""
    if not isinstance(value, list) or not all(isinstance(t, list) and len(t) == 2 for t in value):
        return ""
    return semicolon().join(_("indicator #%(id)s, due %(date)s", id=i, date=d) for i, d in value) or NOTHING


def percents(event, data: dict, value) -> str:
    if not isinstance(value, list) or not all(_is_id(v) for v in value):
        return ""
    return joined(f"{v}%" for v in value) or NOTHING


def outputs(event, data: dict, value) -> str:
    """A report's outputs [{indicator, achieved, unit}, …] as '上门探访 1020 人次、…'."""
    if not isinstance(value, list) or not all(isinstance(o, dict) and "indicator" in o for o in value):
        return ""
    return joined(" ".join(str(o[k]) for k in ("indicator", "achieved", "unit") if o.get(k) not in (None, ""))
                  for o in value) or NOTHING


def _seat(value) -> str:
    return enum_label("evaluation.enums.SeatType", value) or str(value)


def candidates(event, data: dict, value) -> str:
    """A panel draw's pool [{seat_type, user_id}, …] as '#5（社会工作专家）、…'."""
    if not isinstance(value, list) or not all(isinstance(c, dict) and "user_id" in c for c in value):
        return ""
    return joined(f"#{c['user_id']}" + (_("(%(what)s)", what=_seat(c["seat_type"])) if c.get("seat_type") else "")
                  for c in value) or NOTHING


def seats(event, data: dict, value) -> str:
    """{seat type: count} as '财务专家 1 名、社会工作专家 2 名'."""
    if not isinstance(value, dict) or not all(_is_id(v) for v in value.values()):
        return ""
    return joined(_("%(seat)s: %(n)s", seat=_seat(k), n=v) for k, v in value.items()) or NOTHING


def paid_withheld(event, data: dict, value) -> str:
    """{agencies: [org ids], experts: [user ids]} left out because the organisation paid them."""
    if not isinstance(value, dict):
        return ""
    parts = [f"{label}{_(': ')}{joined(map(_ref, value[key]))}" for key, label in
             (("agencies", _("agencies")), ("experts", _("experts"))) if value.get(key)]
    return semicolon().join(parts) or NOTHING


def contract_change(event, data: dict, value) -> str:
    """A contract change's before/after: {lines: {item: fen}} as '物资 ¥10,526.32；…', or {milestone, due_on} as
    '中期：2026-12-01'."""
    if not isinstance(value, dict):
        return ""
    lines = value.get("lines")
    if isinstance(lines, dict) and all(_is_id(v) for v in lines.values()):
        return semicolon().join(f"{item} {format_fen(fen)}" for item, fen in lines.items())
    if "due_on" in value:
        return f"{value.get('milestone', '')}{_(': ')}{value['due_on']}"
    return ""


def org_grade(event, data: dict, value) -> str:
    """An organisation's evaluation grade (1–5) as 5A级."""
    return _("%(n)sA", n=value) if _is_id(value) else ""


def categories(event, data: dict, value) -> str:
    """Service category codes by their names (read once per request), a code no longer listed as recorded."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return ""
    if not value:
        return NOTHING
    names = _category_names()
    return joined(names.get(code, code) for code in value)


def _category_names() -> dict[str, str]:
    if "audit_category_names" not in g:
        from sqlalchemy import text

        locale = str(get_locale() or "zh")
        rows = db.session.execute(text("SELECT code, name_zh, name_en FROM service_categories")).all()
        g.audit_category_names = {code: (zh if locale.startswith("zh") else en) for code, zh, en in rows}
    return g.audit_category_names


def worded(words: dict) -> Callable:
    """A code by its words ({code: lazy label}) — for codes that are no enum's values (a contract's side)."""
    def read(event, data: dict, value) -> str:
        label = words.get(value) if isinstance(value, str) else None
        return str(label) if label is not None else ""
    return read


SIDES = {"organisation": lazy_pgettext("contract side", "Organisation"),
         "officer": lazy_pgettext("contract side", "Purchaser")}
VIA = {"login": _l("logged in"), "code": _l("with a survey code")}
REPLACES = {"no_conflict": _l("an earlier declaration of no conflict")}

# key, or (action, key), → reader; added to audit.display.READINGS.
VALUE_READINGS: dict = {
    "doc_type": doc_type,
    ("document.issued", "target"): target_ref,
    ("call.decided", "ranking"): ranking,
    "aggregation": enum_reading("projects.enums.Aggregation"),
    "scores": scores,
    "total_half_points": half_points,
    ("evaluation.report_issued", "totals"): numbered,
    ("evaluation.report_issued", "tasks"): tasks,
    ("evaluation.commissioned", "kind"): enum_reading("evaluation.project_enums.EvaluationKind"),
    ("evaluation.commissioned", "paid_withheld"): paid_withheld,
    ("contract.drafted", "percents"): percents,
    ("contract.report_submitted", "outputs"): outputs,
    ("contract.confirmed", "side"): worded(SIDES),
    ("panel.drawn", "candidates"): candidates,
    ("panel.member_replaced", "candidates"): candidates,
    ("panel.drawn", "seats"): seats,
    ("panel.member_replaced", "status"): enum_reading("evaluation.enums.MemberStatus"),
    "replaces": worded(REPLACES),
    ("survey.answered", "via"): worded(VIA),
    ("org.grade_recorded", "grade"): org_grade,
    ("org.created", "kind"): enum_reading("orgs.enums.OrgKind"),
    ("org.document_added", "kind"): enum_reading("orgs.enums.DocumentKind"),
    ("org.document_removed", "kind"): enum_reading("orgs.enums.DocumentKind"),
    ("org.credit_listed", "list"): enum_reading("orgs.enums.CreditList"),
    ("org.member_role_changed", "from"): enum_reading("orgs.enums.MemberRole"),
    ("org.member_role_changed", "to"): enum_reading("orgs.enums.MemberRole"),
    ("user.roles_changed", "added"): enum_reading("accounts.enums.Role"),
    ("user.roles_changed", "removed"): enum_reading("accounts.enums.Role"),
    ("resident.tags_changed", "before"): enum_reading("accounts.resident_models.HardshipTag"),
    ("resident.tags_changed", "after"): enum_reading("accounts.resident_models.HardshipTag"),
    "tags": enum_reading("accounts.resident_models.HardshipTag"),
    "required_tags": enum_reading("accounts.resident_models.HardshipTag"),
    "tags_mode": enum_reading("vouchers.enums.TagsMode"),
    "provider_mode": enum_reading("vouchers.enums.ProviderMode"),
    "categories": categories,
}

# action prefix → {key: reader}: the statuses of what an event is about other than its target (a contract's change
# request, its report, an evaluation's rectification task, an organisation's change registration) and their kinds.
PREFIX_READINGS: dict[str, dict] = {
    "contract.change_": {"from": enum_reading("projects.contract_change_models.ChangeStatus"),
                         "kind": enum_reading("projects.contract_change_models.ChangeKind"),
                         "before": contract_change, "after": contract_change},
    "contract.report_": {"from": enum_reading("projects.contract_models.ReportStatus")},
    "rectification.": {"from": enum_reading("evaluation.project_enums.TaskStatus")},
    "org.change_": {"from": enum_reading("orgs.enums.ChangeStatus"), "to": enum_reading("orgs.enums.ChangeStatus")},
}


def prefix_reading(action: str, key: str) -> Callable | None:
    for prefix, readers in PREFIX_READINGS.items():
        if action.startswith(prefix) and key in readers:
            return readers[key]
    return None
