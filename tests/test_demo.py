from sqlalchemy import func, select

from accounts.models import User
from audit import verification
from core.db import db
from core.demo import load_all


def test_demo_data_loads_idempotently(session, demo_data):
    """demo_data is the demo as the real loaders left it on an empty database, once per run (PDFs rendered);
    `lines` are what that first load printed."""
    lines = demo_data.lines
    users = db.session.scalar(select(func.count(User.id)))
    head = verification.head()
    assert users >= 16 and any("gongzhi-demo" in line for line in lines)
    load_all()
    assert db.session.scalar(select(func.count(User.id))) == users
    assert verification.head() == head  # nothing written the second time
    officer = db.session.scalar(select(User).where(User.username == "officer"))
    assert officer.role_names == {"officer"} and "王芳" in officer.display_name
