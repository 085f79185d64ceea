"""The register pages through HTTP (portal/staff/registers.py): upload → preview (nothing written) → confirm;
a re-import that changes nothing; one-record edit with the message beside the field; who may do what; and the
compliance checks on the initial review page with the reason they require."""

from __future__ import annotations

import re

from sqlmodel import select

from casework.models import AuditRecord, Case
from casework.registers import RegisterAppraisal, RegisterEmployer
from tests.casework.register_data import bad_check_id, csv_bytes, new_uscc
from tests.portal.helpers import apply, csrf, find, login, post

HEADER = ["统一社会信用代码", "单位名称", "参保地区划代码", "参保起始日期", "参保终止日期"]


def upload(client, kind: str, filename: str, content: bytes):
    return client.post(f"/staff/registers/{kind}/import", data={"_csrf_token": csrf(client)},
                       files={"file": (filename, content, "text/csv")}, follow_redirects=False)


def test_upload_preview_confirm_and_reimport(client, db):
    a, b = new_uscc(), new_uscc()
    content = csv_bytes([HEADER, [a, "页面测试甲公司", "652301", "2020-01-01", ""],
                         [b, "页面测试乙公司", "652399", "2020-01-01", ""],   # not a county of 昌吉州
                         ["91652301MA7ABCDE9X", "坏代码", "652301", "2020-01-01", ""]])
    login(client, "dengji")
    assert "登记簿" in client.get("/staff").text
    r = upload(client, "employers", "单位.csv", content)
    assert r.status_code == 303, r.text[:2000]
    preview_url = r.headers["location"]
    assert re.fullmatch(r"/staff/registers/employers/import/[\w-]+", preview_url)
    page = client.get(preview_url).text
    assert find(r'class="count-add">(\d+)<', page) == "1"
    assert find(r'class="count-reject">(\d+)<', page) == "2"
    assert "第 3 行" in page and "区划代码" in page and "第 4 行" in page and "校验位" in page
    assert "尚未写入登记簿" in page
    # the preview wrote nothing to the register
    db.rollback()
    assert db.exec(select(RegisterEmployer).where(RegisterEmployer.uscc == a)).first() is None

    r = post(client, preview_url, {}, follow_redirects=False)
    assert r.status_code == 303 and "added=1" in r.headers["location"] and "rejected=2" in r.headers["location"]
    listing = client.get(r.headers["location"]).text
    assert "已导入：新增 1 条" in listing
    assert a in client.get(f"/staff/registers/employers?q={a}").text
    db.rollback()
    assert db.exec(select(RegisterEmployer).where(RegisterEmployer.uscc == a)).one().name == "页面测试甲公司"
    # confirming the same preview again is refused
    again = post(client, preview_url, {})
    assert again.status_code == 409 and "已经导入" in again.text

    # the same file again: nothing to add or change, and nothing to confirm
    r = upload(client, "employers", "单位.csv", content)
    page = client.get(r.headers["location"]).text
    assert find(r'class="count-add">(\d+)<', page) == "0" and find(r'class="count-same">(\d+)<', page) == "1"
    assert "无需导入" in page and "<button type=\"submit\">确认导入" not in page


def test_a_file_that_cannot_be_read_is_answered_beside_the_field(client):
    login(client, "dengji")
    r = upload(client, "contributions", "old.xls", b"\xd0\xcf\x11\xe0")
    assert r.status_code == 200
    assert 'id="file-error"' in r.text and "另存为 .xlsx" in r.text
    r = upload(client, "contributions", "c.csv", csv_bytes([["证件号码", "姓名"], [bad_check_id(), "x"]]))
    assert "缺少列" in find(r'id="file-error">(.*?)</p>', r.text)


def test_edit_one_record_needs_a_reason_and_is_audited(client, db):
    login(client, "dengji")
    uscc = new_uscc()
    r = upload(client, "employers", "e.csv", csv_bytes([HEADER, [uscc, "待更正单位", "652301", "2020-01-01", ""]]))
    post(client, r.headers["location"], {}, follow_redirects=False)
    db.rollback()
    record = db.exec(select(RegisterEmployer).where(RegisterEmployer.uscc == uscc)).one()
    url = f"/staff/registers/employers/{record.id}/edit"
    page = client.get(url).text
    version = find(r'name="version" value="(\d+)"', page)
    r = post(client, url, {"version": version, "name": "已更正单位", "county": "652301", "end_date": "2024-13-01"})
    assert r.status_code == 200
    assert 'id="end_date-error"' in r.text and 'id="reason-error"' in r.text
    assert 'value="已更正单位"' in r.text  # what was typed is kept
    r = post(client, url, {"version": version, "name": "已更正单位", "county": "652301", "end_date": "2024-12-31",
                           "reason": "依据注销登记更正"}, follow_redirects=False)
    assert r.status_code == 303
    db.rollback()
    record = db.exec(select(RegisterEmployer).where(RegisterEmployer.uscc == uscc)).one()
    assert record.name == "已更正单位" and str(record.end_date) == "2024-12-31"
    trail = db.exec(select(AuditRecord).where(AuditRecord.action == "register_edit")
                    .order_by(AuditRecord.id.desc())).first()
    assert trail.reason == "依据注销登记更正" and trail.details["changes"]["name"] == ["待更正单位", "已更正单位"]
    # a stale page gets a conflict, not a silent overwrite
    r = post(client, url, {"version": version, "name": "又改", "county": "652301", "reason": "旧页面"})
    assert r.status_code == 409 and "请刷新页面" in r.text


def test_reviewers_read_the_registers_but_only_the_keeper_changes_them(client, db):
    login(client, "chushen")
    assert client.get("/staff/registers").status_code == 200
    page = client.get("/staff/registers/recognitions?q=0123").text
    assert "昌人社工认〔2025〕0123号" in page and "/edit" not in page
    assert client.get("/staff/registers/employers/import").status_code == 403
    assert upload(client, "employers", "e.csv", csv_bytes([HEADER])).status_code == 403
    record = db.exec(select(RegisterAppraisal)).first()
    assert client.get(f"/staff/registers/appraisals/{record.id}/edit").status_code == 403
    login(client, "qiye")
    assert client.get("/staff/registers").status_code == 403
    assert client.get("/staff/registers/nosuch").status_code in (403, 404)


def test_the_initial_review_page_shows_the_checks_and_a_failed_check_needs_a_reason(client, db):
    login(client, "qiye")
    public_id = apply(client, grade="5").split("/")[3].split("?")[0]  # the conclusion on record says grade 4
    login(client, "chushen")
    page = client.get(f"/staff/cases/{public_id}").text
    assert "政策符合性核查" in page
    assert re.search(r'data-code="employer_insured">\s*<strong class="tag ok">通过', page)
    assert re.search(r'data-code="grade_care">\s*<strong class="tag warn">不符', page)
    assert "伤残等级不符：鉴定结论为4级，申报为5级。" in page
    version = find(r'name="version" value="(\d+)"', page)
    r = post(client, f"/staff/cases/{public_id}/initial-review", {"decision": "approve", "version": version})
    assert r.status_code == 200
    assert "写明理由" in find(r'id="reason-error">(.*?)</p>', r.text)
    db.rollback()
    assert db.exec(select(Case).where(Case.public_id == public_id)).one().status == "initial_review"
    r = post(client, f"/staff/cases/{public_id}/initial-review",
             {"decision": "approve", "version": version, "reason": "测试：等级差异已电话核实，附说明"},
             follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    db.rollback()
    case = db.exec(select(Case).where(Case.public_id == public_id)).one()
    assert "grade_care" in case.assessment["compliance"]["failed"]
    # afterwards the page shows the checks as they were at the decision
    page = client.get(f"/staff/cases/{public_id}").text
    assert "初审决定时的结果" in page and "伤残等级不符" in page


def test_enter_one_record_by_hand_with_the_same_checks(client, db):
    login(client, "dengji")
    uscc = new_uscc()
    r = post(client, "/staff/registers/employers/new", {"uscc": uscc, "name": "手工登记测试单位", "county": "652301",
                                                         "start_date": "2024-13-01"})
    assert r.status_code == 200 and 'id="start_date-error"' in r.text and "手工登记测试单位" in r.text
    r = post(client, "/staff/registers/employers/new", {"uscc": uscc, "name": "手工登记测试单位", "county": "652301",
                                                         "start_date": "2024-01-01"}, follow_redirects=False)
    assert r.status_code == 303
    db.rollback()
    assert db.exec(select(RegisterEmployer).where(RegisterEmployer.uscc == uscc)).one().name == "手工登记测试单位"
    assert db.exec(select(AuditRecord).where(AuditRecord.action == "register_add")).all()
    r = post(client, "/staff/registers/employers/new", {"uscc": uscc, "name": "手工登记测试单位", "county": "652301",
                                                         "start_date": "2024-01-01"})
    assert "已有该记录" in r.text
    login(client, "chushen")
    assert client.get("/staff/registers/employers/new").status_code == 403


def test_readers_look_a_person_up_and_see_ids_masked(client):
    login(client, "chushen")
    page = client.get("/staff/registers/recognitions").text
    assert "不列出全部记录" in page and "652301199003075216" not in page
    page = client.get("/staff/registers/recognitions?q=买买提").text
    assert "652301********5216" in page and "652301199003075216" not in page
    login(client, "dengji")
    assert "652301199003075216" in client.get("/staff/registers/recognitions").text
