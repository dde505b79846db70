"""A stored file's original name is shortened to fit its column (255 characters; a file name is not prose, so it
is shortened rather than refused) at the end of its stem, keeping its extension; characters are counted, so a
Chinese name is never cut in the middle of a character. The download name is sanitised and shortened the same
way, with the extension of the file's real type."""

import io

from werkzeug.datastructures import FileStorage

from core.db import db
from core.uploads import MAX_NAME, StoredFile, original_name, safe_filename, store_upload
from tests.orgs.helpers import PDF_BYTES


def test_a_short_name_is_kept_as_sent():
    assert original_name("活动签到表.pdf") == "活动签到表.pdf"
    assert original_name("") == "file"


def test_a_long_chinese_name_keeps_its_extension_and_whole_characters():
    name = "社区居民议事会会议纪要" * 30 + ".docx"  # 335 characters, 3 bytes each in UTF-8
    kept = original_name(name)
    assert len(kept) == MAX_NAME and kept.endswith(".docx")
    assert name.startswith(kept[: -len(".docx")])
    kept.encode("utf-8").decode("utf-8")  # whole characters only


def test_a_long_name_without_an_extension_is_just_shortened():
    assert original_name("纪要" * 200) == ("纪要" * 200)[:MAX_NAME]
    assert original_name("a." + "b" * 300) == ("a." + "b" * 300)[:MAX_NAME]  # no real extension after the dot


def test_the_stored_name_keeps_its_extension(app, session):
    name = "项目结项报告" * 50 + ".pdf"
    with app.test_request_context():
        stored = store_upload(FileStorage(io.BytesIO(PDF_BYTES), filename=name))
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(StoredFile, stored.id).original_name
    assert kept.endswith(".pdf") and len(kept) == MAX_NAME


def test_the_download_name_is_shortened_to_whole_characters():
    assert safe_filename("报告" * 100 + ".pdf", "pdf") == "报告" * 40 + ".pdf"
    assert safe_filename("a" * 79 + " " + "b" * 10 + ".pdf", "pdf") == "a" * 79 + ".pdf"  # no trailing space
