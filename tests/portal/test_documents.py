"""Issued documents rendered for real (WeasyPrint in the process pool) and inspected with poppler and zbar.

What is checked is what an applicant or an auditor would see: the text layer (every field of DOCUMENTS.md's
核定单 list next to its value), embedded CJK fonts, and a QR code that scans back to the verification URL.
"""

from __future__ import annotations

import copy
import os
import re
import signal
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from portal.documents import DocumentRenderer, qr_svg_data_uri, render_html
from portal.documents.samples import (
    SAMPLE_APPROVAL_CONTEXT,
    SAMPLE_APPROVAL_CONTEXT_GRADE4,
    SAMPLE_RECEIPT_CONTEXT,
)

APPROVAL = "documents/approval_form.html"
RECEIPT = "documents/online_receipt.html"
DEMO_BANNER = "演示参数，非正式标准"


def _tool(name: str) -> str:
    # Fail rather than skip: without these tools nothing here proves the PDFs are right.
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: install Debian poppler-utils and zbar-tools")
    return path


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=60).stdout


def _squash(text: str) -> str:
    # pdftotext inserts spaces inside letter-spaced words and between cells; compare without whitespace.
    return re.sub(r"\s+", "", text)


def pdf_text(pdf: Path, mode: str = "-layout") -> str:
    return _run(_tool("pdftotext"), mode, "-enc", "UTF-8", str(pdf), "-")


def layout_lines(pdf: Path) -> list[str]:
    """Each printed line of the -layout text, whitespace removed: a table row's cells end up on one line."""
    return [_squash(line) for line in pdf_text(pdf).splitlines() if line.strip()]


def assert_on_one_line(lines: list[str], label: str, value: str) -> None:
    """The value is printed right after its label (the label cell and the value cell of one row)."""
    wanted = _squash(label) + _squash(value)
    assert any(wanted in line for line in lines), f"{label!r} is not followed by {value!r} in the PDF text"


def decode_qr(pdf: Path, tmp_path: Path, dpi: int = 150) -> str:
    prefix = tmp_path / f"page-{pdf.stem}-{dpi}"
    _run(_tool("pdftoppm"), "-r", str(dpi), "-png", "-f", "1", "-l", "1", str(pdf), str(prefix))
    (png,) = tmp_path.glob(f"{prefix.name}*.png")
    # zbarimg complains about D-Bus on stderr on these machines; only stdout matters.
    return _run(_tool("zbarimg"), "--raw", "-q", str(png)).strip()


@pytest.fixture(scope="module")
def renderer():
    documents = DocumentRenderer(max_workers=1, max_tasks_per_child=50)
    documents.start()
    yield documents
    documents.close()


@pytest.fixture(scope="module")
def rendered(renderer, tmp_path_factory) -> dict[str, Path]:
    """The PDFs of the sample contexts (and the approval form without the demo flag), rendered once."""
    out = tmp_path_factory.mktemp("documents")
    not_demo = {**copy.deepcopy(SAMPLE_APPROVAL_CONTEXT), "demo": False}
    jobs = {
        "approval": (APPROVAL, SAMPLE_APPROVAL_CONTEXT),
        "approval_not_demo": (APPROVAL, not_demo),
        "approval_grade4": (APPROVAL, SAMPLE_APPROVAL_CONTEXT_GRADE4),
        "receipt": (RECEIPT, SAMPLE_RECEIPT_CONTEXT),
    }
    paths = {}
    for key, (template, context) in jobs.items():
        pdf = renderer.render(template, context)
        assert pdf.startswith(b"%PDF-")
        paths[key] = out / f"{key}.pdf"
        paths[key].write_bytes(pdf)
    return paths


def test_approval_form_prints_every_field_next_to_its_label(rendered):
    c = SAMPLE_APPROVAL_CONTEXT
    lines = layout_lines(rendered["approval"])
    pairs = [
        ("核定编号：", c["number"]),
        ("核定日期：", c["issued_on"]),
        ("职工姓名", c["worker"]["name"]),
        ("性别", c["worker"]["sex"]),
        ("公民身份号码", c["worker"]["id_number"]),  # in full: the form goes to the employer and the worker
        ("出生日期", c["worker"]["birth_date"]),
        ("用人单位名称", c["employer"]["name"]),
        ("统一社会信用代码", c["employer"]["uscc"]),
        ("受伤日期", c["injury_date"]),
        ("工伤认定决定书编号", c["recognition"]["number"]),
        ("认定日期", c["recognition"]["date"]),
        ("鉴定结论书编号", c["appraisal"]["number"]),
        ("鉴定日期", c["appraisal"]["date"]),
        ("伤残等级", "五级"),
        ("护理等级", c["appraisal"]["care_level"]),
        ("护理等级鉴定日期", c["appraisal"]["care_date"]),
        ("劳动关系解除/终止日期", c["termination"]["date"]),
        ("解除/终止类型", c["termination"]["kind_label"]),
        ("平均月缴费工资", c["personal_wage"]["raw_average"] + "元"),
        ("计算月数", f"受伤前{c['personal_wage']['months']}个月"),
        ("职工月平均工资", c["personal_wage"]["average_wage"] + "元"),
        ("下限（60%）", c["personal_wage"]["floor"] + "元"),
        ("上限（300%）", c["personal_wage"]["cap"] + "元"),
        ("核定本人工资", c["personal_wage"]["result"] + "元"),
        ("一次性待遇合计（工伤保险基金支付）", c["total_lump_sums"]["amount"] + c["total_lump_sums"]["capitals"]),
        ("按月待遇首月合计（含最低工资补差）", c["first_month_total"]["amount"] + c["first_month_total"]["capitals"]),
        ("开户银行", c["bank"]["name"]),
        ("银行账号", c["bank"]["account_masked"]),
        ("法定退休年龄到达月份", c["retirement_month"]),
        ("初审人", c["initial_reviewer"]["name"]),
        ("初审日期", c["initial_reviewer"]["date"]),
        ("复核人", c["second_reviewer"]["name"]),
        ("复核日期", c["second_reviewer"]["date"]),
    ]
    for label, value in pairs:
        assert_on_one_line(lines, label, value)

    text = _squash(pdf_text(rendered["approval"]))
    for label in ("本人工资核定", "待遇核定明细", "计发标准", "计算公式", "金额大写", "支付主体", "起始月份",
                  "采用口径", "核定说明", "计算参数", "法律依据：", "权利告知："):
        assert label in text, label
    # Long paragraphs wrap on full-width lines, so they survive whitespace removal intact.
    assert _squash(c["legal_basis"]) in text
    assert _squash(c["remedies"]) in text
    assert "六十日内" in text and "六个月内" in text and "第五十五条" in text


def test_approval_form_prints_each_benefit_line(rendered):
    lines = layout_lines(rendered["approval"])
    layout = _squash(pdf_text(rendered["approval"]))
    # Cells that wrap are interleaved with their neighbours in -layout; the raw text keeps each cell whole.
    raw = _squash(pdf_text(rendered["approval"], "-raw"))
    for line in SAMPLE_APPROVAL_CONTEXT["lines"]:
        # Figures and capitals side by side, on the row of the benefit.
        assert any(_squash(line["amount"] + line["amount_capitals"]) in row for row in lines), line["item"]
        assert _squash(line["formula"]) in layout, line["formula"]
        for field in ("item", "payer_label", "basis", "start_month"):
            assert _squash(line[field]) in raw, (line["item"], field)
    c = SAMPLE_APPROVAL_CONTEXT
    assert _squash(c["personal_wage"]["average_wage_label"]) in raw
    assert _squash(c["personal_wage"]["clamped_label"]) in raw
    for parameter in c["parameters"]:
        assert _squash(parameter["label"]) in raw
        assert _squash(parameter["source"]) in raw
        assert parameter["effective_from"] in raw
    assert raw.count("【演示】") == sum(1 for p in c["parameters"] if p["demo"])


def test_approval_form_header_footer_and_demo_banner(rendered):
    text = pdf_text(rendered["approval"])
    pages = text.split("\f")
    printed = [page for page in pages if page.strip()]
    assert len(printed) >= 2
    number = SAMPLE_APPROVAL_CONTEXT["number"]
    for index, page in enumerate(printed, start=1):
        squashed = _squash(page)
        assert f"第{index}页/共{len(printed)}页" in squashed
        assert squashed.count(number) >= 2  # running header and footer on every page
        assert "工伤保险待遇核定单" in squashed
        assert DEMO_BANNER in squashed  # a demo document is marked on every page, not only the first
    assert "扫码核验" in _squash(text)

    not_demo = _squash(pdf_text(rendered["approval_not_demo"]))
    assert DEMO_BANNER not in not_demo
    assert "演示参数" not in not_demo
    assert number in not_demo


def test_approval_form_without_termination_or_demo(rendered):
    c = SAMPLE_APPROVAL_CONTEXT_GRADE4
    lines = layout_lines(rendered["approval_grade4"])
    text = _squash(pdf_text(rendered["approval_grade4"]))
    assert "劳动关系解除/终止日期" not in text
    assert DEMO_BANNER not in text
    assert_on_one_line(lines, "伤残等级", "四级")
    assert_on_one_line(lines, "核定本人工资", c["personal_wage"]["result"] + "元")
    assert _squash(c["personal_wage"]["clamped_label"]) in text
    for line in c["lines"]:
        assert any(_squash(line["amount"] + line["amount_capitals"]) in row for row in lines), line["item"]


def test_receipt_prints_its_fields(rendered):
    c = SAMPLE_RECEIPT_CONTEXT
    lines = layout_lines(rendered["receipt"])
    for label, value in [
        ("受理编号", c["case_number"]),
        ("事项名称", c["matter_name"]),
        ("申请单位", c["applicant"]["employer_name"]),
        ("统一社会信用代码", c["applicant"]["uscc"]),
        ("职工姓名", c["worker"]["name_masked"]),
        ("公民身份号码", c["worker"]["id_masked"]),
        ("提交时间", c["submitted_at"]),
        ("受理时间", c["accepted_at"]),
        ("承诺办结日期", c["due_date"]),
        ("经办机构", c["office"]),
    ]:
        assert_on_one_line(lines, label, value)
    for index, item in enumerate(c["received"], start=1):
        assert_on_one_line(lines, str(index), item["label"] + item["value"])
    text = _squash(pdf_text(rendered["receipt"]))
    assert "回执编号：" + c["number"] in text
    assert _squash(c["follow_up"]) in text
    assert "第1页/共1页" in text
    assert DEMO_BANNER not in text


def test_provisional_due_date_is_printed_as_given(renderer, tmp_path):
    context = {**SAMPLE_RECEIPT_CONTEXT, "due_date": "2027年01月08日（暂定）"}
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(renderer.render(RECEIPT, context))
    assert_on_one_line(layout_lines(pdf), "承诺办结日期", "2027年01月08日（暂定）")


@pytest.mark.parametrize("key", ["approval", "receipt"])
def test_cjk_fonts_are_embedded(rendered, key):
    out = _run(_tool("pdffonts"), str(rendered[key]))
    fonts = out.splitlines()[2:]
    assert fonts, out
    cjk = [row for row in fonts if re.search(r"Noto.*CJK", row)]
    assert cjk, out
    for row in fonts:
        # Columns: name type encoding emb sub uni ...; every font, CJK or not, must travel with the file.
        assert re.search(r"\s(yes)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", row), f"not embedded: {row}"
    # One family in two weights keeps files small; a third face means something fell back to another font.
    assert len(fonts) <= 2, out


@pytest.mark.parametrize(("key", "context"), [("approval", SAMPLE_APPROVAL_CONTEXT), ("receipt", SAMPLE_RECEIPT_CONTEXT)])
def test_qr_code_scans_to_the_verification_url(rendered, tmp_path, key, context):
    assert decode_qr(rendered[key], tmp_path, dpi=150) == context["verify_url"]


def test_qr_svg_data_uri_is_a_standalone_svg():
    import base64

    uri = qr_svg_data_uri("https://example.cn/verify/X-1?t=abc")
    prefix = "data:image/svg+xml;base64,"
    assert uri.startswith(prefix)
    svg = base64.b64decode(uri[len(prefix):]).decode()
    assert svg.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in svg and "viewBox=" in svg
    with pytest.raises(ValueError):
        qr_svg_data_uri("")


def test_html_is_autoescaped_and_missing_keys_fail():
    context = copy.deepcopy(SAMPLE_RECEIPT_CONTEXT)
    context["applicant"]["employer_name"] = '<img src="http://evil.example/x">某公司'
    html = render_html(RECEIPT, context)
    assert '<img src="http://evil.example' not in html
    assert "&lt;img" in html

    incomplete = {k: v for k, v in SAMPLE_APPROVAL_CONTEXT.items() if k != "bank"}
    with pytest.raises(Exception, match="bank"):
        render_html(APPROVAL, incomplete)


def test_pool_renders_twice_in_a_row_and_after_close_and_start(tmp_path):
    documents = DocumentRenderer(max_workers=1, max_tasks_per_child=2)
    with pytest.raises(RuntimeError):
        documents.render(RECEIPT, SAMPLE_RECEIPT_CONTEXT)
    documents.start()
    try:
        first = documents.render(RECEIPT, SAMPLE_RECEIPT_CONTEXT)
        second = documents.render(RECEIPT, SAMPLE_RECEIPT_CONTEXT)
        # The third render exceeds max_tasks_per_child: it runs in a fresh pool.
        recycled = documents.render(RECEIPT, SAMPLE_RECEIPT_CONTEXT)
        for pdf in (first, second, recycled):
            assert pdf.startswith(b"%PDF-")
        documents.close()
        assert not documents.started
        documents.start()
        third = documents.render(APPROVAL, SAMPLE_APPROVAL_CONTEXT)
        assert third.startswith(b"%PDF-")
    finally:
        documents.close()
    pdf = tmp_path / "third.pdf"
    pdf.write_bytes(third)
    assert SAMPLE_APPROVAL_CONTEXT["number"] in pdf_text(pdf)


def test_recycling_with_a_queue_does_not_deadlock():
    # ProcessPoolExecutor(max_tasks_per_child=...) hangs on Python 3.11 when a worker retires with work
    # queued (CPython gh-115634); the renderer recycles whole pools instead. 7 queued renders, limit 2.
    with DocumentRenderer(max_workers=1, max_tasks_per_child=2) as documents:
        futures = [documents._submit(RECEIPT, SAMPLE_RECEIPT_CONTEXT) for _ in range(7)]
        for future in futures:
            assert future.result(timeout=120).startswith(b"%PDF-")


def test_pool_recovers_after_a_worker_is_killed():
    with DocumentRenderer(max_workers=1) as documents:
        executor = documents._executor
        for process in list(executor._processes.values()):
            os.kill(process.pid, signal.SIGKILL)  # as the OOM killer would
        deadline = time.monotonic() + 30
        while not executor._broken and time.monotonic() < deadline:
            time.sleep(0.05)
        assert executor._broken
        assert documents.render(RECEIPT, SAMPLE_RECEIPT_CONTEXT).startswith(b"%PDF-")


def test_render_async(renderer):
    import asyncio

    async def render_both():
        return await asyncio.gather(
            renderer.render_async(RECEIPT, SAMPLE_RECEIPT_CONTEXT),
            renderer.render_async(APPROVAL, SAMPLE_APPROVAL_CONTEXT_GRADE4),
        )

    receipt, approval = asyncio.run(render_both())
    assert receipt.startswith(b"%PDF-") and approval.startswith(b"%PDF-")
