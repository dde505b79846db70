"""A statement (结算单) opened from the programme page keeps the pages of the programme's lists the officer was on.

Approving a statement or recording its payment came back to the statement at an address without them, so its link
back to the programme opened the first page of every list. The statement's address now carries the programme page's
list numbers (the programme page's statement and run links, and preparing a statement, put them there), and its
forms post with them and come back to them, as the programme page's own forms do (pages_support.back_to_programme,
back_to_statement: read as the page reads them, never taken from what was posted)."""

import html
import re

from accounts.enums import Role
from core.db import db
from tests.factories import logout, make_user
from vouchers.redemption_models import Settlement

from .test_programme_pager_kept import AT, crowded, forms_at, post_forms, where  # noqa: F401 (crowded: a fixture)


def links_to(page: str, prefix: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="([^"]+)"', page) if href.startswith(prefix)]


def programme_link(page: str) -> str:
    return html.unescape(re.search(r'href="([^"]+)" id="statement-programme"', page).group(1))


def test_the_programme_pages_statement_and_run_links_carry_its_pages(crowded, client):  # noqa: F811
    page = client.get(crowded.page, query_string=AT).get_data(as_text=True)
    statements, runs = links_to(page, "/vouchers/settlements/"), links_to(page, "/vouchers/batches/")
    assert statements and runs
    assert all(where(link)[1] == AT for link in statements + runs)
    statement = client.get(statements[0]).get_data(as_text=True)
    assert where(programme_link(statement)) == (crowded.page, AT, "")
    first = client.get(crowded.page).get_data(as_text=True)  # page 1 of each: nothing to carry
    assert all(not where(link)[1] for link in links_to(first, "/vouchers/settlements/"))


def test_preparing_approving_and_paying_a_statement_keep_the_programme_pages(app, crowded, client,  # noqa: F811
                                                                            login_as):
    prepare = forms_at(client, crowded)[f"{crowded.page}/settlements"]
    ready = re.search(r'name="period" value="([^"]+)"', client.get(crowded.page).get_data(as_text=True)).group(1)
    made = client.post(prepare, data={"provider_id": crowded.org.id, "period": ready})
    assert made.status_code == 302
    path, query, _anchor = where(made.headers["Location"])
    assert path.startswith("/vouchers/settlements/") and query == AT
    statement = db.session.scalar(db.select(Settlement).where(Settlement.status == "draft"))

    page = client.get(made.headers["Location"]).get_data(as_text=True)
    forms = post_forms(page)
    assert forms and all(where(action)[1] == AT for action in forms.values())
    approved = client.post(forms[f"/vouchers/settlements/{statement.id}/approved"])
    assert approved.status_code == 302 and where(approved.headers["Location"]) == (path, AT, "")

    with app.test_request_context():
        second = make_user(Role.OFFICER)  # (above the two-person threshold the approver may not record the payment)
    db.session.commit()
    logout(client)
    login_as(second)
    page = client.get(approved.headers["Location"]).get_data(as_text=True)
    pay = post_forms(page)["pay-form"]
    assert where(pay)[1] == AT
    refused = client.post(pay, data={"payment_reference": ""})  # shown again: still posting with the pages
    assert refused.status_code == 422 and where(post_forms(refused.get_data(as_text=True))["pay-form"])[1] == AT
    paid = client.post(pay, data={"payment_reference": "BANK-2024-001"})
    assert paid.status_code == 302 and where(paid.headers["Location"]) == (path, AT, "")
    back = client.get(paid.headers["Location"]).get_data(as_text=True)
    assert "BANK-2024-001" in back and where(programme_link(back)) == (crowded.page, AT, "")
    db.session.expire_all()
    assert statement.status == "paid"
