"""With rate limits switched off (RATELIMIT_ENABLED=False, a load test), an administrator's password reset works:
lifting the login lockout reached for Flask-Limiter's storage, absent then, and every reset was a 500. In a fresh
process, as tests/core/test_config.py does: the limiter is one object, and switching it off here would switch it off
for the suite."""

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
from app import create_app
from accounts import services
from accounts.enums import Role
from core.db import db
app = create_app({{'TESTING': True, 'RATELIMIT_ENABLED': False, 'REDIS_URL': None, 'WTF_CSRF_ENABLED': False,
                  'SECRET_KEY': 'x', 'SQLALCHEMY_DATABASE_URI': '{db}'}})
with app.app_context():
    admin = services.create_user('admin-x', 'A', 'admin-pass-1', [Role.ADMIN], actor=None)
    user = services.create_user('user-x', 'U', 'user-pass-1', [Role.OFFICER], actor=None)
    db.session.commit()
    user_id = user.id
client = app.test_client()
client.post('/login', data={{'username': 'admin-x', 'password': 'admin-pass-1'}})
print(client.post(f'/admin/users/{{user_id}}/password', data={{'password': 'a-new-password-2'}}).status_code)
"""


def test_a_password_reset_works_with_rate_limits_switched_off(migrated_url, tmp_path):
    """On a migrated database of its own (migrated_url: the process does not run the migrations again)."""
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(db=migrated_url)],
                          cwd=Path(__file__).resolve().parents[2],
                          env={**os.environ, "GONGZHI_INSTANCE": str(tmp_path / "instance")},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "302"
