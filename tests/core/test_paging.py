"""core.paging: one page of a list in one query (a row more than shown says whether there is a next page), the
page number kept within 1 to MAX_PAGE, the total for the API, and the pager macro's links."""

from flask import render_template_string
from sqlalchemy import select

from accounts.models import User
from core.paging import MAX_PAGE, Page, count_of, paged
from tests.factories import make_user, statements_during


def test_pages_in_one_query_and_know_whether_there_is_a_next_one(app, session):
    ids = sorted((make_user().id for _ in range(5)), reverse=True)
    mine = select(User).where(User.id.in_(ids)).order_by(User.id.desc())
    statements, first = statements_during(lambda: paged(mine, 1, per_page=2))
    assert len([s for s in statements if "FROM users" in s]) == 1  # (the users' roles load in one more)
    assert not any("count(" in s.lower() for s in statements)
    assert [u.id for u in first.items] == ids[:2] and first.has_next and not first.has_prev
    last = paged(mine, 3, per_page=2)
    assert [u.id for u in last.items] == ids[4:] and not last.has_next and last.has_prev
    assert paged(mine, 4, per_page=2) == Page([], 4, False)
    assert count_of(mine) == 5


def test_a_page_number_out_of_range_is_brought_within_it(app, session):
    everyone = select(User).order_by(User.id)
    assert paged(everyone, 0).page == 1 and paged(everyone, None).page == 1 and paged(everyone, -3).page == 1
    assert paged(everyone, 10**9).page == MAX_PAGE


def test_the_pager_links_to_the_pages_either_side_keeping_the_other_arguments(app):
    template = ("{% from '_macros/pager.html' import pager %}"
                "{{ pager(p, 'needs.index', status='open', community=None) }}")
    with app.test_request_context():
        middle = render_template_string(template, p=Page([], 2, True))
        alone = render_template_string(template, p=Page([], 1, False))
    assert 'href="/needs/?status=open&amp;page=1"' in middle and 'href="/needs/?status=open&amp;page=3"' in middle
    assert "pagination" not in alone  # a single page has no pager
