"""Indicator templates: the criteria tree, its validation (maxima add up to 100), frozen copies for calls."""

from flask_babel import gettext as _

from audit import services as audit
from core.db import db
from core.errors import Conflict, ServiceError

from .models import Indicator, IndicatorTemplate

TOTAL = 100

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


def build(name: str, sections: list[tuple[str, list[tuple[str, int, str]]]], *, actor,
          description: str = "") -> IndicatorTemplate:
    """Create a template from sections of (criterion, max points, guidance); the maxima must add up to 100."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Required.")
    criteria = [c for _title, items in sections for c in items]
    if not sections or not criteria or any(not title.strip() for title, _items in sections):
        errors["sections"] = _("Give every section a title and at least one criterion.")
    elif any(not c[0].strip() or not isinstance(c[1], int) or c[1] <= 0 for c in criteria):
        errors["sections"] = _("Every criterion needs a title and a maximum above zero.")
    elif sum(c[1] for c in criteria) != TOTAL:
        errors["sections"] = _("The maxima add up to %(n)d; they must add up to 100.", n=sum(c[1] for c in criteria))
    if errors:
        raise ServiceError(_("Please correct the marked fields."), fields=errors)
    template = IndicatorTemplate(name=name, description=(description or "").strip(),
                                 created_by_id=getattr(actor, "id", None))
    db.session.add(template)
    db.session.flush()
    position = 0
    for section_title, items in sections:
        section = Indicator(template=template, position=position, title=section_title.strip())
        db.session.add(section)
        db.session.flush()
        for title, max_points, guidance in items:
            position += 1
            db.session.add(Indicator(template=template, parent_id=section.id, position=position,
                                     title=title.strip(), max_points=max_points, guidance=(guidance or "").strip()))
        position += 1
    db.session.flush()
    audit.record("template.created", template, actor=actor, data={"name": name, "criteria": len(criteria)})
    return template


def as_sections(template: IndicatorTemplate) -> list[tuple[str, list[tuple[str, int, str]]]]:
    by_parent: dict[int, list[Indicator]] = {}
    for indicator in template.indicators:
        if indicator.parent_id is not None:
            by_parent.setdefault(indicator.parent_id, []).append(indicator)
    return [(s.title, [(c.title, c.max_points, c.guidance) for c in by_parent.get(s.id, [])])
            for s in template.sections]


def frozen_copy(template: IndicatorTemplate, *, actor) -> IndicatorTemplate:
    """A call scores against a copy nobody can edit, so later edits never change a running review."""
    copy = build(template.name, as_sections(template), actor=actor, description=template.description)
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
                max_points = int(parts[1])
            except (IndexError, ValueError) as exc:
                message = _("Line %(n)d: write '- criterion | maximum points | guidance'.", n=number)
                raise ServiceError(message, fields={"outline": message}) from exc
            sections[-1][1].append((parts[0], max_points, parts[2] if len(parts) > 2 else ""))
        else:
            sections.append((line, []))
    return sections


def outline_of(template: IndicatorTemplate) -> str:
    lines = []
    for section, criteria in as_sections(template):
        lines.append(section)
        lines += [f"- {title} | {points} | {guidance}" for title, points, guidance in criteria]
    return "\n".join(lines)


def update(template: IndicatorTemplate, name: str, sections, *, actor, description: str = "") -> None:
    """Replace a template's criteria. Reviews already running keep their frozen copies, so they never change."""
    if template.frozen:
        raise Conflict(_("This is a frozen copy used by a review; it cannot be changed."))
    replacement = build(name, sections, actor=actor, description=description)  # validates first
    template.name, template.description = replacement.name, replacement.description
    template.indicators.clear()
    db.session.flush()
    for indicator in list(replacement.indicators):
        indicator.template = template
    db.session.delete(replacement)
    db.session.flush()
    audit.record("template.updated", template, actor=actor, data={"name": template.name,
                                                                  "criteria": len(template.criteria)})
