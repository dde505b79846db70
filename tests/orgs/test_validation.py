from datetime import date

import pytest
from sqlalchemy import func, select

from core.db import db
from core.errors import ServiceError
from orgs import services
from orgs.enums import OrgKind
from orgs.models import Organisation
from orgs.validation import name_initials, uscc_error
from tests.factories import make_user
from tests.orgs.helpers import make_uscc, org_data, submitted_org

VALID_AGENCY = make_uscc("2", 1)


@pytest.mark.parametrize("code, kind, fragment", [
    (VALID_AGENCY, OrgKind.AGENCY, None),
    (make_uscc("1", 2), OrgKind.ASSOCIATION, None),
    (make_uscc("3", 3), OrgKind.FOUNDATION, None),
    ("91110000600037341L", OrgKind.SOCIAL_ENTERPRISE, None),
    (VALID_AGENCY[:-1] + ("0" if VALID_AGENCY[-1] != "0" else "1"), OrgKind.AGENCY, "check character"),
    (VALID_AGENCY[:17], OrgKind.AGENCY, "18 characters"),
    (VALID_AGENCY + "1", OrgKind.AGENCY, "18 characters"),
    ("52110101MJ000000IO", OrgKind.AGENCY, "characters"),
    (make_uscc("1", 4), OrgKind.AGENCY, "another kind"),
    (make_uscc("2", 5), OrgKind.FOUNDATION, "another kind"),
])
def test_credit_codes(app, code, kind, fragment):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        message = uscc_error(code, kind)
    if fragment is None:
        assert message is None
    else:
        assert message is not None and fragment in message


def test_duplicate_code_is_refused(session):
    user = make_user()
    data = org_data()
    submitted_org(user, uscc=data.uscc)  # a live record holds the code (drafts do not: test_registry_fixes)
    with pytest.raises(ServiceError) as caught:
        services.create_application(org_data(uscc=data.uscc), actor=make_user())
    assert "uscc" in caught.value.fields


@pytest.mark.parametrize("overrides, field", [
    ({"registered_on": date(2999, 1, 1)}, "registered_on"),
    ({"full_time_staff": -1}, "full_time_staff"),
    ({"volunteers": None}, "volunteers"),
    ({"name": "x"}, "name"),
    ({"kind": "company", "uscc": make_uscc("2", 77)}, "kind"),
    ({"uscc": ""}, "uscc"),
    ({"contact_phone": "12345"}, "contact_phone"),
    ({"category_ids": []}, "category_ids"),
    ({"category_ids": [99999]}, "category_ids"),
    ({"community_ids": []}, "community_ids"),
])
def test_bad_facts_are_refused_and_nothing_is_saved(session, overrides, field):
    before = db.session.scalar(select(func.count(Organisation.id)))
    with pytest.raises(ServiceError) as caught:
        services.create_application(org_data(**overrides), actor=make_user())
    assert field in caught.value.fields
    assert db.session.scalar(select(func.count(Organisation.id))) == before


def test_community_organisations_need_no_code(session):
    org = services.create_application(org_data(kind="community", uscc=""), actor=make_user())
    assert org.uscc is None


@pytest.mark.parametrize("name, initials", [("幸福家园社会工作服务中心", "xfjyshgzfwzx"),
                                            ("东城区ABC协会", "dcqabcxh")])
def test_pinyin_initials(name, initials):
    assert name_initials(name) == initials


def test_zero_counts_are_kept_as_numbers(session):
    org = services.create_application(org_data(full_time_staff=0, certified_social_workers=0, volunteers=0),
                                      actor=make_user())
    assert (org.full_time_staff, org.certified_social_workers, org.volunteers) == (0, 0, 0)
