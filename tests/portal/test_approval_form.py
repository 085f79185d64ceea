"""The 工伤保险待遇核定单 issued by the flow, read back as a person would: its text (pdftotext), its fonts
(pdffonts), its QR code (pdftoppm + zbarimg) and the public verification page behind it (DOCUMENTS.md)."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from sqlmodel import select

from casework.models import Case, Document
from tests.portal.helpers import apply, find, login, post


@pytest.fixture(scope="module")
def issued(app, tmp_path_factory):
    """One application taken through both reviews; returns the PDF bytes, its document row id and case id."""
    from litestar.testing import TestClient

    with TestClient(app, base_url="http://testserver.local") as c:
        login(c, "qiye")
        public_id = apply(c, recognition_number="昌人社工认〔2025〕0789号").split("/")[3].split("?")[0]
        for user, path in (("chushen", "initial-review"), ("fuhe", "recheck")):
            login(c, user)
            version = find(r'name="version" value="(\d+)"', c.get(f"/staff/cases/{public_id}").text)
            r = post(c, f"/staff/cases/{public_id}/{path}", {"decision": "approve", "version": version,
                                                                # a repeated demo claim needs a reason
                                                                "reason": "测试数据：同一演示职工，已人工核实非重复申领"},
                     follow_redirects=False)
            assert r.status_code == 303, r.text[:500]
        login(c, "qiye")
        page = c.get(f"/my/cases/{public_id}").text
        doc_public = find(r'href="/documents/([^"]+)" download>工伤保险待遇核定单', page)
        pdf = c.get(f"/documents/{doc_public}").content
    path = tmp_path_factory.mktemp("pdf") / "form.pdf"
    path.write_bytes(pdf)
    return {"path": path, "pdf": pdf, "doc_public": doc_public, "public_id": public_id}


def pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_every_field_with_its_value(issued, db):
    text = pdftotext(issued["path"])
    flat = "".join(text.split())
    db.rollback()
    case = db.exec(select(Case).where(Case.public_id == issued["public_id"])).one()
    doc = db.exec(select(Document).where(Document.case_id == case.id, Document.kind == "approval_form")).one()
    expected = {
        "工伤保险待遇核定单": None, "核定编号": doc.number,
        "职工姓名": "买买提·吐尔逊", "公民身份号码": "652301199003075216", "性别": "男", "出生日期": "1990年03月07日",
        "用人单位名称": "昌吉市天山建材有限责任公司", "统一社会信用代码": "91652301MA7ABCDE9F",
        "受伤日期": "2025年03月10日", "工伤认定决定书编号": "昌人社工认〔2025〕0789号",
        "鉴定结论书编号": "昌劳鉴〔2025〕0456号", "伤残等级": "四级", "护理等级": "部分不能自理",
        "核定本人工资": "6,000.00", "职工月平均工资": "7,856.75",
        "一次性伤残补助金": "126,000.00", "壹拾贰万陆仟元整": None,
        "伤残津贴": "4,500.00", "肆仟伍佰元整": None, "生活护理费": "2,357.03",
        "开户银行": "中国工商银行昌吉分行", "****3445": None,
        "法定退休": "2053年03月", "初审人": "张初审", "复核人": "赵复核",
        "行政复议": None, "第五十五条": None, "演示参数，非正式标准": None,
    }
    for label, value in expected.items():
        assert label in flat, f"{label} missing from the approval form"
        if value:
            assert value in flat, f"{label}: {value} missing"
    # the full bank account never appears, only its last four digits
    assert "6222020200112233445" not in flat


def test_cjk_font_is_embedded(issued):
    fonts = subprocess.run(["pdffonts", str(issued["path"])], check=True, capture_output=True, text=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk), fonts


def test_qr_code_leads_to_the_verification_page_without_personal_data(issued, client, tmp_path, db):
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(issued["path"]), str(tmp_path / "p")],
                   check=True)
    png = next(tmp_path.glob("p*.png"))
    link = subprocess.run(["zbarimg", "--raw", "-q", str(png)], check=True, capture_output=True,
                          text=True).stdout.strip()
    db.rollback()
    doc = db.exec(select(Document).where(Document.public_id == issued["doc_public"])).one()
    assert link == f"http://testserver.local/verify/{doc.number}/{doc.token}"
    client.cookies.clear()
    page = client.get(link.replace("http://testserver.local", "")).text
    assert doc.number in page and "工伤保险待遇核定单" in page and "有效" in page
    assert hashlib.sha256(issued["pdf"]).hexdigest() in page
    assert "昌吉市社会保险经办综合服务大厅" in page
    for personal in ("买买提", "652301199003075216", "6222020200112233445", "天山建材"):
        assert personal not in page
    # a real number with a wrong token is not confirmed
    forged = client.get(f"/verify/{doc.number}/forged-token")
    assert forged.status_code == 404 and doc.sha256 not in forged.text


def test_issued_once_and_never_regenerated(issued, client, db):
    db.rollback()
    doc = db.exec(select(Document).where(Document.public_id == issued["doc_public"])).one()
    login(client, "fuhe")
    again = client.get(f"/documents/{doc.public_id}").content
    assert again == issued["pdf"] and hashlib.sha256(again).hexdigest() == doc.sha256
