"""Building blocks for voucher tests: residents with valid ID numbers, providers with services, a running
programme with issued vouchers. All through the real services (so every row has its audit event)."""

import itertools
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from stdnum.cn import ric

from accounts.enums import Role
from accounts.resident_models import ResidentProfile
from accounts.residents import ResidentData, register_without_phone
from audit.models import AuditEvent
from core.db import db
from orgs.models import Organisation
from tests.factories import make_user
from tests.orgs.helpers import approved_org, category, community
from vouchers import catalogue, issuance, programmes, provider_guard
from vouchers.enums import ProgrammeStatus
from vouchers.models import Programme, VoucherService

_serial = itertools.count(1)
REGIONS = ("110105", "110101", "110102", "110106", "110108", "310101")


def id_number(birth: date = date(1950, 3, 1), n: int | None = None, region: str = "110105") -> str:
    """A valid 18-character resident ID number for the birth date (sequence n makes it unique)."""
    n = next(_serial) if n is None else n
    body = f"{region}{birth:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum wants a placeholder check digit


def resident(staff, *, birth: date = date(1950, 3, 1), community_name: str = "和平社区", tags=(),
             region: str | None = None) -> ResidentProfile:
    """A verified resident registered by community staff (no phone)."""
    n = next(_serial)
    region = region or REGIONS[n // 1000 % len(REGIONS)]
    data = ResidentData(real_name=f"居民{n}", id_number=id_number(birth, n, region),
                        community_id=community(community_name).id, tags=list(tags))
    return register_without_phone(data, actor=staff)


def provider(officer, *, categories=("elderly",), manager=None) -> tuple[Organisation, object]:
    manager = manager or make_user()
    org = approved_org(manager, officer, category_ids=[category(c).id for c in categories])
    return org, manager


def service(org, manager, *, category_code: str = "elderly", price_fen: int = 50_000, communities=()) -> VoucherService:
    data = catalogue.ServiceData(name=f"助餐服务{next(_serial)}", category_id=category(category_code).id,
                                 price_fen=price_fen, description="上门送餐",
                                 community_ids=[community(c).id for c in communities])
    return catalogue.create_service(org, data, actor=manager)


def programme_data(**overrides) -> programmes.ProgrammeData:
    defaults = dict(name="高龄老人助餐服务券", budget_fen=10_000_000, face_value_fen=5000, vouchers_per_period=4,
                    category_ids=[category("elderly").id], validity_days=60)
    defaults.update(overrides)
    return programmes.ProgrammeData(**defaults)


def running_programme(officer, **overrides) -> Programme:
    """A started programme. A programme starts only once a provider may redeem its vouchers: when none may yet, an
    open programme gets one (an approved organisation offering a service in its first category; a contracted
    programme's caller gives its contract holder a service first)."""
    programme = programmes.create_programme(programme_data(**overrides), actor=officer)
    if not provider_guard.has_allowed_provider(programme) and not programmes.is_contracted(programme):
        code = programme.categories[0].code
        org, manager = provider(officer, categories=(code,))
        service(org, manager, category_code=code)
    programmes.transition_programme(programme, ProgrammeStatus.ACTIVE, actor=officer)
    return programme


@dataclass
class World:
    officer: object
    staff: object
    manager: object
    org: Organisation
    service: VoucherService
    programme: Programme
    resident: ResidentProfile


def world(**programme_overrides) -> World:
    """An officer, community staff, one provider with one service, a running programme and one resident holding
    this month's vouchers (4 × 50 元 by default)."""
    officer, staff = make_user(Role.OFFICER), make_user(Role.COMMUNITY_STAFF)
    org, manager = provider(officer)
    svc = service(org, manager)
    programme = running_programme(officer, **programme_overrides)
    person = resident(staff)
    issuance.issue_to_resident(programme, person, actor=officer)
    return World(officer, staff, manager, org, svc, programme, person)


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))
