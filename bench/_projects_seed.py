"""Bulk-insert active projects into a demo SQLite database for bench/projects.py: each a clone of the demo's
"on track" contract (4 budget lines, 2 milestones, 3 tranches, the mid-term report accepted with an activity and a
fee, the first tranche paid) with `expenses` expenses, and every tenth one overdue (no report, nothing paid)."""

import contextlib
import random
import sqlite3
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

CALL_TITLE = "幸福街道2026年度社区居家养老服务项目（履约示范）"  # projects.contract_demo.CALL_TITLE


@dataclass
class Seeded:
    contracts: int
    expenses: int
    overdue: int
    seconds: float
    sample_id: int  # a seeded project shaped like the demo's "on track" one


class Table:
    def __init__(self, conn: sqlite3.Connection, name: str):
        self.conn, self.name = conn, name
        self.columns = [row[1] for row in conn.execute(f"PRAGMA table_info({name})")]
        self.next_id = (conn.execute(f"SELECT max(id) FROM {name}").fetchone()[0] or 0) + 1
        self.rows: list[tuple] = []

    def template(self, where: str, *params) -> list[dict]:
        cursor = self.conn.execute(f"SELECT * FROM {self.name} WHERE {where} ORDER BY id", params)
        return [dict(zip(self.columns, row, strict=True)) for row in cursor]

    def add(self, template: dict, **values) -> int:
        new_id = self.next_id
        self.next_id += 1
        row = {**template, **values, "id": new_id}
        self.rows.append(tuple(row[c] for c in self.columns))
        return new_id

    def flush(self) -> None:
        marks = ", ".join("?" for _ in self.columns)
        self.conn.executemany(f"INSERT INTO {self.name} ({', '.join(self.columns)}) VALUES ({marks})", self.rows)
        self.rows.clear()


def seed(path: Path, count: int = 5000, expenses: int = 20) -> Seeded:
    started = time.monotonic()
    rng = random.Random(6)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        t = {n: Table(conn, n) for n in ("calls", "proposals", "contracts", "contract_lines", "milestones",
                                         "tranches", "milestone_reports", "report_activities", "fee_payments",
                                         "expenses")}
        call_id = conn.execute("SELECT id FROM calls WHERE title = ?", (CALL_TITLE,)).fetchone()[0]
        # the demo's "on track" contract: the one whose first tranche is paid and which has a confirmed fee
        model_id = conn.execute("SELECT c.id FROM contracts c JOIN fee_payments f ON f.contract_id = c.id "
                                "WHERE c.call_id = ? AND f.status = 'confirmed'", (call_id,)).fetchone()[0]
        contract = t["contracts"].template("id = ?", model_id)[0]
        call = t["calls"].template("id = ?", call_id)[0]
        proposal = t["proposals"].template("id = ?", contract["proposal_id"])[0]
        lines = t["contract_lines"].template("contract_id = ?", model_id)
        milestones = t["milestones"].template("contract_id = ?", model_id)
        tranches = t["tranches"].template("contract_id = ?", model_id)
        report = t["milestone_reports"].template("milestone_id = ?", milestones[0]["id"])[0]
        activity = t["report_activities"].template("report_id = ?", report["id"])[0]
        fee = t["fee_payments"].template("report_id = ?", report["id"])[0]
        expense = t["expenses"].template("contract_id = ?", model_id)[0]
        org_ids = [row[0] for row in conn.execute("SELECT id FROM organisations ORDER BY id")]
        calls_needed = -(-count // len(org_ids))
        call_ids = [t["calls"].add(call, title=f"压测项目征集{i}", status="awarded") for i in range(calls_needed)]
        overdue, sample, spent_on = 0, 0, date.fromisoformat(str(expense["spent_on"])[:10])
        for i in range(count):
            late = i % 10 == 0
            overdue += late
            proposal_id = t["proposals"].add(proposal, call_id=call_ids[i // len(org_ids)],
                                             org_id=org_ids[i % len(org_ids)], title=f"压测项目{i}")
            first_paid = 0 if late else tranches[0]["amount_fen"]
            contract_id = t["contracts"].add(contract, call_id=call_ids[i // len(org_ids)], proposal_id=proposal_id,
                                             org_id=org_ids[i % len(org_ids)], title=f"压测项目{i}：社区居家养老服务",
                                             paid_fen=first_paid, document_code=None)
            new_milestones = [t["milestones"].add(m, contract_id=contract_id, **({"accepted_at": None} if late else {}))
                              for m in milestones]
            for j, tranche in enumerate(tranches):
                paid = j == 0 and not late
                t["tranches"].add(tranche, contract_id=contract_id,
                                  milestone_id=new_milestones[j] if j < len(new_milestones) else None,
                                  status="paid" if paid else "pending", paid_on=tranche["paid_on"] if paid else None,
                                  reference=tranche["reference"] if paid else "")
            spent = [0] * len(lines)
            for k in range(expenses):
                position = k % len(lines)
                amount = rng.randint(100, 2_000) * 100
                spent[position] += amount
                t["expenses"].add(expense, contract_id=contract_id, line_id=t["contract_lines"].next_id + position,
                                  amount_fen=amount, spent_on=str(spent_on - timedelta(days=k % 30)),
                                  payee=f"供应商{k}")
            for line, total in zip(lines, spent, strict=True):
                t["contract_lines"].add(line, contract_id=contract_id, spent_fen=min(total, line["budget_fen"]))
            if not late:
                report_id = t["milestone_reports"].add(report, milestone_id=new_milestones[0])
                t["report_activities"].add(activity, report_id=report_id)
                t["fee_payments"].add(fee, report_id=report_id, contract_id=contract_id,
                                      status=rng.choice(["confirmed", "confirmed", "unconfirmed", "denied"]))
                sample = sample or contract_id
        for table in t.values():
            table.flush()
        conn.commit()
    return Seeded(count, count * expenses, overdue, time.monotonic() - started, sample)
