import io
from datetime import date

from sqlalchemy import select
from stdnum.cn import uscc as uscc_std

from accounts.models import Community
from core.db import db
from orgs import services
from orgs.enums import OrgKind, OrgStatus
from orgs.models import ServiceCategory
from orgs.validation import OrgData

PDF_BYTES = b"%PDF-1.4\n%test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_uscc(kind_digit: str = "2", n: int = 1, head: str = "5") -> str:
    body = f"{head}{kind_digit}110101MJ{n:07d}"
    return body + uscc_std.calc_check_digit(body)


def community(name="和平社区"):
    found = db.session.scalar(select(Community).where(Community.name == name))
    if found is None:
        found = Community(name=name, street="幸福街道", district="东城区")
        db.session.add(found)
        db.session.flush()
    return found


def category(code="elderly"):
    return db.session.scalar(select(ServiceCategory).where(ServiceCategory.code == code))


_n = iter(range(1, 10_000))


def org_data(**overrides) -> OrgData:
    n = next(_n)
    kind_value = overrides.get("kind", OrgKind.AGENCY.value)
    kind = OrgKind(kind_value) if kind_value in OrgKind._value2member_map_ else OrgKind.AGENCY
    code = make_uscc(kind.uscc_kind_digit, n) if kind.uscc_kind_digit else make_uscc("1", n, head="9")
    defaults = dict(name=f"幸福家园社会工作服务中心{n}", kind=kind_value,
                    uscc="" if kind is OrgKind.COMMUNITY else code,
                    legal_representative="李明", registration_authority="东城区民政局",
                    registered_on=date(2020, 5, 1), address="东城区幸福大街1号", full_time_staff=8,
                    certified_social_workers=3, volunteers=40, contact_name="李明", contact_phone="13800001234",
                    category_ids=[category().id], community_ids=[community().id])
    defaults.update(overrides)
    return OrgData(**defaults)


class Upload:
    def __init__(self, data: bytes = PDF_BYTES, filename: str = "证书.pdf"):
        self.filename, self._io = filename, io.BytesIO(data)

    def read(self, n=-1):
        return self._io.read(n)


def submitted_org(applicant, **overrides):
    org = services.create_application(org_data(**overrides), actor=applicant)
    for kind in ("certificate", "charter", "annual_report"):
        services.add_document(org, kind, Upload(), actor=applicant)
    services.transition_org(org, OrgStatus.SUBMITTED, actor=applicant)
    return org


def approved_org(applicant, officer, **overrides):
    org = submitted_org(applicant, **overrides)
    services.transition_org(org, OrgStatus.APPROVED, actor=officer)
    return org
