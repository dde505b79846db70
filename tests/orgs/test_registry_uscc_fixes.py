"""The unified social credit code must agree with the organisation's kind: associations, agencies and foundations
are registered by civil affairs (first character 5), with the kind in the second character (51, 52, 53)."""

import flask_babel
import pytest
from sqlalchemy import func, select
from stdnum.cn import uscc as uscc_std

from audit.models import AuditEvent
from core.db import db
from core.errors import ServiceError
from orgs import services
from orgs.enums import OrgKind
from orgs.models import Organisation
from orgs.validation import uscc_error
from tests.factories import make_user
from tests.orgs.helpers import org_data
from tests.orgs.test_api import payload, token_for


def code(head: str, n: int = 1) -> str:
    """A code with a correct check character: head is the registration authority and the kind."""
    body = f"{head}110101MJ{n:07d}"
    return body + uscc_std.calc_check_digit(body)


def english_error(app, value: str, kind: OrgKind) -> str | None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        flask_babel.refresh()  # the locale is cached in the app context a fixture may have pushed
        try:
            return uscc_error(value, kind)
        finally:
            flask_babel.refresh()


CIVIL_AFFAIRS = [(OrgKind.ASSOCIATION, "51"), (OrgKind.AGENCY, "52"), (OrgKind.FOUNDATION, "53")]


@pytest.mark.parametrize("kind, prefix", CIVIL_AFFAIRS)
@pytest.mark.parametrize("head", ["91", "92", "93", "11", "12", "31", "71", "81"])
def test_a_code_from_another_authority_is_refused_for_a_civil_affairs_kind(app, kind, prefix, head):
    """A company's code (91…) and any other authority's code used to pass: only 5x codes were compared."""
    value = code(head)
    assert uscc_std.is_valid(value)  # a real code, only not a civil-affairs one
    message = english_error(app, value, kind)
    assert message is not None and "civil affairs" in message and prefix in message


@pytest.mark.parametrize("kind, prefix", CIVIL_AFFAIRS)
def test_the_matching_civil_affairs_code_is_accepted(app, kind, prefix):
    assert english_error(app, code(prefix, 11), kind) is None


@pytest.mark.parametrize("kind, prefix", CIVIL_AFFAIRS)
@pytest.mark.parametrize("other", ["51", "52", "53", "59"])
def test_a_civil_affairs_code_of_another_kind_is_refused(app, kind, prefix, other):
    message = english_error(app, code(other, 12), kind)
    if other == prefix:
        assert message is None
    else:
        assert message is not None and "another kind" in message


@pytest.mark.parametrize("head", ["91", "52", "93"])
def test_a_social_enterprise_may_hold_any_authoritys_code(app, head):
    assert english_error(app, code(head, 13), OrgKind.SOCIAL_ENTERPRISE) is None


@pytest.mark.parametrize("kind", [OrgKind.ASSOCIATION, OrgKind.AGENCY])
@pytest.mark.parametrize("head", ["91", "51", "52"])
def test_the_check_character_is_still_checked_first(app, kind, head):
    good = code(head, 14)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    message = english_error(app, bad, kind)
    assert message is not None and "check character" in message


@pytest.mark.parametrize("kind", ["association", "agency", "foundation"])
def test_an_application_with_a_company_code_is_refused_and_nothing_is_saved(session, kind):

    before = (db.session.scalar(select(func.count(Organisation.id))),
              db.session.scalar(select(func.count(AuditEvent.seq)).where(AuditEvent.action == "org.created")))
    with pytest.raises(ServiceError) as caught:
        services.create_application(org_data(kind=kind, uscc=code("91", 21)), actor=make_user())
    assert "uscc" in caught.value.fields
    assert (db.session.scalar(select(func.count(Organisation.id))),
            db.session.scalar(select(func.count(AuditEvent.seq)).where(AuditEvent.action == "org.created"))) == before


def test_editing_an_association_to_a_company_code_is_refused_and_nothing_changes(session):

    applicant = make_user()
    data = org_data(kind="association")
    org = services.create_application(data, actor=applicant)
    updates = db.session.scalar(select(func.count(AuditEvent.seq)).where(AuditEvent.action == "org.updated"))
    with pytest.raises(ServiceError) as caught:
        services.update_application(org, org_data(kind="association", name=data.name, uscc=code("91", 22)),
                                    actor=applicant)
    assert "uscc" in caught.value.fields
    db.session.expire_all()
    assert db.session.get(Organisation, org.id).uscc == data.uscc
    assert db.session.scalar(select(func.count(AuditEvent.seq))
                             .where(AuditEvent.action == "org.updated")) == updates


def test_the_api_answers_422_for_an_association_with_a_company_code(client, session):
    headers = token_for(make_user())
    db.session.commit()
    before = db.session.scalar(select(func.count(Organisation.id)))
    response = client.post("/api/v1/orgs", json=payload(kind="association", uscc=code("91", 23)),
                           headers={**headers, "Accept-Language": "en"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert "civil affairs" in error["fields"]["uscc"] and "51" in error["fields"]["uscc"]
    assert db.session.scalar(select(func.count(Organisation.id))) == before
    accepted = client.post("/api/v1/orgs", json=payload(kind="association", uscc=code("51", 23)), headers=headers)
    assert accepted.status_code == 201, accepted.get_json()
