"""The organisation's response to a rectification task, refused (too short), shows the page again (422) with the
text as typed, the reason beside it and the evidence chosen kept: sent again without choosing it, the response
carries the same file. Its answer to a document request likewise keeps its files. (Both were a flash after a
redirect: the text to type and the files to choose again.)"""

import html
import io
import re

from core.db import db
from evaluation.project_enums import TaskStatus
from evaluation.project_models import DocumentRequest, RectificationTask
from tests.evaluation.test_text_limits_forms import rectifying, scored  # noqa: F401  (fixtures)

EN = {"Accept-Language": "en"}
EVIDENCE = b"%PDF-1.4\n%rectified: new sign-in sheets\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_response_too_short_keeps_its_evidence(client, login_as, rectifying):  # noqa: F811
    task, manager = rectifying["task"], rectifying["manager"]
    login_as(manager)
    url = f"/evaluations/tasks/{task.id}/respond"
    response = client.post(url, headers=EN, data={"text": "已改", "evidence": (io.BytesIO(EVIDENCE), "整改说明.pdf")})
    assert response.status_code == 422
    page = html.unescape(response.text)
    key = f"task-{task.id}"
    assert f'id="{key}-text-error">Describe what was done (at least 5 characters).<' in page
    assert 'value="已改"' in page
    assert f'id="{key}-evidence-kept">整改说明.pdf (1 KB) is kept — choose another file to replace it.<' in page
    reference = re.search(r'name="evidence_kept" value="([^"]+)"', response.text)[1]
    assert db.session.get(RectificationTask, task.id).status == TaskStatus.OPEN
    response = client.post(url, headers=EN, data={"text": "已重新制作签到表并补齐记录。", "evidence_kept": reference})
    assert response.status_code == 302
    db.session.expire_all()
    task = db.session.get(RectificationTask, task.id)
    assert task.status == TaskStatus.RESPONDED and task.evidence.content == EVIDENCE


def test_an_answer_refused_keeps_its_files(app, client, login_as, scored):  # noqa: F811
    from evaluation import rectification
    from tests.orgs.helpers import PDF_BYTES

    evaluation, manager, evaluator = scored["evaluation"], scored["manager"], scored["evaluator"]
    with app.test_request_context():
        found = rectification.request_documents(evaluation, "请提供活动签到表。", evaluation.due_on, actor=evaluator)
    db.session.commit()
    login_as(manager)
    url = f"/evaluations/requests/{found.id}/answer"
    response = client.post(url, headers=EN, data={"text": "附" * 2001, "files": [  # over 2000: refused by the form
        (io.BytesIO(EVIDENCE), "签到表.pdf"), (io.BytesIO(PDF_BYTES), "照片说明.pdf")]})
    assert response.status_code == 422
    references = re.findall(r'name="files_kept" value="([^"]+)"', response.text)
    assert len(references) == 2
    assert "These files are kept" in html.unescape(response.text)
    response = client.post(url, headers=EN, data={"text": "签到表两份", "files_kept": references})
    assert response.status_code == 302
    db.session.expire_all()
    answered = db.session.get(DocumentRequest, found.id)
    assert sorted(f.content for f in answered.files) == sorted([EVIDENCE, PDF_BYTES])
