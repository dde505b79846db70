"""Every action the code records has a label, so the audit log never shows a bare code."""

import re
from pathlib import Path

from audit.labels import ACTION_LABELS

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("accounts", "audit", "core", "orgs", "projects", "evaluation", "vouchers")
RECORDED = re.compile(r"""record\(\s*"([a-z_]+\.[a-z_]+)"\s*[,)]""")  # a whole code, not a prefix


def test_every_literal_action_code_has_a_label(app):
    codes = {code for package in PACKAGES for path in (ROOT / package).rglob("*.py")
             for code in RECORDED.findall(path.read_text(encoding="utf-8"))}
    assert len(codes) > 50  # the pattern still finds the calls
    assert sorted(code for code in codes if code not in ACTION_LABELS) == []
