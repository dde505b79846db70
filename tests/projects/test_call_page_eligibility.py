"""A call's page shows each of the viewer's organisations its eligibility for the call (the rules as a submission
checks them, each met or not with its reason) before "Write a proposal", and offers no proposal to an organisation
that cannot meet a rule by the deadline, saying why and what would make it eligible (QA walk: a suspended,
credit-listed organisation and a 2A one were offered "Write a proposal" for a 3A call and learned only after
saving). Any member may start a draft (permissions.can_write_proposal); "years" and "social workers" read in the
singular for one."""

import re
from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import select

from accounts.enums import Role
from core.db import db
from core.timeutil import local_today, to_local
from orgs import services as org_services
from orgs import standing
from orgs.enums import OrgStatus
from projects import calls, eligibility
from projects.enums import CallStatus
from projects.models import Proposal
from tests.factories import make_user
from tests.projects.helpers import good_org, published_call

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


def card(page: str, org) -> str:
    return page.split(f'id="org-card-{org.id}"', 1)[1].split('<div class="card mb-2', 1)[0]


def start_forms(page: str) -> list[str]:
    """The org_id of each "Write a proposal" form on the page."""
    return re.findall(r'action="/calls/\d+/proposal"[^>]*>.*?name="org_id" value="(\d+)"', page, re.S)


def test_each_of_a_members_organisations_sees_its_eligibility_and_only_an_eligible_one_may_write(
        app, client, session, login_as):
    officer, manager = make_user(Role.OFFICER), make_user()
    fit = good_org(manager, officer, grade=4)
    low = good_org(manager, officer, grade=2)  # 2A where the call asks 3A
    barred = good_org(manager, officer, grade=4)
    with app.test_request_context():
        standing.add_credit_entry(barred, "serious", "虚假材料", "东民信 3 号", local_today() - timedelta(days=30),
                                  None, actor=officer)
        org_services.transition_org(barred, OrgStatus.SUSPENDED, actor=officer, reason="整改")
        call = published_call(officer, min_grade=3)
    db.session.commit()
    login_as(manager)
    page = client.get(f"/calls/{call.id}", headers=EN).text
    assert start_forms(page) == [str(fit.id)]  # one "Write a proposal", for the organisation that can apply
    assert 'id="start-proposal"' in card(page, fit) and 'id="not-eligible' not in card(page, fit)
    assert "✔</span> <span class=\"visually-hidden\">Met:</span> Grade 4A meets the minimum 3A." in card(page, fit)

    low_card = card(page, low)
    assert "✘</span> <span class=\"visually-hidden\">Not met:</span> A valid grade of at least 3A is required " \
           "(has: 2A)." in low_card
    deadline_day = to_local(call.submission_deadline).date().isoformat()
    assert f"No proposal: as things stand, {low.name} cannot meet these rules by the submission deadline " \
           f"({deadline_day})." in low_card
    assert f"A grade of at least 3A, valid on {deadline_day} (the submission deadline), would make it eligible." \
        in low_card
    assert low_card.index('id="eligibility-') < low_card.index('id="not-eligible-')  # the check first

    barred_card = card(page, barred)
    blocked = barred_card.split(f'id="not-eligible-{barred.id}"', 1)[1]
    assert "The organisation is not registered or is suspended." in blocked
    assert "The suspension must be lifted before it can apply." in blocked
    assert "On a credit list: Serious violations list." in blocked
    assert f"It must be off the credit list by {deadline_day} (the submission deadline)." in blocked
    assert "Grade 4A meets the minimum 3A." in barred_card  # the rules it meets are listed too

    page = client.get(f"/calls/{call.id}", headers=ZH).text  # the same in Chinese
    assert start_forms(page) == [str(fit.id)]
    assert "须先解除暂停状态方可申报。" in card(page, barred) and "暂不能申报" in card(page, low)


def test_a_plain_member_is_offered_the_proposal_and_starts_the_draft(app, client, session, login_as):
    officer, manager, member = make_user(Role.OFFICER), make_user(), make_user()
    org = good_org(manager, officer)
    with app.test_request_context():
        membership = org_services.invite_member(org, member.username, "member", actor=manager)
        org_services.answer_invitation(membership, True, actor=member)
        call = published_call(officer)
    db.session.commit()
    login_as(member)
    page = client.get(f"/calls/{call.id}", headers=ZH).text
    assert start_forms(page) == [str(org.id)] and ">填写申报书</button>" in page
    response = client.post(f"/calls/{call.id}/proposal", data={"org_id": org.id})
    proposal = db.session.scalar(select(Proposal).where(Proposal.call_id == call.id, Proposal.org_id == org.id))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/proposals/{proposal.id}/edit")
    assert start_forms(client.get(f"/calls/{call.id}").text) == []  # now "Open our proposal"


def test_registered_long_enough_by_the_deadline_may_write_otherwise_told_the_day(app, client, session, login_as):
    officer, manager = make_user(Role.OFFICER), make_user()
    soon, late = good_org(manager, officer), good_org(manager, officer)
    today = local_today()
    with app.test_request_context():
        call = published_call(officer, min_years_registered=2)  # the deadline is in ten days
    two_years_ago = eligibility.anniversary(today, -2)
    soon.registered_on = two_years_ago + timedelta(days=3)  # two years in three days
    late.registered_on = two_years_ago + timedelta(days=40)  # in forty: after the deadline
    db.session.commit()
    login_as(manager)
    page = client.get(f"/calls/{call.id}", headers=EN).text
    assert start_forms(page) == [str(soon.id)]
    assert "Registered for 1 year (at least 2 required)." in card(page, soon)
    assert f"Registered for 2 years on {today + timedelta(days=3)}: a proposal can be submitted from that day." \
        in card(page, soon)
    assert 'id="not-eligible' not in card(page, soon)
    assert f"It reaches 2 years of registration on {eligibility.anniversary(late.registered_on, 2)}, after the " \
           "submission deadline." in card(page, late).split(f'id="not-eligible-{late.id}"', 1)[1]


def test_a_grade_expiring_before_the_deadline_is_said_but_does_not_bar(app, client, session, login_as):
    officer, manager = make_user(Role.OFFICER), make_user()
    org = good_org(manager, officer, grade=None)
    today = local_today()
    with app.test_request_context():
        standing.record_grade(org, 4, today - timedelta(days=300), actor=officer, valid_until=today + timedelta(days=2))
        call = published_call(officer, min_grade=3)
    db.session.commit()
    login_as(manager)
    page = client.get(f"/calls/{call.id}", headers=EN).text
    assert start_forms(page) == [str(org.id)]  # it can submit today
    warned = card(page, org).split(f'id="at-deadline-{org.id}"', 1)[1]
    assert "A valid grade of at least 3A is required (has: none)." in warned


def test_no_eligibility_box_for_visitors_nor_once_proposals_are_no_longer_invited(app, client, session, login_as):
    officer, manager = make_user(Role.OFFICER), make_user()
    org = good_org(manager, officer)
    with app.test_request_context():
        call = published_call(officer)
    db.session.commit()
    assert "org-eligibility" not in client.get(f"/calls/{call.id}").text  # a visitor: no organisation
    login_as(manager)
    assert f'id="eligibility-{org.id}"' in client.get(f"/calls/{call.id}").text
    with app.test_request_context():
        calls.transition_call(call, CallStatus.CANCELLED, actor=officer, reason="预算调整")
    db.session.commit()
    page = client.get(f"/calls/{call.id}").text
    assert f'id="org-card-{org.id}"' in page and "org-eligibility" not in page and start_forms(page) == []


def test_one_year_and_one_social_worker_in_the_singular(app, session):
    officer, manager = make_user(Role.OFFICER), make_user()
    org = good_org(manager, officer)
    today = local_today()
    org.registered_on = today.replace(year=today.year - 1) - timedelta(days=1)
    org.certified_social_workers = 1
    with app.test_request_context():
        one = published_call(officer, min_years_registered=1, min_certified_social_workers=1)
        two = published_call(officer, min_years_registered=2, min_certified_social_workers=2)
        with force_locale("en"):
            assert "Registered for at least 1 year." in eligibility.stated_rules(one)
            assert "At least 1 certified social worker." in eligibility.stated_rules(one)
            assert "Registered for at least 2 years." in eligibility.stated_rules(two)
            assert "At least 2 certified social workers." in eligibility.stated_rules(two)
            said = {r.code: r.message for r in eligibility.check(two, org, today)}
            assert said["years"] == "Registered for 1 year (at least 2 required)."
            assert said["social_workers"] == "1 certified social worker (at least 2 required)."
        with force_locale("zh_Hans_CN"):
            assert "登记满 1 年。" in eligibility.stated_rules(one)
            assert "登记满 2 年。" in eligibility.stated_rules(two)
            said = {r.code: r.message for r in eligibility.check(two, org, today)}
            assert said["years"] == "已登记 1 年（要求不少于 2 年）。"
            assert said["social_workers"] == "持证社会工作者 1 人（要求不少于 2 人）。"
