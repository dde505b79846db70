"""Tenant B's objects in the demo data, for the cross-tenant sweep (tests/core/test_cross_tenant.py).

Tenant A is the demo's org01 (manager of organisation 1), resident1 (和平社区), staff1 (和平 and 安康 communities) and
expert1. Tenant B is what belongs to none of them: org02's organisation (a voucher provider with a paid settlement,
contracts with expenses and reports, proposals), resident3 of 光明社区 (looked after by staff2 only, served by org02),
and the panels and evaluations expert1 does not sit on (expert2's seat on call 8's panel, expert3's evaluation of
org02's contract). Each argument name of a URL rule is filled with the id (or key) one query finds; a query finding
nothing fails the sweep rather than testing a missing object.
"""

import sqlalchemy as sa

from core.db import db

ORG_B = "(select org_id from org_memberships m join users u on u.id = m.user_id where u.username = 'org02')"
RESIDENT_B = ("(select p.id from resident_profiles p join users u on u.id = p.user_id"
              " where u.username = 'resident3')")
CONTRACT_B = f"(select min(id) from contracts where org_id = {ORG_B} and status = 'active')"
EXPERT_B = "(select id from users where username = 'expert1')"  # (to exclude: B's panels are those without expert1)
MEMBER_B = (f"(select min(m.id) from panel_members m where m.panel_id not in"
            f" (select panel_id from panel_members where user_id = {EXPERT_B}))")
# org02's proposal on the panel's call (a competitor of org01's), scored by expert2
PROPOSAL_B = (f"(select min(s.proposal_id) from score_sheets s join proposals p on p.id = s.proposal_id"
              f" where s.member_id = {MEMBER_B} and p.org_id = {ORG_B})")
EVALUATION_B = (f"(select min(id) from project_evaluations where contract_id = {CONTRACT_B} and id not in"
                f" (select evaluation_id from evaluation_assignments where user_id = {EXPERT_B}))")

# argument name -> the query finding tenant B's object
BY_ARGUMENT = {
    "org_id": f"select {ORG_B}",
    "user_id": "select id from users where username = 'org02'",
    "token_id": "select min(id) from api_tokens",  # org02's, made by the test (the demo has none)
    "call_id": "select min(id) from calls where status = 'draft'",  # not yet announced: known to officers only
    "contract_id": f"select {CONTRACT_B}",
    "proposal_id": f"select {PROPOSAL_B}",
    "member_id": f"select {MEMBER_B}",
    "panel_id": f"select panel_id from panel_members where id = {MEMBER_B}",
    "sheet_id": f"select min(id) from score_sheets where assignment_id in"
                f" (select id from evaluation_assignments where evaluation_id = {EVALUATION_B})",
    "evaluation_id": f"select {EVALUATION_B}",
    "assignment_id": f"select min(id) from evaluation_assignments where evaluation_id = {EVALUATION_B}",
    # (the demo's two surveys are on org01's evaluation and on org09's, which expert1 evaluates: org09's is B
    # for all but expert1, and survey codes are the officer's to make in any case)
    "survey_id": "select min(id) from surveys where evaluation_id in (select id from project_evaluations"
                 " where contract_id in (select id from contracts where org_id <> (select org_id from"
                 " org_memberships m join users u on u.id = m.user_id where u.username = 'org01')))",
    "request_id": "select min(id) from evaluation_document_requests",  # made by the test, to org09
    "task_id": f"select min(id) from rectification_tasks where evaluation_id = {EVALUATION_B}",
    "milestone_id": f"select min(id) from milestones where contract_id = {CONTRACT_B}",
    "report_id": f"select min(r.id) from milestone_reports r join milestones m on m.id = r.milestone_id"
                 f" where m.contract_id = {CONTRACT_B}",
    "tranche_id": f"select min(id) from tranches where contract_id = {CONTRACT_B}",
    "expense_id": f"select min(id) from expenses where contract_id = {CONTRACT_B}",
    "fee_id": f"select min(id) from fee_payments where contract_id = {CONTRACT_B}",
    "change_id": "select min(id) from contract_changes",  # (no org01 contract has one)
    "decision_id": f"select min(id) from award_decisions where proposal_id in"
                   f" (select proposal_id from contracts where org_id = {ORG_B})",
    "question_id": "select min(id) from call_questions",  # org02's, made by the test
    "objection_id": "select min(id) from objections",
    "template_id": "select min(id) from indicator_templates",
    "attachment_id": f"select min(id) from proposal_attachments where proposal_id"
                     f" = {PROPOSAL_B}",
    "membership_id": f"select min(id) from org_memberships where org_id = {ORG_B}",
    "document_id": f"select min(id) from org_documents where org_id = {ORG_B}",
    "entry_id": "select min(id) from org_credit_entries",
    "link_id": "select min(id) from org_incubations",
    "category_id": "select min(id) from service_categories",
    "programme_id": "select min(id) from voucher_programmes",
    "batch_id": "select min(id) from voucher_issuance_batches",
    "resident_id": f"select {RESIDENT_B}",
    "need_id": f"select min(id) from resident_needs where resident_id = {RESIDENT_B}",  # made by the test
    "redemption_id": f"select min(id) from voucher_redemptions where resident_id = {RESIDENT_B}"
                     f" and provider_org_id = {ORG_B}",
    "dispute_id": "select min(id) from voucher_disputes",  # (raised by staff2 on a 光明社区 resident's redemption)
    "code_id": f"select min(id) from voucher_codes where resident_id = {RESIDENT_B}",
    "service_id": f"select min(id) from voucher_services where org_id = {ORG_B}",
    "settlement_id": f"select min(id) from voucher_settlements where provider_org_id = {ORG_B}",
}

# (endpoint, argument) -> the query, where the same name means another kind of object in that blueprint
BY_ENDPOINT = {
    ("orgs_officer.review_report", "report_id"): f"select min(id) from org_annual_reports where org_id = {ORG_B}",
    ("orgs.decide_change", "change_id"): "select min(id) from org_change_requests",
    ("orgs_api.decide_change", "change_id"): "select min(id) from org_change_requests",
    ("evaluation.reopen", "sheet_id"): f"select min(id) from score_sheets where member_id = {MEMBER_B}",
    ("contracts.file", "key"): f"select f.key from stored_files f join expenses e on e.receipt_id = f.id"
                               f" where e.contract_id = {CONTRACT_B} limit 1",  # (made by the test)
    ("orgs.download", "key"): f"select f.key from stored_files f join org_documents d on d.file_id = f.id"
                              f" where d.org_id = {ORG_B} limit 1",
    ("proposals.download", "key"): f"select f.key from stored_files f join proposal_attachments a"
                                   f" on a.file_id = f.id where a.proposal_id = {PROPOSAL_B} limit 1",
    ("documents.download", "code"): f"select document_code from contracts where id = {CONTRACT_B}",
    ("documents.verify", "code"): f"select document_code from contracts where id = {CONTRACT_B}",
    ("project_evaluation.file", "key"): f"select f.key from stored_files f join rectification_tasks t on"
                                        f" t.evidence_id = f.id where t.evaluation_id = {EVALUATION_B} limit 1",
}


def object_for(endpoint: str, argument: str):
    """Tenant B's id (or key) for a rule's argument, None when neither table knows the argument."""
    query = BY_ENDPOINT.get((endpoint, argument)) or BY_ARGUMENT.get(argument)
    if query is None:
        return None
    found = db.session.execute(sa.text(query)).scalar()
    assert found is not None, f"the demo data holds no tenant-B object for {endpoint}'s {argument}: {query}"
    return found


def known(endpoint: str, argument: str) -> bool:
    return (endpoint, argument) in BY_ENDPOINT or argument in BY_ARGUMENT
