from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from accounts.notifications import NOTIFICATION_LABELS, NOTIFICATION_TEXTS
from audit.labels import ACTION_LABELS, register_public_page, register_target_page
from core.db import db
from projects.labels import public_project

from .project_enums import Grade
from .project_models import ProjectEvaluation

ACTION_LABELS.update({
    "template.created": _l("Indicator template created"),
    "template.updated": _l("Indicator template changed"), "expert.saved": _l("Expert profile saved"),
    "panel.drawn": _l("Panel drawn"), "panel.member_replaced": _l("Panel member replaced"),
    "panel.conflict_declared": _l("Conflict declared"), "panel.no_conflict_declared": _l("No conflict declared"),
    "sheet.saved": _l("Score sheet saved"), "sheet.submitted": _l("Score sheet submitted"),
    "sheet.reopened": _l("Score sheet reopened"),
    "expert.conflict_declared": _l("Standing conflict with an organisation declared"),
    "call.review_rules_fixed": _l("Review rules fixed for the call"),
})
NOTIFICATION_TEXTS.update({
    "panel.assigned": _l("You have been drawn for the review panel of “%(call)s”."),
    "panel.review_started": _l("The review of “%(call)s” has started: you can score its proposals now."),
    "panel.review_restarted": _l("The review of “%(call)s” has started again after its publicity: see your score "
                                 "sheets."),
    "sheet.reopened": _l("An officer reopened one of your score sheets: %(reason)s"),
    "sheet.reopened_named": _l("An officer sent back your score sheet for proposal %(n)d (%(org)s) of “%(call)s” "
                               "to be scored again: %(reason)s"),
    "sheet.reopened_blind": _l("An officer sent back your score sheet for proposal %(n)d of “%(call)s” to be scored "
                               "again: %(reason)s"),
    "sheet.reopened_project": _l("An officer sent back your score sheet for the evaluation of “%(project)s” to be "
                                 "scored again: %(reason)s"),
})

# Project evaluation (issue 7)
ACTION_LABELS.update({
    "evaluation.agency_registered": _l("Evaluation agency registered"),
    "evaluation.commissioned": _l("Project evaluation commissioned"),
    "evaluation.evaluator_added": _l("Evaluator added to a project evaluation"),
    "evaluation.evaluator_withdrawn": _l("Evaluator withdrawn from a project evaluation"),
    "evaluation.paid_exclusion_overridden": _l("Evaluator paid by the organisation chosen all the same (override)"),
    "evaluation.conflict_declared": _l("Conflict declared"),
    "evaluation.no_conflict_declared": _l("No conflict declared"),
    "evaluation.report_issued": _l("Evaluation report issued"),
    "evaluation.rectification": _l("Evaluation in rectification"), "evaluation.completed": _l("Evaluation completed"),
    "evaluation.cancelled": _l("Evaluation cancelled"),
    "evaluation.documents_requested": _l("Documents requested from the organisation"),
    "evaluation.documents_provided": _l("Requested documents provided"),
    "rectification.responded": _l("Rectification response submitted"),
    "rectification.verified": _l("Rectification verified"), "rectification.open": _l("Rectification reopened"),
    "survey.created": _l("Satisfaction survey created"), "survey.codes_issued": _l("Survey codes issued"),
    "survey.answered": _l("Survey answered"),
    "contract.final_tranche_released": _l("Final tranche released after the final evaluation"),
})
NOTIFICATION_TEXTS.update({
    "evaluation.assigned": _l("You have been commissioned to evaluate the project “%(project)s”."),
    "evaluation.evaluator_withdrawn": _l("An officer withdrew you from the evaluation of “%(project)s”; you take "
                                         "no further part and your score sheet no longer counts. Reason: %(reason)s"),
    "evaluation.report_issued": _l("The evaluation report of “%(project)s” has been issued: %(grade)s."),
    "evaluation.documents_requested": _l("The evaluator of “%(project)s” asks for further documents by %(due)s."),
    "evaluation.documents_provided": _l("The organisation has answered your document request for “%(project)s”."),
    "rectification.responded": _l("The organisation responded to a rectification task of “%(project)s”."),
    "rectification.verified": _l("A rectification task of “%(project)s” was verified. %(note)s"),
    "rectification.open": _l("A rectification task of “%(project)s” was reopened: %(note)s"),
})

# Reminders (evaluation.reminders, `flask evaluations remind`)
NOTIFICATION_TEXTS.update({
    "evaluation.sheet_due_soon": _l("Your score sheet for the evaluation of “%(project)s” is due on %(due)s."),
    "evaluation.sheet_overdue": _l("Your score sheet for the evaluation of “%(project)s” was due on %(due)s and is "
                                   "overdue."),
    "evaluation.report_due_soon": _l("All score sheets for “%(project)s” are in: the evaluation report is due on "
                                     "%(due)s."),
    "evaluation.report_overdue": _l("All score sheets for “%(project)s” are in, but the evaluation report was due on "
                                    "%(due)s and is overdue."),
    "evaluation.request_due_soon": _l("The documents requested by the evaluator of “%(project)s” are due on "
                                      "%(due)s."),
    "evaluation.request_overdue": _l("The documents requested by the evaluator of “%(project)s” were due on %(due)s "
                                     "and are overdue."),
    "rectification.task_due_soon": _l("A rectification task of “%(project)s” is due on %(due)s."),
    "rectification.task_overdue": _l("A rectification task of “%(project)s” was due on %(due)s and is overdue."),
    # The digest as sent before it counted late verifications: kept so those notices still read.
    "evaluation.officer_digest": _l("Project evaluations to watch: %(evaluations)s evaluations overdue, "
                                    "%(requests)s document requests and %(tasks)s rectification tasks overdue."),
    "evaluation.overdue_digest": _l("Project evaluations to watch: %(evaluations)s evaluations overdue; overdue from "
                                    "the organisations: %(requests)s document requests and %(tasks)s rectification "
                                    "tasks; overdue from the evaluators: %(verifications)s rectification responses "
                                    "not yet verified."),
})
NOTIFICATION_TEXTS.update({
    "evaluation.declare_due_soon": _l("Please declare whether you have a conflict of interest in the evaluation of "
                                      "“%(project)s”: it is due on %(due)s and cannot be reported until you do."),
    "evaluation.declare_overdue": _l("Please declare whether you have a conflict of interest in the evaluation of "
                                     "“%(project)s”: it was due on %(due)s and cannot be reported until you do."),
    "rectification.verify_due_soon": _l("A rectification response for “%(project)s” awaits your verification; the "
                                        "task is due on %(due)s."),
    "rectification.verify_overdue": _l("A rectification response for “%(project)s” awaits your verification; the "
                                       "task was due on %(due)s and is overdue."),
})
NOTIFICATION_LABELS["evaluation.report_issued"] = {"grade": Grade}


# The audit log links an event about an evaluation object to its page (evaluation.target_pages leads there when the
# page is keyed by something else); each page still asks who may see it.
register_target_page("project_evaluations", "project_evaluation.show", "evaluation_id")
register_target_page("panels", "evaluation.panel_page", "panel_id")
register_target_page("panel_members", "evaluation.panel_member_page", "member_id")
register_target_page("indicator_templates", "evaluation.template_page", "template_id")
register_target_page("surveys", "project_evaluation.survey_page", "survey_id")
register_target_page("rectification_tasks", "project_evaluation.task_page", "task_id")
register_target_page("evaluation_document_requests", "project_evaluation.request_page", "request_id")
register_target_page("evaluation_assignments", "project_evaluation.assignment_page", "assignment_id")


# The public verification page links an evaluation report to its project's public page, which lists the evaluations
# whose report was issued.
def public_project_of_evaluation(evaluation_id: int) -> int | None:
    contract_id = db.session.scalar(select(ProjectEvaluation.contract_id).where(
        ProjectEvaluation.id == evaluation_id, ProjectEvaluation.report_code.is_not(None)))
    return public_project(contract_id) if contract_id is not None else None


register_public_page("project_evaluations", "project_public.project", "contract_id",
                     public_id=public_project_of_evaluation, label=_l("the project's public page"))
