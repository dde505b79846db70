"""Demo accounts for 幸福街道 (a street office) — idempotent: existing user names are left alone."""

from sqlalchemy import select

from core.db import db
from core.demo import register_demo

from . import services
from .enums import Role
from .models import User

DEMO_PASSWORD = "gongzhi-demo"

DEMO_USERS = [
    # username, display name, roles, phone
    ("admin", "系统管理员 陈静", [Role.ADMIN], None),
    ("officer", "王芳（幸福街道办 采购岗）", [Role.OFFICER], "13800000001"),
    ("officer2", "李建国（区民政局 社会组织科）", [Role.OFFICER], "13800000002"),
    ("auditor", "赵敏（区审计局 监督员）", [Role.AUDITOR], "13800000003"),
    ("expert1", "张伟（社会工作专家）", [Role.EVALUATOR], "13800000011"),
    ("expert2", "刘洋（财务审计专家）", [Role.EVALUATOR], "13800000012"),
    ("expert3", "孙丽（社会工作专家）", [Role.EVALUATOR], "13800000013"),
    ("expert4", "周强（服务对象代表）", [Role.EVALUATOR], "13800000014"),
    ("expert5", "吴霞（社区工作者代表）", [Role.EVALUATOR], "13800000015"),
    ("staff1", "郑红（和平社区居委会）", [Role.COMMUNITY_STAFF], "13800000021"),
    ("staff2", "冯刚（光明社区居委会）", [Role.COMMUNITY_STAFF], "13800000022"),
    ("resident1", "钱桂英", [Role.RESIDENT], "13900000001"),
    ("resident2", "孙德明", [Role.RESIDENT], "13900000002"),
    ("resident3", "李秀兰", [Role.RESIDENT], "13900000003"),
    ("resident4", "周建华", [Role.RESIDENT], "13900000004"),
    ("resident5", "吴玉梅", [Role.RESIDENT], "13900000005"),
]


@register_demo(10, "accounts")
def load() -> list[str]:
    existing = set(db.session.scalars(select(User.username)))
    created = 0
    for username, name, roles, phone in DEMO_USERS:
        if username not in existing:
            services.create_user(username, name, DEMO_PASSWORD, roles, actor=None, phone=phone)
            created += 1
    lines = [f"accounts: {created} demo users created ({len(DEMO_USERS) - created} already there)",
             f"demo logins (password for all: {DEMO_PASSWORD}):"]
    lines += [f"  {username:<10} {', '.join(r.value for r in roles)}" for username, _n, roles, _p in DEMO_USERS
              if username in {"admin", "officer", "auditor", "expert1", "staff1", "resident1"}]
    return lines
