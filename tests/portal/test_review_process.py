"""The review process through HTTP (standard 6.2–6.4): incomplete → 一次性告知书 → resubmission into the same
case → 稽核 request → outcome → approval; rejection with its decision; withdrawal; correction; assignment."""

from __future__ import annotations

import re
import subprocess
import uuid

from sqlmodel import col, select

from casework.deadlines import DeadlinePeriod
from casework.models import Case, Document
from tests.portal.helpers import apply, find, login, post


def pid_of(url: str) -> str:
    return url.split("/")[3].split("?")[0]


def version_of(client, url: str) -> str:
    return find(r'name="version" value="(\d+)"', client.get(url).text)


def pdf_text(client, doc_public_id: str, tmp_path) -> str:
    r = client.get(f"/documents/{doc_public_id}")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    path = tmp_path / f"{doc_public_id}.pdf"
    path.write_bytes(r.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(text.split())


def new_case(client, **changes) -> str:
    login(client, "qiye")
    return pid_of(apply(client, recognition_number=f"昌人社工认〔2025〕{uuid.uuid4().hex[:6]}号", **changes))


def test_incomplete_notice_resubmission_audit_and_approval(client, db, tmp_path):
    public_id = new_case(client)
    # the online receipt was issued at acceptance
    page = client.get(f"/my/cases/{public_id}").text
    receipt = find(r'href="/documents/([^"]+)" download>受理回执', page)
    assert "受理回执" in pdf_text(client, receipt, tmp_path)

    # 6.3.1 b: initial review marks two defects; the notice lists both with what is wanted
    login(client, "chushen")
    url = f"/staff/cases/{public_id}"
    r = post(client, f"{url}/initial-review", {
        "decision": "incomplete", "version": version_of(client, url),
        "defect": ["recognition", "bank"], "wanted_recognition": "请填写与工伤认定决定书一致的编号",
        "wanted_bank": "请填写职工本人的银行账号"}, follow_redirects=False)
    assert r.status_code == 303, r.text[:3000]
    db.rollback()
    case = db.exec(select(Case).where(Case.public_id == public_id)).one()
    assert case.status == "incomplete" and len(case.defects) == 2

    login(client, "qiye")
    page = client.get(f"/my/cases/{public_id}").text
    assert "请补正以下内容" in page and "请填写职工本人的银行账号" in page
    notice = find(r'href="/documents/([^"]+)" download>一次性告知书', page)
    text = pdf_text(client, notice, tmp_path)
    assert "一次性告知书" in text and "请填写与工伤认定决定书一致的编号" in text and "请填写职工本人的银行账号" in text

    # the applicant corrects and resubmits into the SAME case: accepted afresh, a second period
    form = client.get(f"/my/cases/{public_id}/resubmit").text
    assert 'value="6222020200112233445"' in form  # the form comes back filled in
    r = post(client, f"/my/cases/{public_id}/resubmit", {
        **{k: v for k, v in re.findall(r'name="(\w+)" type="\w+" value="([^"]*)"', form)},
        "id_type": "居民身份证", "grade": "4", "care_level": "部分不能自理", "retirement_group": "",
        "bank_account": "6222020200998877665", "version": find(r'name="version" value="(\d+)"', form)},
        follow_redirects=False)
    assert r.status_code == 303, r.text[:3000]
    db.rollback()
    case = db.exec(select(Case).where(Case.public_id == public_id)).one()
    assert case.status == "initial_review" and case.bank_account == "6222020200998877665"
    periods = db.exec(select(DeadlinePeriod).where(DeadlinePeriod.case_id == case.id)
                      .order_by(col(DeadlinePeriod.seq))).all()
    assert [p.seq for p in periods] == [1, 2] and periods[0].end_reason == "incomplete"
    assert periods[1].ended_at is None

    # 6.3.2 b: an audit request needs the confirming second reviewer
    login(client, "chushen")
    r = post(client, f"{url}/initial-review", {"decision": "audit", "version": version_of(client, url),
                                                "reason": "缴费工资与征缴记录不符"})
    assert "须与本机构复核岗确认" in r.text
    fuhe = find(r'<option value="(\d+)"[^>]*>赵复核', r.text)
    r = post(client, f"{url}/initial-review", {"decision": "audit", "version": version_of(client, url),
                                                "reason": "缴费工资与征缴记录不符", "consulted_id": fuhe},
             follow_redirects=False)
    assert r.status_code == 303
    db.rollback()
    period = db.exec(select(DeadlinePeriod).where(DeadlinePeriod.case_id == case.id, DeadlinePeriod.seq == 2)).one()
    assert period.paused_since is not None

    login(client, "jihe")
    r = post(client, f"{url}/audit-outcome", {"version": version_of(client, url), "reason": "经稽核，申报工资属实",
                                               "document_ref": "昌社稽〔2025〕7号"}, follow_redirects=False)
    assert r.status_code == 303
    db.rollback()
    case = db.exec(select(Case).where(Case.public_id == public_id)).one()
    assert case.status == "initial_review"

    for user, path in (("chushen", "initial-review"), ("fuhe", "recheck")):
        login(client, user)
        r = post(client, f"{url}/{path}", {"decision": "approve", "version": version_of(client, url),
                                            "reason": "已核实"}, follow_redirects=False)
        assert r.status_code == 303, r.text[:2000]
    db.rollback()
    case = db.exec(select(Case).where(Case.public_id == public_id)).one()
    assert case.status == "approved"
    page = client.get(url).text
    assert "办结时限记录" in page and "材料不完整" in page and "复核通过" in page


def test_rejection_issues_the_decision_with_reasons_and_remedies(client, db, tmp_path):
    public_id = new_case(client)
    login(client, "chushen")
    url = f"/staff/cases/{public_id}"
    r = post(client, f"{url}/initial-review", {"decision": "reject", "version": version_of(client, url),
                                                "reason": "工伤认定决定书所载受伤日期与申报不符\n劳动能力鉴定结论尚未生效"},
             follow_redirects=False)
    assert r.status_code == 303
    login(client, "qiye")
    page = client.get(f"/my/cases/{public_id}").text
    assert "初审不通过" in page
    doc = find(r'href="/documents/([^"]+)" download>不予通过决定书', page)
    text = pdf_text(client, doc, tmp_path)
    for words in ("不予通过决定书", "工伤认定决定书所载受伤日期与申报不符", "劳动能力鉴定结论尚未生效", "60日内", "6个月内",
                  "行政复议"):
        assert words in text, words


def test_return_needs_the_consultation_and_withdrawal_stops_the_clock(client, db):
    public_id = new_case(client)
    url = f"/staff/cases/{public_id}"
    login(client, "chushen")
    post(client, f"{url}/initial-review", {"decision": "approve", "version": version_of(client, url), "reason": "核实"})
    login(client, "fuhe")
    r = post(client, f"{url}/recheck", {"decision": "return", "version": version_of(client, url), "reason": "工资有误"})
    assert "须与初审岗确认" in r.text
    r = post(client, f"{url}/recheck", {"decision": "return", "version": version_of(client, url), "reason": "工资有误",
                                         "consulted": "yes"}, follow_redirects=False)
    assert r.status_code == 303
    login(client, "qiye")
    r = post(client, f"/my/cases/{public_id}/withdraw", {"version": version_of(client, f"/my/cases/{public_id}")})
    assert "必须注明原因" in r.text
    r = post(client, f"/my/cases/{public_id}/withdraw", {"version": version_of(client, f"/my/cases/{public_id}"),
                                                          "reason": "单位重新核对后再申报"}, follow_redirects=False)
    assert r.status_code == 303
    db.rollback()
    case = db.exec(select(Case).where(Case.public_id == public_id)).one()
    assert case.status == "withdrawn"
    period = db.exec(select(DeadlinePeriod).where(DeadlinePeriod.case_id == case.id)).one()
    assert period.end_reason == "withdrawn"


def test_correction_supersedes_the_approval_form(client, db):
    public_id = new_case(client)
    url = f"/staff/cases/{public_id}"
    for user, path in (("chushen", "initial-review"), ("fuhe", "recheck")):
        login(client, user)
        assert post(client, f"{url}/{path}", {"decision": "approve", "version": version_of(client, url),
                                               "reason": "核实"}, follow_redirects=False).status_code == 303
    login(client, "chushen")
    r = post(client, f"{url}/correct", {"version": version_of(client, url), "reason": "护理等级录入错误"},
             follow_redirects=False)
    assert r.status_code == 303
    for user, path in (("chushen", "initial-review"), ("fuhe", "recheck")):
        login(client, user)
        assert post(client, f"{url}/{path}", {"decision": "approve", "version": version_of(client, url),
                                               "reason": "核实"}, follow_redirects=False).status_code == 303
    db.rollback()
    case = db.exec(select(Case).where(Case.public_id == public_id)).one()
    forms = db.exec(select(Document).where(Document.case_id == case.id, Document.kind == "approval_form")
                    .order_by(col(Document.id))).all()
    assert len(forms) == 2 and forms[0].superseded_by_id == forms[1].id and forms[1].superseded_by_id is None
    client.cookies.clear()
    page = client.get(f"/verify/{forms[0].number}/{forms[0].token}").text
    assert "已被更正文书取代" in page


def test_chief_assigns_and_others_are_refused(client, db):
    public_id = new_case(client)
    url = f"/staff/cases/{public_id}"
    login(client, "kezhang")
    page = client.get(url).text
    zonghe = find(r'<option value="(\d+)"[^>]*>刘综合', page)
    r = post(client, f"{url}/assign", {"version": version_of(client, url), "reviewer_id": zonghe})
    assert "请注明分派原因" in r.text
    r = post(client, f"{url}/assign", {"version": version_of(client, url), "reviewer_id": zonghe,
                                        "reason": "张初审休假"}, follow_redirects=False)
    assert r.status_code == 303
    login(client, "chushen")
    r = post(client, f"{url}/initial-review", {"decision": "approve", "version": version_of(client, url)})
    assert "已由科长分派给其他经办人员" in r.text
    login(client, "zonghe")
    r = post(client, f"{url}/initial-review", {"decision": "approve", "version": version_of(client, url),
                                                "reason": "已核实"}, follow_redirects=False)
    assert r.status_code == 303


def test_stale_actions_on_a_closed_case_say_why(client, db):
    public_id = new_case(client)
    url = f"/my/cases/{public_id}"
    version = version_of(client, url)
    assert post(client, f"{url}/withdraw", {"version": version, "reason": "重新核对"},
                follow_redirects=False).status_code == 303
    # the same form again from a stale tab, and the correction form of a case that needs none
    r = post(client, f"{url}/withdraw", {"version": version, "reason": "重新核对"})
    assert r.status_code in (200, 409) and 'id="error-summary"' in r.text and "已撤回" in r.text
    r = client.get(f"{url}/resubmit")
    assert r.status_code == 409 and "不需要补正" in r.text


def test_approval_is_refused_when_the_amounts_changed_after_the_page_was_read(client, db):
    from datetime import date

    from casework.models import ParameterRecord
    from casework.parameter_store import add_version

    public_id = new_case(client)
    url = f"/staff/cases/{public_id}"
    login(client, "chushen")
    page = client.get(url).text
    version, seen = version_of(client, url), find(r'name="seen" value="([0-9a-f]+)"', page)
    row = add_version(db, key="average_wage", effective_from=date(2024, 12, 1), value={"amount": "8000.00"},
                      source="测试", label="测试用平均工资（测试后删除）")
    db.commit()
    try:
        r = post(client, f"{url}/initial-review", {"decision": "approve", "version": version, "seen": seen,
                                                    "reason": "核实"})
        assert r.status_code == 409 and "计算参数已更新" in r.text
        db.rollback()
        assert db.exec(select(Case).where(Case.public_id == public_id)).one().status == "initial_review"
        # the page now shows the new amounts and their fingerprint: approving from it works
        assert find(r'name="seen" value="([0-9a-f]+)"', r.text) != seen
    finally:
        db.rollback()
        db.delete(db.get(ParameterRecord, row.id))
        db.commit()
