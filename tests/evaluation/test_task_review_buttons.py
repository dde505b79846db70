"""The evaluator's two answers to a rectification response: '核实通过' and the one sending the task back to the
organisation, which read '退回重评' (the score sheet's 'Reopen') though it asks for more rectification, not a new
evaluation. It now reads '退回整改'; both buttons keep to one line and ask to confirm first."""

from evaluation import rectification
from evaluation.project_enums import TaskStatus
from tests.evaluation.test_followup_fixes import failed_with_task
from tests.orgs.helpers import Upload


def test_the_task_buttons_say_what_they_do_and_ask_first(app, client, session, login_as):
    officer, manager, evaluation, ev, task = failed_with_task(app)
    with app.test_request_context():
        rectification.transition_task(task, TaskStatus.RESPONDED, actor=manager, text="已整改完毕。",
                                      evidence=Upload())
    session.commit()
    login_as(ev)
    page = client.get(f"/evaluations/{evaluation.id}").get_data(as_text=True)
    send_back = page.split(f'id="reopen-task-{task.id}"', 1)[1].split("</button>", 1)[0]
    verify = page.split(f'id="verify-task-{task.id}"', 1)[1].split("</button>", 1)[0]
    assert send_back.endswith(">退回整改") and "退回重评" not in page
    assert 'data-confirm="将此项整改退回社会组织？' in send_back
    assert verify.endswith(">核实通过") and 'data-confirm="确认核实通过此项整改？' in verify
    for button in (send_back, verify):
        assert "text-nowrap" in page.split(button, 1)[0].rsplit("<button", 1)[1]
