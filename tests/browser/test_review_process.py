"""Issue 6 in a real browser: an employer's online submission → marked incomplete → 一次性告知书 →
resubmission into the same case → 稽核 request → outcome → approval (standard 6.2.1, 6.3, 6.4)."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_main_flow import (apply_online, assert_status, field, new_application, open_from_queue,
                                          sign_in, submit)

pytestmark = pytest.mark.browser


def test_incomplete_resubmitted_audited_and_approved(page, console):
    sign_in(page, "qiye")
    number, case_url = apply_online(page, new_application())

    # 6.3.1 b: the initial reviewer marks the wages as defective and says exactly what is wanted
    sign_in(page, "chushen")
    open_from_queue(page, "初审待办", number)
    page.get_by_label("线上材料不完整").check()
    page.get_by_label("受伤前缴费工资", exact=True).check()
    page.get_by_label("受伤前缴费工资的具体要求").fill("请按征缴记录填写受伤前第1个月的缴费工资")
    submit(page, "提交初审结论")
    assert_status(page, "材料不完整，待补正后重新提交")

    # the employer sees the notice, downloads it, corrects and resubmits into the same case
    sign_in(page, "qiye")
    page.goto(case_url)
    assert "请按征缴记录填写受伤前第1个月的缴费工资" in page.locator("main").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("一次性告知书")).click()
    with open(download.value.path(), "rb") as f:
        assert f.read(5) == b"%PDF-"
    page.get_by_role("link", name="补正并重新提交").click()
    page.wait_for_url(re.compile(r"/resubmit$"))
    assert field(page, "银行账号").input_value() == "6222020200112233445"  # the form comes back filled in
    field(page, "受伤前第1个月").fill("6100.00")
    submit(page, "重新提交")
    assert number in page.locator("main").inner_text()
    assert page.locator(".case-status").inner_text().strip() == "已受理，待初审"

    # 6.3.2 b: compliance in doubt → consult the second reviewer → 稽核 request
    sign_in(page, "chushen")
    open_from_queue(page, "初审待办", number)
    page.get_by_label("提出稽核申请").check()
    page.get_by_label(re.compile(r"^原因或说明")).fill("第1个月缴费工资与征缴记录不一致，需稽核")
    page.get_by_label("复核岗确认人").select_option(label="赵复核（演示）")
    submit(page, "提交初审结论")
    assert_status(page, "稽核中")

    sign_in(page, "jihe")
    open_from_queue(page, "稽核待办", number)
    page.get_by_label("稽核结论文书编号").fill("昌社稽〔2026〕12号")
    page.get_by_label("稽核结论", exact=True).fill("经稽核，缴费工资属实")
    submit(page, "提交稽核结果，退回初审")
    assert_status(page, "已受理，待初审")

    sign_in(page, "chushen")
    open_from_queue(page, "初审待办", number)
    page.get_by_label("审核通过，按上述测算核定待遇").check()
    page.get_by_label(re.compile(r"^原因或说明")).fill("稽核结论已核实，工资属实")
    submit(page, "提交初审结论")
    assert_status(page, "初审通过，待复核")

    sign_in(page, "fuhe")
    open_from_queue(page, "复核待办", number)
    page.get_by_label("复核通过，签发工伤保险待遇核定单").check()
    submit(page, "提交复核结论")
    assert_status(page, "复核通过，已核定")
    text = page.locator("main").inner_text()
    assert "工伤保险待遇核定单" in text and "办结时限记录" in text and "材料不完整" in text
    assert not console.errors, console.errors
