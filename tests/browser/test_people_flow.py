"""Issue 7 in a real Chromium on a phone-sized screen: a worker activates the account with the code of the
activation slip, applies online for the 一次性工伤医疗补助金 with uploads (files kept while the form is corrected),
is told by an in-portal message that the submission is incomplete, corrects it and resubmits into the same case.
And the accessibility check: axe-core (vendored, tests/browser/vendor/README.md) run in the page on the sign-in,
apply and my-cases pages finds no serious or critical violation."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tests.portal.test_people import PASSWORD, issue_code, new_id

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
PDF = b"%PDF-1.4\n% a scan\n" + b"0" * 2000 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 500


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations of the page as shown. The script is evaluated through the
    DevTools protocol (not a <script> tag), so the page's CSP stays as strict as in production."""
    source = AXE.read_bytes()
    assert hashlib.sha256(source).hexdigest() == AXE_SHA256, "vendored axe-core changed"
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(source.decode("utf-8"))
    found = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                        targets: v.nodes.map(n => n.target.join(' '))}));
    }""")
    return [v for v in found if v["impact"] in ("serious", "critical")]


def fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), page.url


def submit(page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()


def upload(page, item_name: str, files: list[tuple[str, bytes, str]]) -> None:
    """Through the upload component: choose the files, press 上传 and wait until htmx swapped the page in."""
    item = page.locator("ol.materials > li").filter(has=page.get_by_role("heading", name=item_name, exact=True))
    item.locator("input[type=file]").first.set_input_files(
        [{"name": n, "mimeType": t, "buffer": b} for n, b, t in files])
    with page.expect_response(lambda r: r.url.endswith("/upload")):
        item.get_by_role("button", name="上传", exact=True).first.click()
    for n, _, _ in files:
        page.get_by_role("link", name=n).first.wait_for()


def test_worker_applies_online_on_a_phone_with_uploads_and_resubmits(phone_page, app, db, cheap_hasher):
    from litestar.testing import TestClient

    from tests.portal.helpers import login, post
    from tests.portal.test_review_process import version_of

    page = phone_page
    id_number = new_id()
    code = issue_code(db, cheap_hasher, id_number, "阿依古丽·测试")

    # the sign-in page says how a forgotten password is reset, and links to activation
    page.goto("/login")
    assert "忘记密码" in page.locator("main").inner_text() and "经办大厅" in page.locator("main").inner_text()
    assert axe_violations(page) == []
    # the check can fail: an unlabelled field is a critical violation
    page.evaluate("document.querySelector('main').appendChild(document.createElement('input'))")
    assert "label" in [v["id"] for v in axe_violations(page)]
    page.reload()
    page.get_by_role("link", name="激活个人账户").click()
    page.get_by_label("证件号码").fill(id_number)
    page.get_by_label("激活码").fill(code[:4] + "-" + code[4:])
    page.get_by_label("设置密码").fill(PASSWORD)
    page.get_by_label("再次输入密码").fill(PASSWORD)
    submit(page, "激活")
    assert "账户已激活" in page.locator("main").inner_text()
    page.get_by_label("用户名").fill(id_number)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    submit(page, "登录")
    assert page.url.endswith("/me/cases")
    fits_the_phone(page)
    assert axe_violations(page) == []

    # step 1: the form, with a mistake — saved as a draft, the message beside the field, the typing kept
    page.get_by_role("link", name="在线申请一次性工伤医疗补助金").click()
    assert axe_violations(page) == []
    fill = {"联系电话": "13912345678", "单位名称": "昌吉市天山建材有限责任公司（演示）",
            "统一社会信用代码": "91652301MA7ABCDE9F", "受伤日期": "2025-03-10", "工伤认定决定书编号": "昌人社工认〔2025〕7001号",
            "工伤认定决定日期": "2025-05-20", "劳动能力鉴定结论书编号": "昌劳鉴〔2025〕7001号",
            "劳动能力鉴定结论日期": "2025-09-15", "解除或终止日期": "2025-10-31", "开户银行": "中国工商银行昌吉分行",
            "银行账号": "6222-0202"}
    for label, value in fill.items():
        page.get_by_label(re.compile("^" + re.escape(label))).fill(value)
    page.get_by_label(re.compile("^女职工原法定退休年龄")).select_option("woman-55")
    page.get_by_label(re.compile("^参保所在县市")).select_option("652301")
    page.get_by_label(re.compile("^伤残等级")).select_option("8")
    page.get_by_label(re.compile("^解除或终止原因")).select_option("contract-expired")
    submit(page, "保存并继续上传材料")
    main = page.locator("main").inner_text()
    assert "已保存为草稿" in main and "银行账号应为8至32位数字" in main
    assert page.get_by_label(re.compile("^工伤认定决定书编号")).input_value() == "昌人社工认〔2025〕7001号"
    fits_the_phone(page)
    page.get_by_label(re.compile("^银行账号")).fill("6222020200112233445")
    submit(page, "保存并继续上传材料")
    assert page.url.endswith("/materials")

    # step 2: uploads — several files for one item, one for the other
    upload(page, "工伤职工社会保障卡或其他有效身份证件（居民身份证、护照、港澳台居民居住证、外国人永久居留身份证）",
           [("身份证正面.png", PNG, "image/png"), ("身份证反面.png", PNG, "image/png")])
    fits_the_phone(page)
    # back to step 1 to correct the phone number: the files stay
    page.get_by_role("link", name="返回第 1 步修改填写的信息").click()
    page.get_by_label(re.compile("^联系电话")).fill("13800001111")
    submit(page, "保存并继续上传材料")
    assert page.get_by_role("link", name="身份证反面.png").is_visible()
    upload(page, "解除或终止劳动合同证明，或劳动人事争议仲裁文书、民事调解文书",
           [("解除劳动合同证明.pdf", PDF, "application/pdf")])
    assert axe_violations(page) == []
    submit(page, "提交申请")
    assert "申请已受理" in page.locator("main").inner_text()
    number = page.locator(".case-number").inner_text()
    public_id = page.url.split("/me/cases/")[1].split("?")[0]
    assert page.get_by_role("link", name=re.compile("受理回执")).is_visible()

    # initial review finds it incomplete (through the app, as 初审 would)
    with TestClient(app, base_url="http://testserver.local") as staff:
        login(staff, "chushen")
        url = f"/staff/cases/{public_id}"
        r = post(staff, f"{url}/initial-review", {
            "decision": "incomplete", "version": version_of(staff, url), "defect": ["bank"],
            "wanted_bank": "请提供职工本人社会保障卡关联的银行账号"}, follow_redirects=False)
        assert r.status_code == 303, r.text[:1000]

    # the message box tells the worker; the correction goes into the same case
    page.goto("/me/cases")
    assert page.get_by_role("link", name=re.compile("^消息")).inner_text().strip() != "消息"
    page.get_by_role("link", name=re.compile("^消息")).click()
    assert "请提供职工本人社会保障卡关联的银行账号" in page.locator("main").inner_text()
    page.get_by_role("link", name="查看申报").first.click()
    assert axe_violations(page) == []
    page.get_by_role("link", name="补正并重新提交").click()
    page.get_by_label(re.compile("^银行账号")).fill("6222020200999988887")
    submit(page, "保存并继续上传材料")
    upload(page, "解除或终止劳动合同证明，或劳动人事争议仲裁文书、民事调解文书",
           [("解除劳动合同证明（补充）.pdf", PDF, "application/pdf")])
    submit(page, "重新提交")
    assert "申请已受理" in page.locator("main").inner_text()
    assert page.locator(".case-number").inner_text() == number  # the same case
    assert "补正后重新提交，系统受理" in page.locator("main").inner_text()
    fits_the_phone(page)
