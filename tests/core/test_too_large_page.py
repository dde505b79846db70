"""A request over the whole-request cap (MAX_REQUEST_MB) is refused before its form is read (413). Its page offered
only the home page: it now says the limits (in all, and each file: MAX_UPLOAD_MB) and links back to the form the
files were chosen in (the Referer, when it is on this site); the API's body says the limits too (DESIGN 4.7)."""

import io

import pytest

FORM = "/verify"  # a public page with an upload (documents' verification)


@pytest.fixture
def small_caps(app):
    """A 2 MB cap on the whole request, 1 MB on each file."""
    caps = app.config["MAX_CONTENT_LENGTH"], app.config["MAX_UPLOAD_BYTES"]
    app.config["MAX_CONTENT_LENGTH"], app.config["MAX_UPLOAD_BYTES"] = 2 * 1024 * 1024, 1024 * 1024
    yield
    app.config["MAX_CONTENT_LENGTH"], app.config["MAX_UPLOAD_BYTES"] = caps


def too_large(client, path=FORM, **kwargs):
    return client.post(path, data={"file": (io.BytesIO(b"x" * (3 * 1024 * 1024)), "photo.jpg")},
                       content_type="multipart/form-data", **kwargs)


def back_link(page: str) -> str | None:
    if "btn btn-primary\" href=\"" not in page:
        return None
    return page.split('class="btn btn-primary" href="')[1].split('"')[0]


def test_the_page_says_the_limits_and_links_back_to_the_form(client, session, small_caps):
    response = too_large(client, headers={"Referer": "http://localhost/verify?from=mail"})
    assert response.status_code == 413
    page = response.text
    assert "上传的文件太大：总共最多 2 MB，每个文件最多 1 MB。请返回表单，选择更少或更小的文件。" in page
    assert back_link(page) == "/verify?from=mail" and ">返回表单</a>" in page
    assert 'href="/">返回首页' in page  # the home page as well, beside it


def test_in_english_too(client, session, small_caps):
    page = too_large(client, headers={"Referer": "http://localhost/verify", "Accept-Language": "en"}).text
    assert "The files sent are too large: at most 2 MB in all, and 1 MB for each file." in page
    assert back_link(page) == "/verify" and "Back to the form" in page


@pytest.mark.parametrize("referer", [None, "https://evil.example/verify", "http://localhost.evil.example/x",
                                     "http://localhost//evil.example/x"])
def test_no_link_back_to_another_site_only_home(client, session, small_caps, referer):
    headers = {"Referer": referer} if referer else {}
    page = too_large(client, headers=headers).text
    assert "每个文件最多 1 MB" in page
    assert ">返回表单</a>" not in page and back_link(page) == "/"  # the home page, the only button


def test_the_api_answers_the_error_body_with_the_limits(client, session, small_caps):
    response = too_large(client, path="/api/v1/orgs", headers={"Accept-Language": "en"})
    assert response.status_code == 413 and response.is_json
    error = response.get_json()["error"]
    assert error["code"] == "request_entity_too_large" and error["fields"] == {}
    assert error["message"] == "The request is too large: at most 2 MB in all, and 1 MB for each file."
    chinese = too_large(client, path="/api/v1/orgs").get_json()["error"]["message"]
    assert chinese == "请求太大：总共最多 2 MB，每个文件最多 1 MB。"
