"""Issue 3 "Proof" in a real Chromium: the counter (受理岗, standard 6.2.2) for the 一次性工伤医疗补助金.
`shouli` registers a proxy's application through the form, scans only some materials (one through the file
chooser, with a Chinese file name, the upload progress shown), and issues the 一次性告知书 listing every missing
or defective item (6.2.2 b); on the return visit the same record continues: the rest is scanned, the case is
accepted with the 社会保险业务受理单 (6.2.2 a) and the applicant-signed scan of it is attached. Then 初审 (6.3)
and a different 复核 user (6.4) approve, and the 核定单 is issued. The counter page is also checked on a phone."""

from __future__ import annotations

import re
import subprocess
import uuid

import pytest

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_main_flow import assert_status, field, nav, open_from_queue, sign_in, submit

pytestmark = pytest.mark.browser

SHOTS = "/tmp"
# big enough that the browser reports upload progress while sending it; the server checks the content (%PDF-)
SCAN_PDF = b"%PDF-1.4\n% a scan\n" + b"0" * (3 * 1024 * 1024) + b"\n%%EOF\n"
PDF = b"%PDF-1.4\n% a scan\n" + b"0" * 2000 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 500
JPEG = b"\xff\xd8\xff\xe0" + b"1" * 100

IDENTITY = "工伤职工社会保障卡或其他有效身份证件（居民身份证、护照、港澳台居民居住证、外国人永久居留身份证）"
TERMINATION = "解除或终止劳动合同证明，或劳动人事争议仲裁文书、民事调解文书"
PRINCIPAL_COPY = "委托人（工伤职工）有效身份证件复印件"
PROXY_ID = "受委托人有效身份证件"
POWER_OF_ATTORNEY = "授权委托书"
DEFECT = "证明未加盖原用人单位公章，请提供加盖公章的原件"


def counter_values() -> dict[str, str]:
    """tests/casework/test_materials.py COUNTER as a proxy's application: grade 8, contract expired (art. 37),
    terminated on 2025-10-31 (the demo months table is in force). Its own decision numbers: one 工伤认定 is
    paid once, and this one is not in the demo registers, so the initial review's checks flag it."""
    tag = uuid.uuid4().hex[:6]
    return {
        "申请人类型": "proxy", "联系电话": "13912345678", "受委托人姓名": "李建国", "受委托人证件类型": "居民身份证",
        "受委托人证件号码": "652301198505050014", "证件类型": "居民身份证", "证件号码": "652301199003075216",
        "职工姓名": "买买提·吐尔逊", "单位名称": "昌吉市天山建材有限责任公司（演示）",
        "统一社会信用代码": "91652301MA7ABCDE9F", "参保所在县市": "652301", "受伤日期": "2025-03-10",
        "工伤认定决定书编号": f"昌人社工认〔2025〕{tag}号", "工伤认定决定日期": "2025-05-20",
        "劳动能力鉴定结论书编号": f"昌劳鉴〔2025〕{tag}号", "劳动能力鉴定结论日期": "2025-09-15", "伤残等级": "8",
        "解除或终止日期": "2025-10-31", "解除或终止原因": "contract-expired", "开户银行": "中国工商银行昌吉分行",
        "银行账号": "6222020200112233445",
    }


SELECTS = {"申请人类型", "受委托人证件类型", "证件类型", "参保所在县市", "伤残等级", "解除或终止原因"}


def fill_counter_form(page, values: dict[str, str]) -> None:
    for label, value in values.items():
        control = field(page, label)
        if label in SELECTS:
            control.select_option(value)
        else:
            control.fill(value)


def item_of(page, name: str):
    """One entry of the materials checklist, found by its heading (the catalogue's name of the material)."""
    return page.locator("ol.materials > li").filter(has=page.get_by_role("heading", name=name, exact=True))


def press_upload(page, form_scope, button: str = "上传") -> None:
    """The upload form posts through htmx (no navigation): wait for its answer and the swapped-in page."""
    with page.expect_response(lambda r: r.url.endswith("/upload") or r.url.endswith("/signed-receipt")):
        form_scope.get_by_role("button", name=button, exact=True).first.click()
    page.wait_for_load_state()


def upload(page, item_name: str, files: list[tuple[str, bytes, str]]) -> None:
    item = item_of(page, item_name)
    item.locator("input[type=file]").last.set_input_files(
        [{"name": n, "mimeType": t, "buffer": b} for n, b, t in files])
    press_upload(page, item.locator("form.upload").last)
    for n, _, _ in files:
        item_of(page, item_name).get_by_role("link", name=n, exact=True).wait_for()


def files_listed(page, item_name: str) -> list[str]:
    return [t.strip() for t in item_of(page, item_name).locator("ul.files > li > a").all_inner_texts()]


def pdf_text(download, tmp_path) -> str:
    """The downloaded document: a PDF, and its text without whitespace (pdftotext breaks lines anywhere)."""
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.read_bytes()[:5] == b"%PDF-", download.suggested_filename
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(out.split())


def download_document(page, title: str, tmp_path) -> tuple[str, str]:
    """Download the document whose link in the 文书 section reads `title（number）PDF`. Returns (number, text)."""
    link = page.locator("section").filter(has=page.get_by_role("heading", name="文书", exact=True)) \
        .get_by_role("link", name=re.compile(rf"^{re.escape(title)}（[A-Z]{{2}}[0-9A-Z]+）PDF$"))
    assert link.count() == 1, page.locator("main").inner_text()
    number = re.search(r"（([A-Z0-9]+)）", link.inner_text()).group(1)
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename.endswith(".pdf"), info.value.suggested_filename
    return number, pdf_text(info.value, tmp_path)


def fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (width, page.url)


def record_progress(page) -> None:
    """Note what the upload component shows at each progress event. Added through the DevTools protocol after
    static/js/upload-progress.js's own listener, so it sees the bar and text that script has just set. Kept in
    sessionStorage: after a successful upload the server answers htmx with HX-Redirect, a new page load."""
    page.evaluate("""() => {
        sessionStorage.setItem("progress", "[]");
        document.addEventListener("htmx:xhr:progress", (evt) => {
            const form = evt.target.closest("form[data-upload]");
            const bar = form.querySelector("progress");
            const seen = JSON.parse(sessionStorage.getItem("progress"));
            seen.push({text: form.querySelector("[data-progress-text]").textContent, shown: !bar.hidden,
                       value: bar.value});
            sessionStorage.setItem("progress", JSON.stringify(seen));
        });
    }""")


def test_counter_notice_then_receipt_signed_scan_and_approval(page, console, tmp_path):
    # the counter's own entry: 现场受理 → 新建现场申请
    sign_in(page, "shouli")
    with page.expect_navigation():
        nav(page, "现场受理").click()
    assert page.get_by_role("heading", level=1).inner_text() == "现场受理"
    page.get_by_role("link", name="新建现场申请（一次性工伤医疗补助金）").click()
    page.wait_for_url(re.compile(r"/staff/reception/new$"))
    page.set_viewport_size(PHONE)
    fits_the_phone(page)
    page.screenshot(path=f"{SHOTS}/browser_reception_new_phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)

    values = counter_values()
    fill_counter_form(page, values)
    submit(page, "登记并进入材料核对")
    page.wait_for_url(re.compile(r"/staff/reception/cases/[^/]+$"))
    case_url = page.url
    assert page.get_by_role("heading", level=1).inner_text() == "现场受理：一次性工伤医疗补助金"
    assert_status(page, "现场受理，材料收取中")
    facts = page.locator("dl.facts").inner_text()
    assert "李建国" in facts and "8级" in facts and "2025年10月31日" in facts and "劳动合同期满终止" in facts
    # a proxy brings the power of attorney and both IDs besides a) and b) (6.1.2.2 c)
    headings = page.locator("ol.materials > li > h3").all_inner_texts()
    assert headings == [IDENTITY, TERMINATION, PRINCIPAL_COPY, PROXY_ID, POWER_OF_ATTORNEY], headings
    assert page.locator("ol.materials").get_by_text("尚未上传。").count() == 5

    # first visit: the identity document through the file chooser, its Chinese name kept; progress is shown
    scan = tmp_path / "工伤认定决定书（扫描件）.pdf"
    scan.write_bytes(SCAN_PDF)
    record_progress(page)
    identity = item_of(page, IDENTITY)
    with page.expect_file_chooser() as chooser:
        identity.locator("input[type=file]").click()
    assert chooser.value.is_multiple()  # several files per item
    chooser.value.set_files(scan)
    press_upload(page, identity.locator("form.upload"))
    link = item_of(page, IDENTITY).get_by_role("link", name=scan.name, exact=True)
    link.wait_for()
    progress = page.evaluate("JSON.parse(sessionStorage.getItem('progress'))")
    assert progress, "no upload progress was reported"
    assert all(p["shown"] for p in progress), progress
    assert progress[-1]["text"] == "上传完成，正在校验和保存…" and progress[-1]["value"] == 100, progress
    assert "KB" in item_of(page, IDENTITY).locator("ul.files").inner_text()
    # the file can be removed before acceptance: the link-styled 删除 button is visible (not white on white)
    remove = page.get_by_role("button", name=f"删除 {scan.name}")
    assert remove.is_visible()
    assert remove.evaluate("b => getComputedStyle(b).color") != remove.evaluate(
        "b => getComputedStyle(document.body).backgroundColor")
    # the scan is served back to the hall's staff as stored, under its original name
    r = page.request.get(link.get_attribute("href"))
    assert r.ok and r.body() == SCAN_PDF
    assert "filename*=UTF-8''" in r.headers["content-disposition"]

    # two files for one item at once
    upload(page, TERMINATION, [("解除劳动合同证明-1.png", PNG, "image/png"),
                               ("解除劳动合同证明-2.pdf", PDF, "application/pdf")])
    assert files_listed(page, TERMINATION) == ["解除劳动合同证明-1.png", "解除劳动合同证明-2.pdf"]

    # a file that claims to be a PDF but is not: the message beside that item's upload field, nothing listed
    proxy = item_of(page, PROXY_ID)
    proxy.locator("input[type=file]").set_input_files(
        [{"name": "受委托人身份证.pdf", "mimeType": "application/pdf", "buffer": b"PK\x03\x04 a zip"}])
    press_upload(page, proxy.locator("form.upload"))
    error = item_of(page, PROXY_ID).locator(".error-message")
    error.wait_for()
    assert "不是 PDF、JPEG 或 PNG 文件" in error.inner_text() and "受委托人身份证.pdf" in error.inner_text()
    assert item_of(page, PROXY_ID).locator("input[type=file]").get_attribute("aria-invalid") == "true"
    assert files_listed(page, PROXY_ID) == []
    page.set_viewport_size(PHONE)
    fits_the_phone(page)
    page.screenshot(path=f"{SHOTS}/browser_reception_case_phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)

    # accepting with items missing is refused; nothing is issued
    page.locator("#received-identity").check()
    page.locator("#wanted_termination").fill(DEFECT)
    submit(page, "材料齐全，受理并打印受理单")
    summary = page.locator("#error-summary")
    assert "不能受理" in summary.inner_text(), page.locator("main").inner_text()
    assert_status(page, "现场受理，材料收取中")
    assert page.locator("#received-identity").is_checked()  # what was ticked and typed is kept
    assert page.locator("#wanted_termination").input_value() == DEFECT
    assert page.get_by_text("暂无文书。").is_visible()

    # 6.2.2 b: the one-time notice, listing every missing or defective item with what is wanted
    submit(page, "材料不齐，出具一次性告知书")
    assert page.url == case_url
    assert_status(page, "材料不齐，已一次性告知，待补齐")
    visits = page.locator("section").filter(has=page.get_by_role("heading", name="来访记录")).locator("li")
    assert visits.count() == 1 and "出具一次性告知书（GZ" in visits.first.inner_text()
    assert "列明 4 项" in visits.first.inner_text()
    notice_number, text = download_document(page, "一次性告知书", tmp_path)
    assert "一次性告知书" in text and notice_number in text and "以下4项" in text
    for wanted in (DEFECT, PRINCIPAL_COPY, PROXY_ID, "请提供授权委托书原件1份"):
        assert wanted in text, (wanted, text)
    assert "申请人签字" in text
    assert page.get_by_role("heading", name="材料清单与扫描件").is_visible()  # not accepted: still open

    # the return visit: the case waits in the counter's list; the same record continues
    with page.expect_navigation():
        nav(page, "现场受理").click()
    page.get_by_role("link", name=re.compile(r"^买\*")).first.click()
    page.wait_for_url(case_url)
    assert page.locator("#received-identity").is_checked()  # from the last visit's check
    assert page.locator("#wanted_termination").input_value() == DEFECT
    assert files_listed(page, IDENTITY) == [scan.name]
    # the unstamped proof is replaced by the stamped one before acceptance
    second = item_of(page, TERMINATION).locator("ul.files > li").filter(has_text="解除劳动合同证明-2.pdf")
    second.locator("summary").click()
    second.locator("input[type=file]").set_input_files(
        [{"name": "解除劳动合同证明（盖章）.pdf", "mimeType": "application/pdf", "buffer": PDF + b"stamped"}])
    press_upload(page, second, button="替换")
    item_of(page, TERMINATION).get_by_role("link", name="解除劳动合同证明（盖章）.pdf").wait_for()
    assert files_listed(page, TERMINATION) == ["解除劳动合同证明-1.png", "解除劳动合同证明（盖章）.pdf"]
    upload(page, PRINCIPAL_COPY, [("职工身份证复印件.png", PNG, "image/png")])
    upload(page, PROXY_ID, [("受委托人身份证.jpg", JPEG, "image/jpeg")])
    upload(page, POWER_OF_ATTORNEY, [("授权委托书.pdf", PDF, "application/pdf")])
    assert item_of(page, PROXY_ID).locator(".error-message").count() == 0  # the earlier refusal is gone

    for code in ("identity", "termination", "principal_id_copy", "proxy_id", "power_of_attorney"):
        page.locator(f"#received-{code}").check()
    page.locator("#wanted_termination").fill("")
    assert "已上传 2 个文件" in page.locator("label[for=received-termination]").inner_text()
    submit(page, "材料齐全，受理并打印受理单")

    # 6.2.2 a: accepted — the case number, the due date, the 受理单 listing the catalogue's materials
    assert page.url == case_url
    assert_status(page, "已受理，待初审")
    heading = page.get_by_role("heading", level=1).inner_text()
    number = re.search(r"（(SL\d{4}652301\d{5})）", heading).group(1)
    due = page.locator("dl.facts").inner_text()
    assert re.search(r"承诺办结日期\s*\d{4}年\d{1,2}月\d{1,2}日", due), due
    assert page.get_by_role("heading", name="材料清单与扫描件").count() == 0  # the materials are fixed now
    assert page.locator("ol.materials form.upload").count() == 0
    assert page.get_by_role("button", name="删除", exact=False).count() == 0
    received = page.locator("section").filter(has=page.get_by_role("heading", name="已收取的材料")).inner_text()
    for name in (scan.name, "解除劳动合同证明（盖章）.pdf", "职工身份证复印件.png", "受委托人身份证.jpg", "授权委托书.pdf"):
        assert name in received, name
    assert "解除劳动合同证明-2.pdf" not in received
    visits = page.locator("section").filter(has=page.get_by_role("heading", name="来访记录")).locator("li")
    assert visits.count() == 2 and "材料齐全，已受理（SD" in visits.nth(1).inner_text()
    receipt_number, text = download_document(page, "社会保险业务受理单", tmp_path)
    assert "社会保险业务受理单" in text and receipt_number in text and number in text and "现场办理" in text
    for name in ("工伤职工社会保障卡或其他有效身份证件", "解除或终止劳动合同证明", PRINCIPAL_COPY, PROXY_ID,
                 POWER_OF_ATTORNEY):
        assert name in text, (name, text)
    assert "劳动合同期满终止" in text
    # the notice of the first visit stays on record beside the receipt
    assert page.get_by_role("link", name=re.compile(rf"^一次性告知书（{notice_number}）")).count() == 1

    # the applicant signs the printed 受理单; its scan is attached to the case
    signed = page.locator("section").filter(has=page.get_by_role("heading", name="申请人签字的受理单"))
    assert "尚未上传" in signed.inner_text()
    signed.get_by_label("上传签字受理单扫描件", exact=True).set_input_files(
        [{"name": "受理单（申请人签字）.pdf", "mimeType": "application/pdf", "buffer": PDF + b"signed"}])
    press_upload(page, signed)
    signed = page.locator("section").filter(has=page.get_by_role("heading", name="申请人签字的受理单"))
    signed.get_by_role("link", name="受理单（申请人签字）.pdf").wait_for()
    assert "尚未上传" not in signed.inner_text() and "上传于" in signed.inner_text()

    # 6.3: the initial reviewer finds it in the queue with the lump sum: 13 months (grade 8, demo table) × W
    sign_in(page, "chushen")
    open_from_queue(page, "初审待办", number)
    assert_status(page, "已受理，待初审")
    assert "47,140.50" in page.locator("section.assessment").inner_text()
    page.get_by_label(re.compile("^审核通过，按上述测算核定待遇")).check()
    if page.locator("section.compliance .notice.warn").count():
        # not in the demo registers: approving anyway needs the reviewer's explanation (6.3.2)
        page.get_by_label(re.compile(r"^原因或说明")).fill("已核对工伤认定决定书、鉴定结论和解除劳动合同证明原件，信息一致。")
    submit(page, "提交初审结论")
    assert_status(page, "初审通过，待复核")
    # the materials and scans are one link away for the reviewers, read only
    with page.expect_navigation():
        page.get_by_role("link", name="现场受理的材料清单、扫描件和来访记录").click()
    assert "受理单（申请人签字）.pdf" in page.locator("main").inner_text()
    assert page.get_by_role("button", name="上传", exact=True).count() == 0

    # 6.4: a different person approves → the 核定单
    sign_in(page, "fuhe")
    open_from_queue(page, "复核待办", number)
    assert_status(page, "初审通过，待复核")
    page.get_by_label("复核通过，签发工伤保险待遇核定单").check()
    submit(page, "提交复核结论")
    assert_status(page, "复核通过，已核定")
    link = page.get_by_role("link", name=re.compile(r"工伤保险待遇核定单（HD\d{4}652301\d{5}）"))
    assert link.count() == 1
    with page.expect_download() as info:
        link.click()
    text = pdf_text(info.value, tmp_path)
    # it shows the termination and the months table used (RULES.md 2, 4)
    assert "2025年10月31日" in text and "劳动合同期满终止" in text and "47,140.50" in text
    assert "一次性工伤医疗补助金月数表" in text
    assert console.errors == []
