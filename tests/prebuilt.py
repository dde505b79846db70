"""An active contract built once per test process, for the tests that start from one.

Some 130 tests begin with `active_contract(app)` (directly or through `commissioned(app)`): a call published, two
organisations' proposals, an award decided and its publicity over, a contract drawn up and signed. That renders four
PDFs (announcement, results, award notice, contract), most of each such test's time. A test whose *first statement*
calls one of those helpers (or that asks for the `contract_world` fixture) is marked `prebuilt_contract`: it runs,
like a test of the demo data, inside a rolled-back transaction on a database of this process's own that already holds
such a contract, built by the same helper through the same services. The helper's first call in that test hands over
that contract instead of building one (later calls in the test build their own), so the test starts from the state it
would have built itself, only built once.
"""

import ast
import inspect
import textwrap
from dataclasses import dataclass

from core.db import db

MARKER = "prebuilt_contract"
HELPERS = frozenset({"active_contract", "commissioned"})
FIXTURES = frozenset({"contract_world"})


@dataclass(frozen=True)
class ContractIds:
    officer: int
    manager: int
    contract: int


_offered: list[ContractIds] = []


def starts_with_a_contract(function) -> bool:
    """Whether a test function's first statement (after its docstring) calls active_contract() or commissioned()."""
    if not HELPERS & set(getattr(getattr(function, "__code__", None), "co_names", ())):
        return False  # no need to read its source
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return False
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.FunctionDef) else []
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return bool(body) and any(isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                              and node.func.id in HELPERS for node in ast.walk(body[0]))


def offer(ids: ContractIds) -> None:
    _offered[:] = [ids]


def withdraw() -> None:
    _offered.clear()


def take():
    """The prebuilt (officer, manager, contract), loaded in the test's session, once per test; else None."""
    if not _offered:
        return None
    from accounts.models import User
    from projects.contract_models import Contract

    ids = _offered.pop()
    return db.session.get(User, ids.officer), db.session.get(User, ids.manager), db.session.get(Contract, ids.contract)
