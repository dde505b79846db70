"""The batch page tells the truth: a run stopped at 2 of 3 residents is not a full bar, it says how many were not
issued and why."""

from datetime import date

from accounts.enums import Role
from core.db import db
from tests.factories import make_user
from tests.vouchers.helpers import resident, running_programme
from vouchers import issuance
from vouchers.enums import BatchStatus
from vouchers.models import IssuanceBatch


def test_a_run_stopped_by_the_budget_shows_its_true_progress_and_who_was_missed(app, client, login_as, session):
    with app.test_request_context():
        officer, staff = make_user(Role.OFFICER), make_user(Role.COMMUNITY_STAFF)
        programme = running_programme(officer, budget_fen=45_000)  # ¥200 a resident: two of three
        for i in range(3):
            resident(staff, birth=date(1940, 3, 1 + i))
        batch = issuance.start_batch(programme, actor=officer)
        issuance.run_chunk(batch, chunk_size=10)
        db.session.commit()
    assert batch.status == BatchStatus.BUDGET_EXHAUSTED and batch.residents_issued == 2
    assert batch.progress_pct == 66 and batch.residents_missed == 1
    login_as(officer)
    page = client.get(f"/vouchers/batches/{batch.id}").get_data(as_text=True)
    assert "66%" in page and "100%" not in page
    assert 'id="residents-missed">1<' in page and 'id="batch-why"' in page


def test_a_finished_run_is_full_and_an_empty_stopped_run_is_empty():
    done = IssuanceBatch(status=BatchStatus.DONE.value, expected_residents=3, residents_issued=3)
    stopped = IssuanceBatch(status=BatchStatus.BUDGET_EXHAUSTED.value, expected_residents=3, residents_issued=0)
    assert (done.progress_pct, done.residents_missed) == (100, 0)
    assert (stopped.progress_pct, stopped.residents_missed) == (0, 3)
