"""Indicator templates: the criteria tree, its validation (maxima add up to 100), frozen copies for calls."""

from flask_babel import gettext as _
from sqlalchemy import select

from audit import services as audit
from core.db import db
from core.errors import Conflict, ServiceError, invalid
from core.numbers import NumberError, parse_whole
from projects import calls
from projects.models import Call

from .enums import TemplatePurpose
from .models import Indicator, IndicatorTemplate
from .project_enums import EvidenceKey

TOTAL = 100
NAME_MAX, TITLE_MAX = 120, 200  # the columns' widths (IndicatorTemplate.name, Indicator.title)
DEFAULT_PROPOSAL_NAME = "申报书评审通用标准"
DEFAULT_PROJECT_NAME = "项目评估通用标准"  # mid-term and final project evaluations
EVIDENCE_KEYS = {k.value for k in EvidenceKey}

# The seeded default for proposal review (section, [(criterion, max, guidance)])
DEFAULT_PROPOSAL_REVIEW = [
    ("需求分析", [("需求调研充分、数据可靠", 8, "是否开展入户走访、问卷等调研，数据来源清楚。"),
                ("服务对象界定清晰", 7, "服务对象的数量、特征和需求是否明确。")]),
    ("项目设计", [("目标明确、可衡量", 8, "目标是否具体，产出与成效指标是否可量化。"),
                ("服务内容与方法科学", 10, "服务内容是否回应需求，方法是否专业。"),
                ("进度安排合理", 7, "工作计划是否按月分解、可执行。")]),
    ("组织能力", [("团队专业资质", 10, "持证社工数量与岗位匹配程度。"),
                ("过往项目经验", 10, "同类项目经验及成效。")]),
    ("预算合理性", [("预算编制规范", 10, "预算明细完整，单价有依据。"),
                  ("成本结构合理", 10, "人员费、管理费比例符合要求，性价比高。")]),
    ("可持续性与创新", [("可持续性", 5, "项目结束后服务能否延续，是否培育社区力量。"),
                     ("创新性", 5, "服务模式或方法是否有创新。")]),
    ("以往绩效", [("以往评估结果", 10, "近年第三方评估等级、居民满意度。")]),
]

# The seeded default for project evaluation (mid-term and final); the fourth item names the measured figure
# shown beside the criterion in the evaluator's workspace.
DEFAULT_PROJECT_EVALUATION = [
    ("项目管理", [("管理制度健全", 7, "项目管理、财务、档案、安全等制度是否建立并执行。"),
                ("人员配备到位", 7, "项目团队是否按合同配备，持证社工是否在岗，人员变动是否报备。"),
                ("档案记录完整", 6, "服务记录、活动签到、影像资料是否完整、可追溯；里程碑报告是否按时通过。",
                 "milestones_on_time")]),
    ("财务管理", [("资金使用合规", 10, "支出是否有合规票据，是否按预算科目列支，劳务费签收是否经本人确认。",
                 "fee_receipts"),
                ("预算执行情况", 10, "预算执行率是否合理，科目调整是否经批准。", "budget_execution")]),
    ("项目产出", [("产出指标完成率", 25, "对照合同约定的产出指标逐项核查完成数量与质量。", "output_completion")]),
    ("项目成效", [("目标达成情况", 10, "服务对象的改变、问题的缓解程度，有无前后测等证据。"),
                ("社会影响与可持续性", 10, "社区参与、资源链接、经验推广及项目结束后的延续。")]),
    ("居民满意度", [("服务对象满意度", 15, "依据居民满意度问卷结果，结合访谈核实。", "satisfaction")]),
]


def validate(name: str, sections: list[tuple[str, list[tuple[str, int, str]]]], purpose: str = "") -> str:
    """The name (stripped) if the sections are valid: titles everywhere, maxima above zero adding up to 100; and the
    purpose one of TemplatePurpose."""
    name = (name or "").strip()
    errors = {}
    if purpose not in {p.value for p in TemplatePurpose}:
        errors["purpose"] = _("Choose what the template scores: proposals or finished projects.")
    if not name:
        errors["name"] = _("Required.")
    elif len(name) > NAME_MAX:
        errors["name"] = _("At most %(n)d characters.", n=NAME_MAX)
    criteria = [c for _title, items in sections for c in items]
    if not sections or any(not title.strip() or not items for title, items in sections):
        errors["sections"] = _("Give every section a title and at least one criterion.")
    elif any(not c[0].strip() or not isinstance(c[1], int) or c[1] <= 0 for c in criteria):
        errors["sections"] = _("Every criterion needs a title and a maximum above zero.")
    elif any(len(title.strip()) > TITLE_MAX for title in [*(t for t, _items in sections), *(c[0] for c in criteria)]):
        errors["sections"] = _("Section and criterion titles have at most %(n)d characters.", n=TITLE_MAX)
    elif sum(c[1] for c in criteria) != TOTAL:
        errors["sections"] = _("The maxima add up to %(n)d; they must add up to 100.", n=sum(c[1] for c in criteria))
    if errors:
        raise invalid(errors)
    return name


def build(name: str, sections: list[tuple[str, list[tuple[str, int, str]]]], *, actor, purpose: str,
          description: str = "") -> IndicatorTemplate:
    """Create a template from sections of (criterion, max points, guidance); the maxima must add up to 100. The
    purpose (TemplatePurpose) decides which chooser offers it: a call's review rules or a commissioned evaluation."""
    name = validate(name, sections, purpose)
    template = IndicatorTemplate(name=name, description=(description or "").strip(), purpose=purpose,
                                 created_by_id=getattr(actor, "id", None))
    db.session.add(template)
    db.session.flush()
    _add_indicators(template, sections)
    audit.record("template.created", template, actor=actor,
                 data={"name": name, "purpose": purpose, "criteria": len(template.criteria)})
    return template


def _add_indicators(template: IndicatorTemplate, sections) -> None:
    position = 0
    for section_title, items in sections:
        section = Indicator(template=template, position=position, title=section_title.strip())
        db.session.add(section)
        db.session.flush()
        for title, max_points, guidance, *evidence in items:
            position += 1
            db.session.add(Indicator(template=template, parent_id=section.id, position=position,
                                     title=title.strip(), max_points=max_points, guidance=(guidance or "").strip(),
                                     evidence_key=(evidence or [None])[0] or None))
        position += 1
    db.session.flush()


def as_sections(template: IndicatorTemplate) -> list[tuple[str, list[tuple[str, int, str]]]]:
    by_parent: dict[int, list[Indicator]] = {}
    for indicator in template.indicators:
        if indicator.parent_id is not None:
            by_parent.setdefault(indicator.parent_id, []).append(indicator)
    return [(s.title, [(c.title, c.max_points, c.guidance, c.evidence_key) for c in by_parent.get(s.id, [])])
            for s in template.sections]


def frozen_copy(template: IndicatorTemplate, *, actor) -> IndicatorTemplate:
    """A call scores against a copy nobody can edit, so later edits never change a running review."""
    copy = build(template.name, as_sections(template), actor=actor, purpose=template.purpose,
                 description=template.description)
    copy.frozen, copy.source_id = True, template.id
    db.session.flush()
    return copy


def parse_outline(text: str) -> list[tuple[str, list[tuple[str, int, str]]]]:
    """The editor's plain-text outline: a section per line; criteria as '- title | max | guidance'."""
    sections: list[tuple[str, list]] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith(("-", "－")):
            if not sections:
                raise ServiceError(_("Line %(n)d: a criterion needs a section above it.", n=number),
                                   fields={"outline": _("Line %(n)d: a criterion needs a section above it.",
                                                        n=number)})
            parts = [p.strip() for p in line[1:].split("|")]
            try:
                max_points = parse_whole(parts[1])  # as typed ('１０'); int() also took '1_0'
            except (IndexError, NumberError) as exc:
                message = _("Line %(n)d: write '- criterion | maximum points | guidance'.", n=number)
                raise ServiceError(message, fields={"outline": message}) from exc
            evidence = parts[3] if len(parts) > 3 and parts[3] in EVIDENCE_KEYS else None
            sections[-1][1].append((parts[0], max_points, parts[2] if len(parts) > 2 else "", evidence))
        else:
            sections.append((line, []))
    return sections


def outline_of(template: IndicatorTemplate) -> str:
    lines = []
    for section, criteria in as_sections(template):
        lines.append(section)
        lines += [f"- {title} | {points} | {guidance}" + (f" | {evidence}" if evidence else "")
                  for title, points, guidance, evidence in criteria]
    return "\n".join(lines)


def update(template: IndicatorTemplate, name: str, sections, *, actor, purpose: str | None = None,
           description: str = "") -> None:
    """Replace a template's criteria (and its purpose, if given). Reviews already running keep their frozen copies
    (and their purpose), so they never change."""
    if template.frozen:
        raise Conflict(_("This is a frozen copy used by a review; it cannot be changed."))
    purpose = template.purpose if purpose is None else purpose
    template.name = validate(name, sections, purpose)  # validates before anything changes
    template.description = (description or "").strip()
    template.purpose = purpose
    # Criteria before their sections: a section's row deletion would cascade to criteria the session still holds
    for is_section in (False, True):
        for indicator in [i for i in template.indicators if (i.parent_id is None) is is_section]:
            db.session.delete(indicator)
        db.session.flush()
    db.session.expire(template, ["indicators"])
    _add_indicators(template, sections)
    audit.record("template.updated", template, actor=actor, data={"name": template.name, "purpose": purpose,
                                                                  "criteria": len(template.criteria)})


# --- the templates calls use --------------------------------------------------------------------

def editable(purpose: str | None = None, *, newest_first: bool = False) -> list[IndicatorTemplate]:
    """The templates officers edit and choose from (not the frozen copies); with a purpose, only those for it."""
    query = select(IndicatorTemplate).where(IndicatorTemplate.frozen.is_(False))
    if purpose is not None:
        query = query.where(IndicatorTemplate.purpose == purpose)
    order = IndicatorTemplate.id.desc() if newest_first else IndicatorTemplate.id
    return list(db.session.scalars(query.order_by(order)))


def default_outline(purpose: str) -> str:
    """The new-template form's starting outline: the platform's default for that purpose."""
    sections = DEFAULT_PROJECT_EVALUATION if purpose == TemplatePurpose.PROJECT_EVALUATION else DEFAULT_PROPOSAL_REVIEW
    return "\n".join(line for section, criteria in sections
                     for line in [section, *[f"- {t} | {m} | {g}" + (f" | {e[0]}" if e else "")
                                             for t, m, g, *e in criteria]])


# The platform's defaults, created when an officer asks (the templates page offers each one missing) or, for
# proposal review, when a call without a template of its own is reviewed: which -> (name, sections, description,
# purpose).
DEFAULTS = {
    "proposal": (DEFAULT_PROPOSAL_NAME, DEFAULT_PROPOSAL_REVIEW, "政府购买服务项目申报书评审的默认指标体系。",
                 TemplatePurpose.PROPOSAL_REVIEW.value),
    "project": (DEFAULT_PROJECT_NAME, DEFAULT_PROJECT_EVALUATION, "政府购买服务项目中期、终期评估的默认指标体系。",
                TemplatePurpose.PROJECT_EVALUATION.value),
}


def existing_default(which: str) -> IndicatorTemplate | None:
    """The default `which` if it was created (looking changes nothing: the templates page shows its absence and
    offers to create it)."""
    name, _sections, _description, purpose = DEFAULTS[which]
    return db.session.scalar(select(IndicatorTemplate).where(IndicatorTemplate.frozen.is_(False),
                                                             IndicatorTemplate.name == name,
                                                             IndicatorTemplate.purpose == purpose)
                             .order_by(IndicatorTemplate.id).limit(1))


def missing_defaults() -> list[str]:
    return [which for which in DEFAULTS if existing_default(which) is None]


def default_template(which: str, *, actor=None) -> IndicatorTemplate:
    """The default `which`, created the first time it is needed (a production database never runs `flask demo`)."""
    name, sections, description, purpose = DEFAULTS[which]
    return existing_default(which) or build(name, sections, actor=actor, purpose=purpose, description=description)


def existing_proposal_default() -> IndicatorTemplate | None:
    return existing_default("proposal")


def proposal_default(*, actor=None) -> IndicatorTemplate:
    """The default for proposal review: when an officer asks for it, or when a call without a template of its own
    is reviewed."""
    return default_template("proposal", actor=actor)


def call_template(call: Call, *, actor) -> IndicatorTemplate:
    """The frozen template a call is reviewed against: fixed at publication (calls published before the rules
    were stated in advance get the default when their panel is drawn)."""
    template = db.session.get(IndicatorTemplate, call.template_id) if call.template_id else None
    if template is None or not template.frozen:
        template = frozen_copy(template or proposal_default(actor=actor), actor=actor)
        call.template_id = template.id
        db.session.flush()
        audit.record("call.review_rules_fixed", call, actor=actor,
                     data={"template_id": template.id, "source_id": template.source_id, "blind": call.blind,
                           "aggregation": call.aggregation})
    return template


def describe(template_id: int) -> tuple[str, list] | None:
    template = db.session.get(IndicatorTemplate, template_id)
    if template is None:
        return None
    return template.name, [(section, [(c[0], c[1]) for c in criteria]) for section, criteria in as_sections(template)]


# A call chooses among proposal-review templates only (its form's list, and the check of an id sent anyway)
calls.review_rules.template_choices = lambda: [(t.id, t.name) for t in editable(TemplatePurpose.PROPOSAL_REVIEW)]
calls.review_rules.fix_template = lambda call, actor: call_template(call, actor=actor)
calls.review_rules.describe = describe
