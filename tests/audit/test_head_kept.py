"""The public head page as an outsider uses it: a head written down earlier is checked against the chain as it
stands now (the current head alone could not be compared with an older copy: it moves on with every change)."""

import pytest

from accounts.enums import Role
from audit import services, verification
from core.db import db
from tests.factories import make_user


def appended(n: int):
    for i in range(n):
        services.record("test.kept_head", ("tests", str(7_707_010 + i)), data={"i": i})
    db.session.commit()
    return verification.head()


def test_a_head_kept_earlier_still_matches_after_the_chain_moved_on(client, session):
    kept = appended(2)
    appended(3)
    spaced = " ".join(kept.hash[i:i + 8] for i in range(0, 64, 8)).upper()  # as copied by hand from the page
    response = client.get("/audit/head", query_string={"seq": kept.seq, "hash": spaced})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="kept-result" data-matched="yes"' in body and f"第 {kept.seq} 号事件" in body


def test_a_different_hash_is_a_mismatch_naming_the_one_held_now(client, session):
    kept = appended(1)
    wrong = ("0" if kept.hash[0] != "0" else "1") + kept.hash[1:]
    body = client.get("/audit/head", query_string={"seq": kept.seq, "hash": wrong}).get_data(as_text=True)
    assert 'data-matched="no"' in body and kept.hash in body


@pytest.mark.parametrize(("seq", "hash_", "says"), [
    ("", "a" * 64, "请输入您记下的序号"),
    ("12x", "a" * 64, "序号是从 1 开始的整数"),
    ("1", "abc", "哈希值由 64 个字符组成"),
])
def test_a_mistyped_head_is_refused_beside_its_field(client, session, seq, hash_, says):
    appended(1)
    response = client.get("/audit/head", query_string={"seq": seq, "hash": hash_})
    assert response.status_code == 422
    assert says in response.get_data(as_text=True)


def test_a_sequence_beyond_the_head_says_how_long_the_chain_is(client, session):
    head = appended(1)
    response = client.get("/audit/head", query_string={"seq": head.seq + 5, "hash": "a" * 64})
    assert response.status_code == 422 and f"还没有第 {head.seq + 5} 号事件" in response.get_data(as_text=True)


def test_the_page_alone_shows_no_check(client, session):
    response = client.get("/audit/head")
    assert response.status_code == 200 and 'id="kept-result"' not in response.get_data(as_text=True)


def test_a_script_asks_for_the_hash_at_a_kept_sequence_number(client, session):
    kept = appended(1)
    head = appended(2)
    answer = client.get("/audit/head.json", query_string={"seq": kept.seq}).get_json()
    assert answer["seq"] == kept.seq and answer["hash"] == kept.hash
    assert answer["head"] == {"seq": head.seq, "hash": head.hash}
    beyond = client.get("/audit/head.json", query_string={"seq": head.seq + 1})
    assert beyond.status_code == 404 and beyond.get_json()["error"]["code"] == "not_found"
    bad = client.get("/audit/head.json", query_string={"seq": "x"})
    assert bad.status_code == 422 and "seq" in bad.get_json()["error"]["fields"]


def test_the_page_says_who_recomputes_the_hashes_and_leads_an_auditor_to_the_log(client, session, login_as):
    body = client.get("/audit/head").get_data(as_text=True)
    assert 'id="who-recomputes"' in body and "只有审计监督人员" in body and 'id="go-log"' not in body
    login_as(make_user(Role.AUDITOR))
    assert 'href="/audit/" id="go-log"' in client.get("/audit/head").get_data(as_text=True)
