"""Demo registry for 幸福街道: about 30 organisations of every kind and state, idempotent by name."""

import io
from datetime import date, timedelta

from sqlalchemy import select
from stdnum.cn import uscc as uscc_std

from accounts import services as accounts
from accounts.models import Community, User
from core.db import db
from core.demo import register_demo
from core.timeutil import local_today

from . import services, standing
from .enums import OrgKind, OrgStatus
from .models import Organisation, ServiceCategory
from .validation import OrgData

COMMUNITIES = [
    ("和平社区", "幸福街道", "东城区"), ("光明社区", "幸福街道", "东城区"), ("安康社区", "幸福街道", "东城区"),
    ("幸福里社区", "幸福街道", "东城区"), ("东风社区", "朝阳门街道", "东城区"), ("新华社区", "朝阳门街道", "东城区"),
]

# name, kind, categories, status, grade
ORGS = [
    ("幸福家园社会工作服务中心", OrgKind.AGENCY, ["elderly", "hardship"], "approved", 5),
    ("和平社区养老服务中心", OrgKind.AGENCY, ["elderly", "health"], "approved", 4),
    ("阳光青少年发展中心", OrgKind.AGENCY, ["children_youth", "education"], "approved", 4),
    ("东城区社会组织服务中心", OrgKind.AGENCY, ["volunteering", "education"], "approved", 5),
    ("暖心助残服务社", OrgKind.AGENCY, ["disability"], "approved", 3),
    ("邻里和调解服务中心", OrgKind.AGENCY, ["mediation"], "approved", 3),
    ("绿色家园环保协会", OrgKind.ASSOCIATION, ["environment"], "approved", 3),
    ("东城区志愿者协会", OrgKind.ASSOCIATION, ["volunteering"], "approved", 4),
    ("东城区老年体育协会", OrgKind.ASSOCIATION, ["culture_sports", "elderly"], "approved", 2),
    ("安康健康促进会", OrgKind.ASSOCIATION, ["health"], "approved", None),
    ("同心慈善基金会", OrgKind.FOUNDATION, ["hardship", "children_youth"], "approved", 4),
    ("春晖教育基金会", OrgKind.FOUNDATION, ["education"], "approved", None),
    ("乐龄社会企业有限公司", OrgKind.SOCIAL_ENTERPRISE, ["elderly"], "approved", None),
    ("和平社区合唱团", OrgKind.COMMUNITY, ["culture_sports"], "approved", None),
    ("光明社区邻里互助队", OrgKind.COMMUNITY, ["volunteering", "elderly"], "approved", None),
    ("安康社区读书会", OrgKind.COMMUNITY, ["education", "culture_sports"], "approved", None),
    ("幸福里社区巡逻队", OrgKind.COMMUNITY, ["safety"], "approved", None),
    ("东风社区垃圾分类督导队", OrgKind.COMMUNITY, ["environment"], "approved", None),
    ("新华社区调解小组", OrgKind.COMMUNITY, ["mediation"], "approved", None),
    ("益心社会工作事务所", OrgKind.AGENCY, ["hardship", "mediation"], "suspended", 2),
    ("康乐居家养老服务站", OrgKind.AGENCY, ["elderly"], "approved", 3),
    ("童心儿童服务中心", OrgKind.AGENCY, ["children_youth"], "approved", None),
    ("晨曦心理健康服务中心", OrgKind.AGENCY, ["health"], "submitted", None),
    ("博爱残疾人康复服务中心", OrgKind.AGENCY, ["disability", "health"], "submitted", None),
    ("和谐社区发展协会", OrgKind.ASSOCIATION, ["volunteering"], "returned", None),
    ("幸福里社区舞蹈队", OrgKind.COMMUNITY, ["culture_sports"], "submitted", None),
    ("明德教育服务中心", OrgKind.AGENCY, ["education"], "draft", None),
    ("启航就业援助中心", OrgKind.AGENCY, ["hardship"], "rejected", None),
    ("平安社区安全服务社", OrgKind.AGENCY, ["safety"], "deregistered", None),
    ("长青老年大学服务中心", OrgKind.AGENCY, ["elderly", "education"], "approved", 4),
]

PEOPLE = ("张明", "李娜", "王磊", "刘芳", "陈刚", "杨静", "赵勇", "黄丽", "周涛", "吴敏", "徐强", "孙燕", "马军",
          "朱红", "胡斌", "郭霞", "何平", "高峰", "林琳", "罗杰", "郑爽", "梁宇", "谢婷", "宋伟", "唐悦", "许亮",
          "韩雪", "冯凯", "邓洁", "曹阳")

TINY_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _uscc(kind: OrgKind, n: int) -> str:
    head = {OrgKind.ASSOCIATION: "51", OrgKind.AGENCY: "52", OrgKind.FOUNDATION: "53"}.get(kind, "91")
    body = f"{head}110101MJ{n:07d}"
    return body + uscc_std.calc_check_digit(body)


class _Upload:
    """A file as a form would hand it over."""

    def __init__(self, name: str):
        self.filename, self._io = name, io.BytesIO(TINY_PDF)

    def read(self, n=-1):
        return self._io.read(n)


def _applicant(i: int) -> User:
    username = f"org{i:02d}"
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        user = accounts.create_user(username, PEOPLE[(i - 1) % len(PEOPLE)], "gongzhi-demo", [],
                                    phone=f"1370000{i:04d}")
    return user


@register_demo(20, "orgs")
def load() -> list[str]:
    communities = []
    for name, street, district in COMMUNITIES:
        community = db.session.scalar(select(Community).where(Community.name == name, Community.street == street))
        if community is None:
            community = Community(name=name, street=street, district=district)
            db.session.add(community)
        communities.append(community)
    db.session.flush()
    categories = {c.code: c for c in db.session.scalars(select(ServiceCategory))}
    officer = db.session.scalar(select(User).where(User.username == "officer"))
    existing = set(db.session.scalars(select(Organisation.name)))
    created = 0
    today = local_today()
    for i, (name, kind, cats, status, grade) in enumerate(ORGS, start=1):
        if name in existing:
            continue
        created += 1
        owner = _applicant(i)
        data = OrgData(name=name, kind=kind.value, uscc="" if kind is OrgKind.COMMUNITY else _uscc(kind, i),
                       legal_representative=owner.display_name, registration_authority="东城区民政局",
                       registered_on=today - timedelta(days=365 * (2 + i % 9) + i), address=f"东城区幸福大街{i}号",
                       full_time_staff=3 + i % 12, certified_social_workers=i % 6, volunteers=10 + 7 * i,
                       contact_name=owner.display_name, contact_phone=f"1370000{i:04d}",
                       description=f"{name}扎根社区，为居民提供专业服务。",
                       category_ids=[categories[c].id for c in cats],
                       community_ids=[communities[i % len(communities)].id, communities[(i + 2) % 6].id])
        org = services.create_application(data, actor=owner)
        if status == "draft":
            continue
        for doc_kind in ("certificate", "charter", "annual_report"):
            services.add_document(org, doc_kind, _Upload(f"{doc_kind}.pdf"), actor=owner)
        services.transition_org(org, OrgStatus.SUBMITTED, actor=owner)
        if status == "submitted":
            continue
        if status == "returned":
            services.transition_org(org, OrgStatus.RETURNED, actor=officer,
                                    reason="章程缺少理事会成员名单，请补充后重新提交。")
            continue
        if status == "rejected":
            services.transition_org(org, OrgStatus.REJECTED, actor=officer, reason="业务范围与登记机关核准范围不符。")
            continue
        services.transition_org(org, OrgStatus.APPROVED, actor=officer)
        if grade:
            # awarded after the registration (a grade cannot predate it), within the last three years
            standing.record_grade(org, grade, max(date(today.year - 1 - i % 3, 6, 1), data.registered_on),
                                  actor=officer)
        # The demo's proposals were submitted up to eight months ago, early in the year before the last New Year:
        # each needs the report for the year before its submission (the demo failed to load from 1 January until
        # August). Every demo organisation was registered at least two years ago, so it has both to file.
        for year in (today.year - 2, today.year - 1):
            report = standing.submit_annual_report(org, year, _Upload("年报.pdf"), actor=owner)
            standing.review_annual_report(report, True, "", actor=officer)
        if status == "suspended":
            services.transition_org(org, OrgStatus.SUSPENDED, actor=officer, reason="未按期整改财务问题。")
            standing.add_credit_entry(org, "abnormal", "未按规定接受年度检查", "东民社〔2026〕12号",
                                      date(today.year, 3, 1), None, actor=officer)
        if status == "deregistered":
            services.transition_org(org, OrgStatus.DEREGISTERED, actor=officer, reason="组织自行申请注销。")
    db.session.flush()
    if created:
        hub = db.session.scalar(select(Organisation).where(Organisation.name == "东城区社会组织服务中心"))
        standing.designate_hub(hub, True, actor=officer)
        for child_name in ("和平社区合唱团", "光明社区邻里互助队", "安康社区读书会"):
            child = db.session.scalar(select(Organisation).where(Organisation.name == child_name))
            standing.link_incubation(hub, child, date(today.year - 1, 3, 1), actor=officer)
    return [f"orgs: {created} demo organisations created ({len(ORGS) - created} already there); "
            f"applicants log in as org01…org{len(ORGS):02d}"]
