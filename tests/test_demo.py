from sqlalchemy import func, select

from accounts.models import User
from audit import services as audit
from core.db import db
from core.demo import load_all


def test_demo_data_loads_idempotently(session):
    lines = load_all()
    users = db.session.scalar(select(func.count(User.id)))
    head = audit.head()
    assert users >= 16 and any("gongzhi-demo" in line for line in lines)
    load_all()
    assert db.session.scalar(select(func.count(User.id))) == users
    assert audit.head() == head  # nothing written the second time
    officer = db.session.scalar(select(User).where(User.username == "officer"))
    assert officer.role_names == {"officer"} and "王芳" in officer.display_name
