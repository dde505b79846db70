"""Demo: a voucher programme for residents aged 70+ in 和平社区 and 光明社区 — residents (some without phones),
three providers with services, last month's issuance and redemptions with ratings, an open dispute, a paid
settlement, and this month's issuance. Idempotent by the programme's name."""

from datetime import date, timedelta

from sqlalchemy import select
from stdnum.cn import ric

from accounts import residents
from accounts import services as accounts
from accounts.models import Community, User
from accounts.resident_models import ResidentStatus
from core.db import db, utcnow
from core.demo import register_demo
from orgs.enums import MemberRole
from orgs.models import Membership, Organisation, ServiceCategory

from . import catalogue, disputes, issuance, programmes, redemption, settlement
from .enums import ProgrammeStatus, SettlementStatus
from .models import Programme

PROGRAMME_NAME = "幸福街道高龄老人居家服务券（试点）"

# username (None: no phone, registered by staff), real name, birth date, community, tags
RESIDENTS = [
    ("resident1", "钱桂英", date(1946, 4, 12), "和平社区", ["living_alone"]),
    ("resident2", "孙德明", date(1942, 9, 3), "和平社区", ["low_income"]),
    ("resident3", "李秀兰", date(1951, 1, 20), "光明社区", []),
    ("resident4", "周建华", date(1938, 11, 8), "光明社区", ["disability"]),
    ("resident5", "吴玉梅", date(1960, 6, 30), "和平社区", []),  # under 70: not eligible
    (None, "赵长青", date(1940, 2, 14), "和平社区", ["living_alone", "low_income"]),
    (None, "陈淑芬", date(1944, 7, 7), "和平社区", ["extreme_poverty"]),
    (None, "马福来", date(1936, 12, 1), "光明社区", ["living_alone"]),
    (None, "黄玉珍", date(1949, 3, 18), "光明社区", []),
    (None, "刘振华", date(1945, 10, 25), "安康社区", []),  # other community: not eligible
]

# provider name -> [(service name, category code, price fen, description)]
SERVICES = {
    "和平社区养老服务中心": [("助餐（每月20餐）", "elderly", 30000, "社区食堂午餐，行动不便者可送餐上门"),
                    ("上门助浴", "elderly", 8000, "两名护理员上门，含防滑用品"),
                    ("康复理疗", "health", 6000, "中医推拿或康复训练一次，45分钟")],
    "康乐居家养老服务站": [("上门保洁", "elderly", 5000, "2小时居家清洁"),
                   ("陪同就医", "elderly", 10000, "半天陪诊，含挂号取药协助")],
    "乐龄社会企业有限公司": [("上门理发", "elderly", 2000, "理发、修面"),
                    ("健康监测", "health", 3000, "血压血糖测量并建档")],
}
# How residents reach each provider's services: (booking phone, where, when).
SERVICE_CONTACT = {
    "和平社区养老服务中心": ("021-62345678", "和平社区睦邻中心一楼（和平路88号）", "每天 8:00–18:00"),
    "康乐居家养老服务站": ("400-820-8820", "上门服务", "工作日 9:00–17:00，提前一天预约"),
    "乐龄社会企业有限公司": ("13700005678", "上门服务", "周二、周四全天"),
}


def _id_number(birth: date, n: int) -> str:
    body = f"110101{birth:%Y%m%d}{n:03d}"
    return body + ric.calc_check_digit(body + "0")


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _residents(staff: dict[str, User]) -> list:
    communities = {c.name: c for c in db.session.scalars(select(Community))}
    profiles = []
    for n, (username, name, birth, community, tags) in enumerate(RESIDENTS, start=1):
        data = residents.ResidentData(real_name=name, id_number=_id_number(birth, n),
                                      community_id=communities[community].id, tags=tags,
                                      address=f"{community}{n}号楼{n}单元")
        verifier = staff[community]
        existing = residents.find_by_id_number(data.id_number)
        if existing is not None:
            profiles.append(existing)
        elif username is None:
            profiles.append(residents.register_without_phone(data, actor=verifier))
        else:
            user = _user(username)
            profile = residents.submit_profile(user, data, actor=user)
            residents.set_tags(profile, tags, actor=verifier)
            residents.transition_resident(profile, ResidentStatus.VERIFIED, actor=verifier, card_number=data.id_number)
            profiles.append(profile)
    return profiles


def _providers(officer: User) -> list[tuple[Organisation, User, list]]:
    categories = {c.code: c for c in db.session.scalars(select(ServiceCategory))}
    found = []
    for org_name, offers in SERVICES.items():
        org = db.session.scalar(select(Organisation).where(Organisation.name == org_name))
        manager = db.session.scalar(select(User).join(Membership, Membership.user_id == User.id).where(
            Membership.org_id == org.id, Membership.role == MemberRole.MANAGER.value))
        services = catalogue.services_of(org) or [
            catalogue.create_service(org, catalogue.ServiceData(
                name=name, category_id=categories[code].id, price_fen=price, description=text,
                **dict(zip(("booking_phone", "location", "hours"), SERVICE_CONTACT[org_name], strict=True))),
                actor=manager)
            for name, code, price, text in offers]
        found.append((org, manager, services))
    return found


def _programme(officer: User) -> Programme:
    communities = db.session.scalars(select(Community).where(Community.name.in_(["和平社区", "光明社区"])))
    categories = db.session.scalars(select(ServiceCategory).where(ServiceCategory.code.in_(["elderly", "health"])))
    data = programmes.ProgrammeData(
        name=PROGRAMME_NAME, description="面向辖区70周岁以上老人，每月4张50元服务券，可在签约服务机构任选服务。",
        budget_fen=50_000_000, face_value_fen=5000, vouchers_per_period=4, category_ids=[c.id for c in categories],
        community_ids=[c.id for c in communities], min_age=70, validity_days=60, resident_cap_fen=20_000)
    programme = programmes.create_programme(data, actor=officer)
    programmes.transition_programme(programme, ProgrammeStatus.ACTIVE, actor=officer)
    return programme


def _issue(programme: Programme, officer: User, period: str, now) -> None:
    batch = issuance.start_batch(programme, actor=officer, period=period, now=now)
    while not issuance.run_chunk(batch, now=now):
        pass


def _month_of_redemptions(programme, profiles, providers, staff, start) -> list:
    done = []
    eligible = [p for p in profiles if programmes.is_eligible(programme, p, start.date())]
    for day in range(1, 21, 3):
        for k, person in enumerate(eligible):
            if (day + k) % 2:
                continue
            org, manager, services = providers[(day + k) % len(providers)]
            service = services[(day // 3 + k) % len(services)]
            at = start + timedelta(days=day, hours=9, minutes=50 * k)  # (start is local midnight) from 9:00
            actor = person.user if person.has_phone else staff[person.community.name]
            code = redemption.issue_code(person, actor=actor, now=at)[0]
            amount = min(service.price_fen, 5000)
            result = redemption.redeem(code, service, amount, f"demo-{person.id}-{day}", actor=manager, now=at)
            done.append((result.redemption, person, actor))
    return done


@register_demo(80, "vouchers")
def load() -> list[str]:
    if db.session.scalar(select(Programme.id).where(Programme.name == PROGRAMME_NAME)):
        return ["vouchers: demo programme already there"]
    officer = _user("officer")
    staff = {"和平社区": _user("staff1"), "光明社区": _user("staff2"), "安康社区": _user("staff1")}
    communities = {c.name: c.id for c in db.session.scalars(select(Community))}
    for user in {u.id: u for u in staff.values()}.values():  # each looks after their own communities
        accounts.set_communities(user, [communities[name] for name, u in staff.items() if u is user], actor=None)
    profiles = _residents(staff)
    providers = _providers(officer)
    programme = _programme(officer)
    last_month_start = programmes.period_bounds(programmes.period_of())[0] - timedelta(days=1)
    last_period = programmes.period_of(last_month_start)
    start = programmes.period_bounds(last_period)[0]
    _issue(programme, officer, last_period, start + timedelta(hours=9))
    done = _month_of_redemptions(programme, profiles, providers, staff, start)
    for made, _person, actor in done[:8]:
        catalogue.rate(made, 5 if made.id % 3 else 4, "服务周到，很满意" if made.id % 2 else "", actor=actor)
    disputed, _person, actor = done[-1]
    disputes.raise_dispute(disputed, "当天服务人员没有上门", actor=actor, now=disputed.created_at + timedelta(days=1))
    first_org = providers[0][0]
    statement = settlement.prepare_settlement(programme, first_org, last_period, actor=officer)
    settlement.transition_settlement(statement, SettlementStatus.APPROVED, actor=officer)
    settlement.transition_settlement(statement, SettlementStatus.PAID, actor=officer,
                                     payment_reference=f"东财支〔{utcnow():%Y}〕{statement.id:04d}号")
    _issue(programme, officer, programmes.period_of(), utcnow())
    return [f"vouchers: programme “{PROGRAMME_NAME}” with {len(profiles)} residents, {len(providers)} providers, "
            f"{len(done)} redemptions last month, 1 open dispute, 1 paid settlement"]
