"""The counter through HTTP (standard 6.2.2) with the real store and renderer: a medical lump-sum case opened by
`shouli`, scans uploaded per catalogue item (one and several, a Chinese name kept, a fake PDF and an oversize file
refused with nothing stored), an incomplete visit → 一次性告知书 listing every missing item, the return visit →
社会保险业务受理单 listing the catalogue's materials, the signed scan, then initial review and recheck to the 核定单
showing the termination and the months table used."""

from __future__ import annotations

import dataclasses
import subprocess
import uuid

import pytest
from sqlmodel import select

from casework.materials import UploadedFile
from casework.models import Case, Document
from casework.reception import ReceptionVisit
from tests.casework.test_materials import COUNTER
from tests.portal.helpers import csrf, find, login, post

PDF = b"%PDF-1.4\n% a scan\n" + b"0" * 2000 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 500


def pdf_text(client, doc_public_id: str, tmp_path) -> str:
    r = client.get(f"/documents/{doc_public_id}")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    path = tmp_path / f"{doc_public_id}.pdf"
    path.write_bytes(r.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(text.split())


def open_case(client, **changes) -> str:
    login(client, "shouli")
    r = post(client, "/staff/reception/new", {**COUNTER, "recognition_number": f"昌人社工认〔2025〕{uuid.uuid4().hex[:6]}号",
                                              **changes}, follow_redirects=False)
    assert r.status_code == 303, r.text[:3000]
    return r.headers["location"]


def item_ids(client, url: str) -> list[str]:
    import re

    return re.findall(r'name="item" value="(\d+)"', client.get(url).text)


def upload(client, url: str, item: str, files: list[tuple[str, bytes, str]], **extra):
    # like htmx: the CSRF token in the header, so the middleware never parses the multipart body (STACK.md)
    return client.post(f"{url}/upload", data={"item": item, **extra},
                       files=[("files", f) for f in files], headers={"x-csrftoken": csrf(client)},
                       follow_redirects=False)


def live_files(db, url: str) -> list[UploadedFile]:
    db.rollback()
    case = db.exec(select(Case).where(Case.public_id == url.rsplit("/", 1)[-1])).one()
    return list(db.exec(select(UploadedFile).where(UploadedFile.case_id == case.id,
                                                   UploadedFile.removed == False)).all())  # noqa: E712


def test_counter_form_refuses_grades_beside_the_field(client, db):
    login(client, "shouli")
    r = post(client, "/staff/reception/new", {**COUNTER, "grade": "3"})
    assert r.status_code == 200 and "第三十五条" in r.text and 'id="grade-error"' in r.text
    assert 'value="13912345678"' in r.text  # what was typed stays
    r = post(client, "/staff/reception/new", {**COUNTER, "grade": "5", "termination_kind": "contract-expired"})
    assert 'id="termination_kind-error"' in r.text and "第三十六条" in r.text
    r = post(client, "/staff/reception/new", {**COUNTER, "grade": "9", "termination_kind": "other"})
    assert 'id="termination_kind-error"' in r.text and "第三十七条" in r.text
    login(client, "chushen")
    assert client.get("/staff/reception/new", follow_redirects=False).status_code == 403


def test_uploads_one_and_several_files_and_refusals_store_nothing(client, db, object_store):
    url = open_case(client)
    identity, termination = item_ids(client, url)[:2]
    before = set(object_store.list_keys("materials"))

    r = upload(client, url, identity, [("工伤认定决定书（扫描件）.pdf", PDF, "application/pdf")])
    assert r.status_code == 303, r.text[:2000]
    r = upload(client, url, termination, [("解除劳动合同证明-1.png", PNG, "image/png"),
                                          ("解除劳动合同证明-2.pdf", PDF, "application/pdf")])
    assert r.status_code == 303
    rows = live_files(db, url)
    assert sorted(f.original_name for f in rows) == ["工伤认定决定书（扫描件）.pdf", "解除劳动合同证明-1.png",
                                                     "解除劳动合同证明-2.pdf"]
    for f in rows:
        assert f.object_key.isascii() and "扫描" not in f.object_key and len(f.sha256) == 64
        assert object_store.verify(f.bucket, f.object_key, f.sha256)
    assert {f.content_type for f in rows} == {"application/pdf", "image/png"}
    keys = set(object_store.list_keys("materials"))
    assert len(keys - before) == 3
    page = client.get(url).text
    assert "工伤认定决定书（扫描件）.pdf" in page and "upload-progress.js" in page

    # a file named .pdf that is not one: refused by its content, nothing stored
    r = upload(client, url, identity, [("身份证.pdf", b"PK\x03\x04 this is a zip", "application/pdf")])
    assert r.status_code == 200 and "不是 PDF、JPEG 或 PNG 文件" in r.text and "身份证.pdf" in r.text
    assert len(live_files(db, url)) == 3 and set(object_store.list_keys("materials")) == keys
    # a mix: the good file is not stored either (every file is checked before the first byte is stored)
    r = upload(client, url, identity, [("好的.pdf", PDF, "application/pdf"), ("坏的.jpg", b"GIF89a", "image/jpeg")])
    assert "坏的.jpg" in r.text and len(live_files(db, url)) == 3
    assert set(object_store.list_keys("materials")) == keys

    # the file can be seen by the hall's staff, with its Chinese name
    f = next(x for x in live_files(db, url) if x.original_name.startswith("工伤认定"))
    r = client.get(f"{url}/file?id={f.id}")
    assert r.status_code == 200 and r.content == PDF and "filename*=UTF-8''" in r.headers["content-disposition"]

    # remove and replace before acceptance
    r = post(client, f"{url}/remove", {"file": str(f.id)}, follow_redirects=False)
    assert r.status_code == 303
    assert f.object_key not in object_store.list_keys("materials")
    two = [x for x in live_files(db, url) if x.original_name.endswith("-2.pdf")][0]
    r = upload(client, url, termination, [("解除劳动合同证明（重扫）.pdf", PDF + b"x", "application/pdf")],
               replace=str(two.id))
    assert r.status_code == 303
    names = sorted(x.original_name for x in live_files(db, url))
    assert names == ["解除劳动合同证明-1.png", "解除劳动合同证明（重扫）.pdf"]
    assert two.object_key not in object_store.list_keys("materials")


@pytest.fixture
def small_client(app, settings, object_store, renderer):
    """The same app with a 1 KB file limit and 2 files an item (settings, not a 50 MB body)."""
    from litestar.testing import TestClient

    from portal.app import create_app

    small = create_app(dataclasses.replace(settings, upload_max_file_bytes=1024, upload_max_files_per_item=2),
                       store=object_store, renderer=renderer)
    with TestClient(small, base_url="http://testserver.local") as c:
        yield c


def test_file_over_the_limit_and_too_many_files_store_nothing(small_client, db, object_store):
    client = small_client
    url = open_case(client)
    identity = item_ids(client, url)[0]
    keys = set(object_store.list_keys("materials"))
    r = upload(client, url, identity, [("太大的扫描件.pdf", b"%PDF-1.4\n" + b"0" * 3000, "application/pdf")])
    assert r.status_code == 200 and "超过单个文件 1 KB 的上限" in r.text and "太大的扫描件.pdf" in r.text
    assert live_files(db, url) == [] and set(object_store.list_keys("materials")) == keys
    small = b"%PDF-1.4\n%%EOF\n"
    r = upload(client, url, identity, [(f"第{i}页.pdf", small, "application/pdf") for i in range(3)])
    assert "最多上传 2 个文件" in r.text
    assert live_files(db, url) == [] and set(object_store.list_keys("materials")) == keys


def test_incomplete_visit_notice_then_receipt_signed_scan_and_approval(client, db, object_store, tmp_path):
    url = open_case(client, applicant_kind="proxy", proxy_name="李建国", proxy_id_type="居民身份证",
                    proxy_id_number="652301198505050014")
    ids = item_ids(client, url)
    assert len(ids) == 5  # a proxy brings the power of attorney and both IDs (6.1.2.2 c)
    assert upload(client, url, ids[0], [("身份证.jpg", b"\xff\xd8\xff\xe0" + b"1" * 100, "image/jpeg")]).status_code == 303
    version = find(r'name="version" value="(\d+)"', client.get(url).text)

    # accept with items missing: refused, nothing issued
    r = post(client, f"{url}/accept", {"version": version, "received": ["identity"]})
    assert r.status_code == 200 and "不能受理" in r.text
    # the first visit: one item ticked, one defective with what is wanted, three missing → the notice lists all four
    r = post(client, f"{url}/notify", {"version": version, "received": ["identity", "termination"],
                                       "wanted_termination": "证明未加盖原用人单位公章，请提供加盖公章的原件"},
             follow_redirects=False)
    assert r.status_code == 303, r.text[:3000]
    db.rollback()
    case = db.exec(select(Case).where(Case.public_id == url.rsplit("/", 1)[-1])).one()
    assert case.status == "reception_pending" and case.number is None and case.due_date is None
    assert len(case.defects) == 4
    page = client.get(url).text
    notice = find(r'href="/documents/([^"]+)" download>一次性告知书', page)
    text = pdf_text(client, notice, tmp_path)
    assert "一次性告知书" in text and "申请人签字" in text
    for wanted in ("证明未加盖原用人单位公章，请提供加盖公章的原件", "委托人（工伤职工）有效身份证件复印件",
                   "受委托人有效身份证件", "请提供授权委托书原件1份"):
        assert wanted in text, wanted
    assert "以下4项" in text

    # the return visit continues the same record: scans of everything, all ticked → accepted
    for i, item in enumerate(ids[1:]):
        assert upload(client, url, item, [(f"材料{i}.pdf", PDF, "application/pdf")]).status_code == 303
    version = find(r'name="version" value="(\d+)"', client.get(url).text)
    r = post(client, f"{url}/accept", {"version": version, "received": [
        "identity", "termination", "principal_id_copy", "proxy_id", "power_of_attorney"]}, follow_redirects=False)
    assert r.status_code == 303, r.text[:3000]
    db.rollback()
    case = db.exec(select(Case).where(Case.public_id == case.public_id)).one()
    assert case.status == "initial_review" and case.number.startswith("SL") and case.due_date is not None
    assert case.received_by_id is not None and case.accepted_at is not None
    visits = db.exec(select(ReceptionVisit).where(ReceptionVisit.case_id == case.id)).all()
    assert [v.outcome for v in visits] == ["notice", "accepted"]
    receipt_doc = db.exec(select(Document).where(Document.case_id == case.id,
                                                 Document.kind == "onsite_receipt")).one()
    assert receipt_doc.number.startswith("SD")
    text = pdf_text(client, receipt_doc.public_id, tmp_path)
    assert "社会保险业务受理单" in text and case.number in text and "现场办理" in text and "申请人" in text
    for name in ("工伤职工社会保障卡或其他有效身份证件", "解除或终止劳动合同证明", "授权委托书", "受委托人有效身份证件"):
        assert name in text, name
    assert "复印件" in text and "原件" in text and "劳动合同期满终止" in text

    # after acceptance the materials are fixed; the signed scan of the 受理单 is attached
    assert "材料不能再增删" in upload(client, url, ids[0], [("补充.pdf", PDF, "application/pdf")]).text
    r = client.post(f"{url}/signed-receipt", files=[("files", ("受理单（签字）.pdf", PDF, "application/pdf"))],
                    headers={"x-csrftoken": csrf(client)}, follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    db.rollback()
    signed = db.exec(select(UploadedFile).where(UploadedFile.case_id == case.id,
                                                UploadedFile.purpose == "signed_receipt")).all()
    assert [s.original_name for s in signed] == ["受理单（签字）.pdf"]

    # initial review (receiver ≠ reviewer here) and recheck: the 核定单 shows the termination and the table
    staff_url = f"/staff/cases/{case.public_id}"
    login(client, "chushen")
    page = client.get(staff_url).text
    assert "47,140.50" in page or "47140.50" in page
    for user, path in (("chushen", "initial-review"), ("fuhe", "recheck")):
        login(client, user)
        r = post(client, f"{staff_url}/{path}", {"decision": "approve", "reason": "已核实",
                                                 "version": find(r'name="version" value="(\d+)"',
                                                                 client.get(staff_url).text)},
                 follow_redirects=False)
        assert r.status_code == 303, r.text[:3000]
    db.rollback()
    case = db.exec(select(Case).where(Case.public_id == case.public_id)).one()
    assert case.status == "approved"
    form = db.exec(select(Document).where(Document.case_id == case.id, Document.kind == "approval_form")).one()
    text = pdf_text(client, form.public_id, tmp_path)
    assert "劳动关系解除/终止日期" in text and "2025年10月31日" in text and "劳动合同期满终止" in text
    assert "一次性工伤医疗补助金月数表" in text and "47,140.50" in text

    # the hall's reviewers read the materials and scans (no forms for them)
    page = client.get(url).text
    assert "受理单（签字）.pdf" in page and "授权委托书" in page and "signed-receipt" not in page
    assert f'href="/staff/reception/cases/{case.public_id}"' in client.get(staff_url).text


def test_a_notice_of_eight_long_items_cuts_nothing(renderer, tmp_path):
    from portal.issuing import notice_context  # noqa: F401  (the same template the counter uses)

    items = [{"label": f"第{i}项材料：" + "工伤职工社会保障卡或其他有效身份证件" * 3,
              "wanted": f"要求{i}：" + "请提供加盖原用人单位公章并注明解除劳动关系日期和原因的证明原件一份，" * 6 + f"完{i}"}
             for i in range(1, 9)]
    ctx = {"number": "GZ2026652301TEST1", "issued_on": "2026年1月5日", "office": "昌吉市社会保险经办综合服务大厅",
           "office_phone": "12333", "office_address": "", "verify_url": "http://testserver.local/verify/x/y",
           "demo": False, "case_number": "", "matter_name": "一次性工伤医疗补助金申领",
           "applicant": {"employer_name": "买**", "uscc": ""}, "worker": {"name_masked": "买**", "id_masked": "6523**"},
           "submitted_on": "2026年1月5日", "items": items, "channel": "onsite", "how": "请携带全部材料到大厅补齐。"}
    pdf = renderer.render("documents/notice_missing.html", ctx)
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    text = "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())
    for i in range(1, 9):
        assert f"完{i}" in text and f"要求{i}：" in text
    assert "以下8项" in text
