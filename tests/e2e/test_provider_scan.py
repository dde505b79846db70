"""The provider's redeem page in a real headless Chromium (static/js/redeem.js): choosing a service puts its listed
price in the amount (never over an amount typed by hand); "Scan the code" opens the camera and reads the resident's
QR code into the code field. The camera is Chromium's fake capture device playing a Y4M video, made here, of the QR
code of a real one-time code (as the resident's phone shows it: segno, core.pdf.qr_svg_data_uri), alone or inside
a link; the provider then redeems it and the resident's balance goes down. Without a camera the page says so in
the user's language; without a camera API, or without JavaScript, there is no button and the code is typed."""

import io
import itertools
import re
from datetime import date

import pytest
import segno
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from accounts.enums import Role
from accounts.resident_models import ResidentProfile
from accounts.residents import ResidentData, submit_profile, transition_resident
from core.db import db
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.test_accessibility import SMALL_TARGETS, serious_violations
from tests.e2e.test_org_registration import log_in
from tests.factories import PASSWORD, make_user
from tests.orgs.helpers import approved_org, category, community, make_uscc
from tests.vouchers import helpers
from vouchers import issuance, redemption
from vouchers.models import VoucherService
from vouchers.redemption_models import Redemption

_serial = itertools.count(7_700_101)  # organisations' USCCs and residents' phones unlike the demo's
WIDTH, HEIGHT = 640, 480


def seed(app) -> dict:
    """A running programme, a provider with two services (¥30 and ¥80: none is preselected), and a verified resident
    who logs in (to show their code) holding 4 × ¥50."""
    with app.app_context(), app.test_request_context():
        n = next(_serial)
        officer, staff, manager = make_user(Role.OFFICER), make_user(Role.COMMUNITY_STAFF), make_user()
        org = approved_org(manager, officer, uscc=make_uscc("2", n), category_ids=[category("elderly").id])
        meals = helpers.service(org, manager, price_fen=3000)
        bath = helpers.service(org, manager, price_fen=8000)
        programme = helpers.running_programme(officer, name=f"扫码核销 {n}")
        user = make_user(Role.RESIDENT, phone=f"1391{n:07d}")
        id_number = helpers.id_number(date(1947, 6, 1))
        resident = submit_profile(user, ResidentData("周桂英", id_number, community("和平社区").id), actor=user)
        transition_resident(resident, "verified", actor=staff, card_number=id_number)
        issuance.issue_to_resident(programme, resident, actor=officer)
        db.session.commit()
        return {"manager": manager.username, "org": org.id, "meals": meals.id, "bath": bath.id,
                "resident_user": user.username, "resident": resident.id, "balance": spendable(resident)}


def spendable(resident) -> int:
    return sum(line.balance_fen for line in redemption.balance(resident))


def balance_of(app, resident_id: int) -> int:
    with app.app_context():
        return spendable(db.session.get(ResidentProfile, resident_id))


def residents_code(browser, base: str, scene: dict) -> tuple[str, bytes]:
    """The resident gets a one-time code on their phone: the code and a screenshot (PNG) of its QR code."""
    page = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
    log_in(page, base, scene["resident_user"], PASSWORD)
    page.goto(f"{base}/vouchers/me/code")
    page.locator("#make-code").click()
    expect(page.locator("#one-time-code")).to_have_text(re.compile(r"^\d{8}$"))
    code = page.locator("#one-time-code").inner_text().strip()
    shot = page.locator("img.voucher-qr").screenshot()
    page.context.close()
    return code, shot


def camera_video(path, png: bytes, frames: int = 5) -> None:
    """A Y4M video for Chromium's fake camera (4:2:0, full-range luma; grey: chroma all 128) of the picture, in
    the middle of a white 640x480 frame, as a phone screen held up to the camera."""
    picture = Image.open(io.BytesIO(png)).convert("L")
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(picture, ((WIDTH - picture.width) // 2, (HEIGHT - picture.height) // 2))
    chroma = b"\x80" * (WIDTH // 2 * HEIGHT // 2)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F25:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)


def qr_png(content: str) -> bytes:
    out = io.BytesIO()
    segno.make_qr(content).save(out, kind="png", scale=6, border=4)
    return out.getvalue()


def provider_page(browser_or_context, base: str, scene: dict, **context_options):
    context = browser_or_context.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                             **context_options)
    page = context.new_page()
    log_in(page, base, scene["manager"], PASSWORD)
    page.goto(f"{base}/vouchers/provider/{scene['org']}")
    return page


def test_choosing_a_service_fills_its_price_but_keeps_an_amount_typed_by_hand(live_server, live_app, browser):
    scene = seed(live_app)
    page = provider_page(browser, live_server, scene)
    amount, service = page.locator("#amount_fen"), page.locator("#service_id")
    expect(amount).to_have_value("")
    service.select_option(str(scene["meals"]))
    expect(amount).to_have_value("30.00")
    service.select_option(str(scene["bath"]))  # the amount was the previous price: it follows
    expect(amount).to_have_value("80.00")
    service.select_option("")  # no service: no price
    expect(amount).to_have_value("")
    service.select_option(str(scene["meals"]))
    amount.fill("25")  # typed by hand (less than the price): kept
    service.select_option(str(scene["bath"]))
    expect(amount).to_have_value("25")
    amount.fill("80")  # the same as the chosen service's price: as good as filled
    service.select_option(str(scene["meals"]))
    expect(amount).to_have_value("30.00")
    expect(page.locator(f"#service_id option[value='{scene['bath']}']")).to_contain_text("（¥80.00）")
    page.context.close()


@pytest.mark.parametrize("shown", ["phone", "link"])
def test_scanning_the_residents_qr_code_fills_the_code_and_the_provider_redeems(live_server, live_app, browser,
                                                                                tmp_path, shown):
    """phone: the QR code exactly as the resident's phone shows it; link: another system's QR code of a link that
    carries the code."""
    scene = seed(live_app)
    code, shot = residents_code(browser, live_server, scene)
    picture = shot if shown == "phone" else qr_png(f"https://gongzhi.example/v/2025?code={code}&lang=zh")
    video = tmp_path / "camera.y4m"
    camera_video(video, picture)
    camera = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=[
        *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    try:
        page = provider_page(camera, live_server, scene)
        page.locator("#service_id").select_option(str(scene["meals"]))
        scan = page.locator("#scan-code")
        expect(scan).to_have_text("扫码")
        scan.click()
        expect(page.locator("#code")).to_have_value(code, timeout=15_000)
        status = page.locator("#scan-status")
        expect(status).to_have_text(f"已读取核销码：{code}")
        expect(status).not_to_have_class("mt-2 mb-0 text-danger")
        expect(page.locator("#scan-view")).to_be_hidden()  # the camera preview is closed
        assert page.evaluate("navigator.mediaDevices && window.jsQR !== undefined")  # read by the vendored jsQR
        expect(page.locator("#amount_fen")).to_be_focused()  # the service was chosen: the amount is next
        expect(page.locator("#amount_fen")).to_have_value("30.00")
        page.locator("#redeem").click()
        expect(page.locator(".alert-success")).to_contain_text("¥30.00")
    finally:
        camera.close()
    assert balance_of(live_app, scene["resident"]) == scene["balance"] - 3000
    with live_app.app_context():
        done = db.session.scalar(select(Redemption).where(Redemption.resident_id == scene["resident"]))
        assert done.amount_fen == 3000 and done.service_id == scene["meals"]
        assert db.session.get(VoucherService, done.service_id).org_id == scene["org"]


def fits_a_phone(page) -> list[str]:
    return serious_violations(page) + [f"small target {t}" for t in page.evaluate(SMALL_TARGETS)]


def test_a_qr_code_without_a_code_is_not_taken_and_the_provider_can_stop(live_server, live_app, browser, tmp_path):
    scene = seed(live_app)
    video = tmp_path / "camera.y4m"
    camera_video(video, qr_png("https://gongzhi.example/about 20250101 20251231"))  # two 8-digit runs: no code
    camera = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=[
        *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    try:
        page = provider_page(camera, live_server, scene)
        page.locator("#scan-code").click()
        status = page.locator("#scan-status")
        expect(status).to_have_text("此二维码中没有8位核销码。请扫描居民的核销码，或手动输入。", timeout=15_000)
        expect(page.locator("#scan-view")).to_be_visible()  # still looking
        expect(page.locator("#scan-code")).to_be_hidden()
        assert page.locator("#code").input_value() == ""
        assert fits_a_phone(page) == []
        page.locator("#scan-stop").click()
        expect(page.locator("#scan-view")).to_be_hidden()
        expect(page.locator("#scan-code")).to_be_focused()
        expect(status).to_have_text("")
    finally:
        camera.close()


def test_without_a_camera_the_page_says_so_in_the_users_language(live_server, live_app, browser):
    scene = seed(live_app)
    page = provider_page(browser, live_server, scene, permissions=["camera"])  # allowed, but there is none
    page.locator("#scan-code").click()
    status = page.locator("#scan-status")
    expect(status).to_have_text("此设备上未找到摄像头：请手动输入核销码。")
    expect(status).to_have_class("mt-2 mb-0 text-danger")
    expect(page.locator("#scan-view")).to_be_hidden()
    expect(page.locator("#scan-code")).to_be_visible()  # to try again
    assert fits_a_phone(page) == []
    page.goto(f"{live_server}/lang/en?next=/vouchers/provider/{scene['org']}")
    page.locator("#scan-code").click()
    expect(status).to_have_text("No camera was found on this device: please type the code.")
    page.context.close()


def test_without_a_camera_api_or_javascript_the_code_is_typed(live_server, live_app, browser):
    scene = seed(live_app)
    no_api = browser.new_context(locale="zh-CN")
    no_api.add_init_script("Object.defineProperty(navigator, 'mediaDevices', {value: undefined})")
    page = no_api.new_page()
    log_in(page, live_server, scene["manager"], PASSWORD)
    page.goto(f"{live_server}/vouchers/provider/{scene['org']}")
    page.locator("#service_id").select_option(str(scene["bath"]))
    expect(page.locator("#amount_fen")).to_have_value("80.00")  # the rest of the script runs
    expect(page.locator("#scan-code")).to_be_hidden()
    no_api.close()

    code, _shot = residents_code(browser, live_server, scene)
    page = provider_page(browser, live_server, scene, java_script_enabled=False)
    expect(page.locator("#scan-code")).to_be_hidden()
    page.locator("#code").fill(code)
    page.locator("#service_id").select_option(str(scene["bath"]))
    page.locator("#amount_fen").fill("50")
    page.locator("#redeem").click()
    expect(page.locator(".alert-success")).to_contain_text("¥50.00")
    page.context.close()
    assert balance_of(live_app, scene["resident"]) == scene["balance"] - 5000
