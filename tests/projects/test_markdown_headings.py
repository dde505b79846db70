"""A call's description (Markdown) is shown under the call's title: its headings are placed below the page's own,
'#' an h3 and '##' an h4, sized as the page's section headings (a '## 背景' was an h2 drawn larger than the call's
title). Raw HTML stays escaped."""

from accounts.enums import Role
from core.db import db
from projects import calls
from projects.markdown import render_markdown
from tests.factories import make_user
from tests.projects.helpers import call_data


def test_headings_are_placed_under_the_pages_own():
    html = str(render_markdown("# 项目概况\n## 背景\n需要<b>上门</b>服务。\n###### 附注"))
    assert '<h3 class="h5">项目概况</h3>' in html and '<h4 class="h6">背景</h4>' in html
    assert '<h6 class="h6">附注</h6>' in html and "<h1" not in html and "<h2" not in html
    assert "&lt;b&gt;上门&lt;/b&gt;" in html


def test_the_call_page_shows_the_descriptions_heading_below_its_title(app, client, login_as, session):
    officer = make_user(Role.OFFICER)
    with app.test_request_context():
        draft = calls.create_call(call_data(description="## 背景\n需要上门服务。"), actor=officer)
    db.session.commit()
    login_as(officer)
    page = client.get(f"/calls/{draft.id}").get_data(as_text=True)
    description = page.split('<div class="call-description">', 1)[1].split("</div>", 1)[0]
    assert '<h4 class="h6">背景</h4>' in description
