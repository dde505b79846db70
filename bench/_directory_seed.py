"""Bulk-load a directory's worth of organisations into a migrated Gongzhi SQLite database, fast.

Raw sqlite3 `executemany` in one transaction: about 100,000 organisations with their categories, communities and
grades in a few seconds. Names are 区 + 前缀 + 后缀 + （序号）, e.g. 朝阳区幸福社会工作服务中心（12）; `name_initials`
is computed with the app's own `orgs.validation.name_initials` once per distinct stem, and checked on a sample.

    from _directory_seed import seed
    summary = seed(Path("dir.db"), 100_000)
"""

import random
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from stdnum.cn import uscc as uscc_std

from orgs.enums import PUBLIC_STATUSES, OrgKind
from orgs.validation import name_initials

AREAS = ("东城区", "西城区", "朝阳区", "海淀区", "丰台区", "石景山区", "通州区", "顺义区")
PREFIXES = ("幸福", "阳光", "和平", "光明", "安康", "春晖", "同心", "暖心", "乐龄", "康乐", "绿色", "爱心", "启明",
            "晨曦", "博爱", "和谐", "长青", "童心", "邻里", "益众", "善德", "聚力", "向日葵", "金色年华", "幸福家园")
SUFFIXES = {
    OrgKind.AGENCY: ("社会工作服务中心", "养老服务中心", "青少年发展中心", "助残服务社", "调解服务中心",
                     "社会工作事务所", "居家养老服务站", "心理健康服务中心"),
    OrgKind.ASSOCIATION: ("协会", "志愿者协会", "环保协会", "老年体育协会", "健康促进会", "文化交流协会"),
    OrgKind.FOUNDATION: ("基金会", "慈善基金会", "教育基金会", "公益基金会"),
    OrgKind.COMMUNITY: ("社区合唱团", "邻里互助队", "读书会", "巡逻队", "舞蹈队", "调解小组", "志愿服务队"),
    OrgKind.SOCIAL_ENTERPRISE: ("社会企业有限公司", "养老服务有限公司", "助残就业有限公司"),
}
KIND_WEIGHTS = {OrgKind.AGENCY: 35, OrgKind.ASSOCIATION: 20, OrgKind.FOUNDATION: 5, OrgKind.COMMUNITY: 30,
                OrgKind.SOCIAL_ENTERPRISE: 10}
# Mostly approved; the rest must never appear in the public directory (except suspended and deregistered).
STATUS_WEIGHTS = {"approved": 86, "suspended": 3, "deregistered": 2, "draft": 4, "submitted": 3, "returned": 1,
                  "rejected": 1}
PUBLIC = {s.value for s in PUBLIC_STATUSES}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "强", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞", "平", "刚")
GRADED_SHARE = 0.30

ORG_COLUMNS = ("id", "name", "name_initials", "kind", "status", "uscc", "filing_number", "legal_representative",
               "registration_authority", "registered_on", "address", "full_time_staff", "certified_social_workers",
               "volunteers", "contact_name", "contact_phone", "contact_email", "description", "status_reason",
               "created_by_id", "created_at", "submitted_at", "approved_at")
GRADE_COLUMNS = ("org_id", "grade", "awarded_on", "valid_until", "evidence_id", "recorded_by_id", "created_at")


@dataclass
class SeedSummary:
    inserted: int
    public: int
    graded: int
    statuses: dict[str, int] = field(default_factory=dict)
    kinds: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _timestamp(day: date, rng: random.Random) -> str:
    moment = datetime.combine(day, datetime.min.time()) + timedelta(seconds=rng.randrange(8 * 3600, 18 * 3600))
    return moment.strftime("%Y-%m-%d %H:%M:%S.000000")


def _uscc(kind: OrgKind, serial: int) -> str | None:
    if kind is OrgKind.COMMUNITY:
        return None  # filed, not registered: a filing number instead
    head = f"5{kind.uscc_kind_digit}" if kind.uscc_kind_digit else "91"
    body = f"{head}110105MJ{serial:07d}"  # the demo data uses area 110101, so these never collide with it
    return body + uscc_std.calc_check_digit(body)


def seed(path: Path, count: int, today: date | None = None, rng_seed: int = 2026) -> SeedSummary:
    """Insert `count` organisations (+ categories, communities, ~30% grades) into the database at `path`."""
    started = datetime.now()
    rng = random.Random(rng_seed)
    today = today or date.today()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=OFF")
        category_ids = [row[0] for row in conn.execute("SELECT id FROM service_categories WHERE active")]
        community_ids = [row[0] for row in conn.execute("SELECT id FROM communities")]
        if not category_ids or not community_ids:
            raise RuntimeError("run the migrations and `flask demo` first (no categories or communities)")
        first_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM organisations").fetchone()[0]

        stem_initials: dict[str, str] = {}
        stem_serial: dict[str, int] = {}
        filing_serial: dict[int, int] = {}
        kinds = list(KIND_WEIGHTS)
        kind_weights = list(KIND_WEIGHTS.values())
        statuses = list(STATUS_WEIGHTS)
        status_weights = list(STATUS_WEIGHTS.values())
        org_rows, category_rows, community_rows, grade_rows = [], [], [], []
        summary = SeedSummary(inserted=count, public=0, graded=0)
        samples: list[tuple[str, str]] = []
        for offset in range(count):
            org_id = first_id + offset
            kind = rng.choices(kinds, weights=kind_weights)[0]
            status = rng.choices(statuses, weights=status_weights)[0]
            stem = rng.choice(AREAS) + rng.choice(PREFIXES) + rng.choice(SUFFIXES[kind])
            if stem not in stem_initials:
                stem_initials[stem] = name_initials(stem)
            serial = stem_serial[stem] = stem_serial.get(stem, 0) + 1
            name = f"{stem}（{serial}）"
            initials = stem_initials[stem] + str(serial)  # the number is ASCII: name_initials keeps it as is
            if offset % 5000 == 0:
                samples.append((name, initials))
            registered_on = today - timedelta(days=rng.randrange(60, 20 * 365))
            created = registered_on - timedelta(days=rng.randrange(10, 60))
            public = status in PUBLIC
            filing = None
            if kind is OrgKind.COMMUNITY and public:
                year = registered_on.year
                filing_serial[year] = filing_serial.get(year, 100) + 1  # the demo numbers its filings from 1
                filing = f"SQBA{year}{filing_serial[year]:05d}"
            person = rng.choice(SURNAMES) + rng.choice(GIVEN)
            phone = f"13{rng.randrange(10**9):09d}"
            org_rows.append((
                org_id, name, initials, kind.value, status, _uscc(kind, org_id), filing, person,
                rng.choice(AREAS) + "民政局", registered_on.isoformat(),
                f"{rng.choice(AREAS)}{rng.choice(PREFIXES)}路{rng.randrange(1, 300)}号",
                rng.randrange(0, 40), rng.randrange(0, 10), rng.randrange(0, 500), person, phone,
                f"org{org_id}@example.org", f"{name}扎根社区，为居民提供专业服务。",
                "" if status not in {"returned", "rejected", "suspended", "deregistered"} else "材料不全",
                None, _timestamp(created, rng),
                None if status == "draft" else _timestamp(created + timedelta(days=3), rng),
                _timestamp(registered_on, rng) if public else None,
            ))
            for category_id in rng.sample(category_ids, rng.randint(1, 2)):
                category_rows.append((org_id, category_id))
            for community_id in rng.sample(community_ids, rng.randint(1, 2)):
                community_rows.append((org_id, community_id))
            if public and rng.random() < GRADED_SHARE / (sum(STATUS_WEIGHTS[s] for s in PUBLIC) / 100):
                awarded = today - timedelta(days=rng.randrange(0, 4 * 365))
                valid_until = awarded.replace(year=awarded.year + 5) if (awarded.month, awarded.day) != (2, 29) \
                    else date(awarded.year + 5, 3, 1)
                grade_rows.append((org_id, rng.randint(1, 5), awarded.isoformat(), valid_until.isoformat(), None,
                                   None, _timestamp(awarded, rng)))
            summary.statuses[status] = summary.statuses.get(status, 0) + 1
            summary.kinds[kind.value] = summary.kinds.get(kind.value, 0) + 1
            summary.public += public

        for name, initials in samples:
            if name_initials(name) != initials:
                raise RuntimeError(f"name_initials({name!r}) is {name_initials(name)!r}, not {initials!r}")

        conn.execute("BEGIN")
        try:
            marks = ", ".join("?" * len(ORG_COLUMNS))
            conn.executemany(f"INSERT INTO organisations ({', '.join(ORG_COLUMNS)}) VALUES ({marks})", org_rows)
            conn.executemany("INSERT INTO org_categories (org_id, category_id) VALUES (?, ?)", category_rows)
            conn.executemany("INSERT INTO org_communities (org_id, community_id) VALUES (?, ?)", community_rows)
            marks = ", ".join("?" * len(GRADE_COLUMNS))
            conn.executemany(f"INSERT INTO org_grades ({', '.join(GRADE_COLUMNS)}) VALUES ({marks})", grade_rows)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        summary.graded = len(grade_rows)
    finally:
        conn.close()
    summary.seconds = (datetime.now() - started).total_seconds()
    return summary
