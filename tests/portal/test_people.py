"""People and access (issue 7) through HTTP on the real database, store and renderer: workers' activation
(wrong, reused, expired code; lockout), what a worker sees (every case about them, nobody else's), the
individual's online application with uploads, draft, receipt, messages and resubmission after a 一次性告知书,
staff administration (temporary password, forced change, deactivation ending the session, separation settings),
and agents provisioned by the agency only."""

from __future__ import annotations

import random
import re
import subprocess
import uuid
from datetime import timedelta

from sqlmodel import col, select

from casework.identity import resident_id_check_char
from casework.messages import Message
from casework.models import Account, AuditRecord, Case, Document, Office
from casework.people import ActivationCode, PersonId, issue_activation
from tests.casework.test_materials import COUNTER
from tests.portal.helpers import apply, csrf, find, login, post

PDF = b"%PDF-1.4\n% a scan\n" + b"0" * 2000 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 500
PASSWORD = "Neue-Pass-2026"


def new_id(sex: str = "male") -> str:
    first = f"652301{random.randint(1970, 1995)}0{random.randint(1, 9)}1{random.randint(0, 8)}"
    seq = random.randint(10, 99)
    odd = random.choice("13579") if sex == "male" else random.choice("02468")
    first17 = first + f"{seq}{odd}"
    return first17 + resident_id_check_char(first17)


def issue_code(db, cheap_hasher, id_number: str, name: str = "测试职工", *, days: int = 7) -> str:
    db.rollback()
    shouli = db.exec(select(Account).where(Account.username == "shouli")).one()
    issued = issue_activation(db, shouli, PersonId("居民身份证", id_number), name, cheap_hasher,
                              valid_for=timedelta(days=days))
    db.commit()
    return issued.code


def activate(client, id_number: str, code: str, password: str = PASSWORD):
    client.cookies.clear()
    return post(client, "/activate", {"id_type": "居民身份证", "id_number": id_number, "code": code,
                                      "password": password, "again": password}, follow_redirects=False)


def new_worker(client, db, cheap_hasher, name: str = "测试职工") -> str:
    id_number = new_id()
    r = activate(client, id_number, issue_code(db, cheap_hasher, id_number, name))
    assert r.status_code == 303 and r.headers["location"] == "/login?activated=1", r.text[:500]
    return id_number


def pid(url: str) -> str:
    return url.split("/")[3].split("?")[0]


# ------------------------------------------------------------------ activation

def test_activation_slip_from_the_counter_is_a_pdf_never_stored(client, db, tmp_path):
    login(client, "shouli")
    id_number = new_id()
    r = post(client, "/staff/workers/activation", {"id_type": "居民身份证", "id_number": id_number,
                                                   "display_name": "阿不都·热依木"})
    assert r.status_code == 200 and "核验" in r.text  # the identity check must be confirmed first
    docs_before = db.exec(select(Document)).all()
    r = post(client, "/staff/workers/activation", {"id_type": "居民身份证", "id_number": id_number,
                                                   "display_name": "阿不都·热依木", "checked": "1"})
    assert r.status_code == 200 and r.content.startswith(b"%PDF"), r.text[:500]
    assert r.headers["cache-control"] == "no-store"
    path = tmp_path / "slip.pdf"
    path.write_bytes(r.content)
    text = "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())
    assert "账户激活凭条" in text and "/activate" in text and id_number not in text  # the ID is masked
    code = find(r"激活码([A-Z2-9]{4}-[A-Z2-9]{4})", text)
    db.rollback()
    assert len(db.exec(select(Document)).all()) == len(docs_before)  # not a case document, nothing archived
    row = db.exec(select(ActivationCode).join(Account, col(Account.id) == ActivationCode.account_id)
                  .where(Account.id_number == id_number)).one()
    assert code.replace("-", "") not in row.code_hash and row.code_hash.startswith("$argon2")
    # the worker activates with the ID number AND the code, then signs in with the ID number
    assert activate(client, id_number, code.lower()).status_code == 303
    login(client, id_number, PASSWORD)
    assert client.get("/me/cases").status_code == 200


def test_wrong_reused_and_expired_codes_are_refused_alike(client, db, cheap_hasher):
    id_number = new_id()
    code = issue_code(db, cheap_hasher, id_number)
    wrong = "ABCDEFGH" if code != "ABCDEFGH" else "HGFEDCBA"
    r = activate(client, id_number, wrong)
    assert r.status_code == 200 and "激活码不正确" in r.text
    # an unknown ID number reads exactly the same (nothing to learn about who has an account)
    r2 = activate(client, new_id(), code)
    assert "激活码不正确" in r2.text
    assert activate(client, id_number, code).status_code == 303
    # reused: the code is spent
    r = activate(client, id_number, code, password="Another-Pass-1")
    assert r.status_code == 200 and "激活码不正确" in r.text
    login(client, id_number, PASSWORD)  # the first password stands
    # expired
    other = new_id()
    old = issue_code(db, cheap_hasher, other, days=0)
    r = activate(client, other, old)
    assert r.status_code == 200 and "已过期" in r.text
    # a newer code voids the older one
    first = issue_code(db, cheap_hasher, other)
    second = issue_code(db, cheap_hasher, other)
    assert "激活码不正确" in activate(client, other, first).text
    assert activate(client, other, second).status_code == 303


def test_activation_attempts_are_limited(client, db, cheap_hasher, settings):
    id_number = new_id()
    code = issue_code(db, cheap_hasher, id_number)
    for _ in range(settings.max_failed_logins):
        activate(client, id_number, "ZZZZ-ZZZZ" if code != "ZZZZZZZZ" else "YYYY-YYYY")
    r = activate(client, id_number, code)  # even the right code waits out the lock
    assert r.status_code == 200 and "锁定" in r.text
    db.rollback()
    assert db.exec(select(AuditRecord).where(AuditRecord.action == "account.locked")).first() is not None


def test_weak_password_and_mismatch_keep_the_code_usable(client, db, cheap_hasher):
    id_number = new_id()
    code = issue_code(db, cheap_hasher, id_number)
    r = activate(client, id_number, code, password="short")
    assert "至少 8 位" in r.text and 'value="' + id_number + '"' in r.text
    assert activate(client, id_number, code).status_code == 303


# ------------------------------------------------------------------ what a worker sees

def test_worker_sees_the_employer_filed_case_about_them_and_nobody_elses(client, db, cheap_hasher, tmp_path):
    login(client, "qiye")
    url = apply(client, recognition_number=f"昌人社工认〔2025〕{uuid.uuid4().hex[:6]}号")
    public_id = pid(url)
    receipt = find(r'href="/documents/([^"]+)" download>受理回执', client.get(f"/my/cases/{public_id}").text)
    # the demo worker is the worker of VALID_APPLICATION: the case is about him
    login(client, "652301199003075216")
    page = client.get("/me/cases").text
    assert public_id in page and "已受理，待初审" in page
    page = client.get(f"/me/cases/{public_id}").text
    assert "承诺办结日期" in page and "线上提交，系统受理" in page and "受理回执" in page
    assert "王经办" not in page  # the timeline names no one
    assert client.get(f"/documents/{receipt}").status_code == 200
    # a message told him
    assert re.search(r'消息 <span class="count"[^>]*>\d+', page)
    # another worker: the same URLs answer like missing ones
    other = new_worker(client, db, cheap_hasher)
    login(client, other, PASSWORD)
    assert client.get(f"/me/cases/{public_id}").status_code == 404
    assert client.get(f"/documents/{receipt}").status_code == 404
    assert public_id not in client.get("/me/cases").text
    # a worker is no employer agent, and an agent no worker
    assert client.get(f"/my/cases/{public_id}", follow_redirects=False).status_code == 403
    login(client, "qiye")
    assert client.get(f"/me/cases/{public_id}", follow_redirects=False).status_code == 403
    # identifiers are random, not counters
    assert len(public_id) >= 16 and not public_id.isdigit()


def test_approved_case_shows_what_will_be_paid(client, db):
    from tests.portal.test_review_process import version_of

    login(client, "qiye")
    public_id = pid(apply(client, recognition_number=f"昌人社工认〔2025〕{uuid.uuid4().hex[:6]}号"))
    url = f"/staff/cases/{public_id}"
    for user, path in (("chushen", "initial-review"), ("fuhe", "recheck")):
        login(client, user)
        r = post(client, f"{url}/{path}", {"decision": "approve", "version": version_of(client, url),
                                            "reason": "已核实"}, follow_redirects=False)
        assert r.status_code == 303, r.text[:1000]
    login(client, "652301199003075216")
    page = client.get(f"/me/cases/{public_id}").text
    assert "将支付的待遇" in page and "一次性伤残补助金" in page and "复核通过，签发核定单" in page
    assert "工伤保险待遇核定单" in page
    msgs = client.get("/messages").text
    assert "复核通过" in msgs and "待遇已核定" in msgs
    assert 'class="count"' not in client.get("/me/cases").text.split("<main")[0]  # read once opened


# ------------------------------------------------------------------ the individual's online application

def upload(client, url: str, item: str, files):
    return client.post(f"{url}/upload", data={"item": item}, files=[("files", f) for f in files],
                       headers={"x-csrftoken": csrf(client)}, follow_redirects=False)


def online_values(**changes) -> dict:
    values = {k: v for k, v in COUNTER.items() if k not in ("id_type", "id_number")}
    values["recognition_number"] = f"昌人社工认〔2025〕{uuid.uuid4().hex[:6]}号"
    values.update(changes)
    return values


def test_online_application_draft_uploads_submit_notice_and_resubmission(client, db, cheap_hasher, tmp_path):
    me = new_worker(client, db, cheap_hasher, "买买提·测试")
    login(client, me, PASSWORD)
    # a first save with a mistake: kept as a draft, the message beside the field, what was typed kept
    r = post(client, "/me/apply", online_values(worker_name="买买提·测试", bank_account="12ab"))
    assert r.status_code == 200 and "银行账号应为8至32位数字" in r.text and "已保存为草稿" in r.text
    assert "昌吉市天山建材" in r.text
    db.rollback()
    case = db.exec(select(Case).where(Case.id_number == me, Case.status == "draft")).one()
    url = f"/me/cases/{case.public_id}"
    # drafts are nobody's work yet: staff do not find them
    login(client, "chushen")
    assert client.get(f"/staff/cases/{case.public_id}").status_code == 404
    login(client, me, PASSWORD)
    assert "继续填写" in client.get("/me/apply").text
    r = post(client, f"{url}/edit", online_values(worker_name="买买提·测试"), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{url}/materials"
    page = client.get(f"{url}/materials").text
    items = re.findall(r'name="item" value="(\d+)"', page)
    assert len(items) == 2  # the catalogue for the worker: identity and termination proof (6.1.2.2 a, b)
    # submitting without the materials is refused and names them
    version = find(r'name="version" value="(\d+)"', page)
    r = post(client, f"{url}/submit", {"version": version})
    assert "尚未上传" in r.text
    assert upload(client, url, items[0], [("身份证正面.png", PNG, "image/png"),
                                          ("身份证反面.png", PNG, "image/png")]).status_code == 303
    r = upload(client, url, items[1], [("假的.pdf", b"not a pdf at all", "application/pdf")])
    assert r.status_code == 200 and "不是 PDF、JPEG 或 PNG" in r.text
    assert upload(client, url, items[1], [("解除劳动合同证明.pdf", PDF, "application/pdf")]).status_code == 303
    page = client.get(f"{url}/materials").text
    assert "身份证反面.png" in page and "解除劳动合同证明.pdf" in page
    # the data can be corrected with the files kept
    r = post(client, f"{url}/edit", online_values(worker_name="买买提·测试", contact_phone="13800001111"),
             follow_redirects=False)
    assert r.status_code == 303 and "解除劳动合同证明.pdf" in client.get(f"{url}/materials").text
    version = find(r'name="version" value="(\d+)"', client.get(f"{url}/materials").text)
    r = post(client, f"{url}/submit", {"version": version}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{url}?accepted=1", r.text[:2000]
    page = client.get(r.headers["location"]).text
    number = find(r'class="case-number">([^<]+)<', page)
    receipt = find(r'href="/documents/([^"]+)" download>受理回执', page)
    text = "".join(subprocess.run(["pdftotext", "-", "-"], input=client.get(f"/documents/{receipt}").content,
                                  capture_output=True, check=True).stdout.decode().split())
    assert "申请人" in text and "劳动关系解除或终止" in text and "您通过网上服务平台" in text and "我的申报" in text
    db.rollback()
    case = db.get(Case, case.id)
    assert case.status == "initial_review" and case.channel == "online" and case.applicant_kind == "worker"
    assert case.office_id == db.exec(select(Office).where(Office.code == "652301")).one().id
    # the former employer does not read the worker's own application
    login(client, "qiye")
    assert client.get(f"/my/cases/{case.public_id}").status_code == 404
    assert client.get(f"/documents/{receipt}").status_code == 404
    # initial review finds it incomplete → one-time notice → message to the worker
    from tests.portal.test_review_process import version_of

    login(client, "chushen")
    staff_url = f"/staff/cases/{case.public_id}"
    # the reviewer reads the uploaded scans on the case page
    page = client.get(staff_url).text
    assert "申请人在线上传的材料" in page and "身份证反面.png" in page
    scan = find(r'href="(/staff/reception/cases/[^"]+/file\?id=\d+)"', page)
    assert client.get(scan).status_code == 200
    r = post(client, f"{staff_url}/initial-review", {
        "decision": "incomplete", "version": version_of(client, staff_url), "defect": ["bank"],
        "wanted_bank": "请填写职工本人的银行账号"}, follow_redirects=False)
    assert r.status_code == 303, r.text[:1500]
    login(client, me, PASSWORD)
    assert re.search(r'消息 <span class="count"', client.get("/me/cases").text)
    msgs = client.get("/messages").text
    assert "材料不完整" in msgs and "请填写职工本人的银行账号" in msgs
    page = client.get(url).text
    assert "补正并重新提交" in page
    r = post(client, f"{url}/edit", online_values(worker_name="买买提·测试", bank_account="6222020200999988887"),
             follow_redirects=False)
    assert r.status_code == 303
    version = find(r'name="version" value="(\d+)"', client.get(f"{url}/materials").text)
    r = post(client, f"{url}/submit", {"version": version}, follow_redirects=False)
    assert r.status_code == 303, r.text[:1500]
    db.rollback()
    case = db.get(Case, case.id)
    assert case.status == "initial_review" and case.number == number and case.bank_account == "6222020200999988887"
    assert len(db.exec(select(Document).where(Document.case_id == case.id,
                                              Document.kind == "online_receipt")).all()) == 2
    titles = [m.title for m in db.exec(select(Message).join(Account, col(Account.id) == Message.account_id)
                                       .where(Account.username == me)).all()]
    assert sum("已受理，待初审" in t for t in titles) == 2


def test_another_worker_cannot_touch_a_draft_by_changing_the_url(client, db, cheap_hasher):
    me = new_worker(client, db, cheap_hasher)
    login(client, me, PASSWORD)
    post(client, "/me/apply", online_values())
    db.rollback()
    case = db.exec(select(Case).where(Case.id_number == me, Case.status == "draft")).one()
    url = f"/me/cases/{case.public_id}"
    items = re.findall(r'name="item" value="(\d+)"', client.get(f"{url}/materials").text)
    assert upload(client, url, items[0], [("id.png", PNG, "image/png")]).status_code == 303
    file_id = find(r"file\?id=(\d+)", client.get(f"{url}/materials").text)
    other = new_worker(client, db, cheap_hasher)
    login(client, other, PASSWORD)
    for method, path in (("GET", ""), ("GET", "/edit"), ("GET", "/materials"), ("GET", f"/file?id={file_id}"),
                         ("POST", "/edit"), ("POST", "/submit"), ("POST", "/remove")):
        r = client.get(url + path) if method == "GET" else post(client, url + path, {"file": file_id})
        assert r.status_code == 404, (method, path, r.status_code)
    r = upload(client, url, items[0], [("x.png", PNG, "image/png")])
    assert r.status_code == 404


def test_proxy_applies_with_the_power_of_attorney(client, db, cheap_hasher):
    proxy = new_worker(client, db, cheap_hasher, "代理人甲")
    login(client, proxy, PASSWORD)
    worker_id = new_id()
    r = post(client, "/me/apply", online_values(applicant_kind="proxy", worker_name="职工乙", id_type="居民身份证",
                                                id_number=worker_id), follow_redirects=False)
    assert r.status_code == 303, r.text[:2000]
    url = r.headers["location"].rsplit("/", 1)[0]
    page = client.get(f"{url}/materials").text
    assert "授权委托书" in page and "受委托人有效身份证件" in page
    for item in re.findall(r'name="item" value="(\d+)"', page):
        assert upload(client, url, item, [("scan.pdf", PDF, "application/pdf")]).status_code == 303
    version = find(r'name="version" value="(\d+)"', client.get(f"{url}/materials").text)
    assert post(client, f"{url}/submit", {"version": version}, follow_redirects=False).status_code == 303
    db.rollback()
    case = db.exec(select(Case).where(Case.public_id == pid(url))).one()
    assert case.applicant_kind == "proxy" and case.id_number == worker_id and case.proxy_id_number == proxy
    # the applicant may withdraw their own application before the second review decides
    page = client.get(url).text
    assert "撤回申请" in page
    version = find(r'action="/me/cases/[^"]+/withdraw">\s*<input type="hidden" name="_csrf_token" value="[^"]*"\s*/?>'
                   r'<input type="hidden" name="version" value="(\d+)"', page)
    r = post(client, f"{url}/withdraw", {"version": version, "reason": ""})
    assert "必须注明原因" in r.text
    r = post(client, f"{url}/withdraw", {"version": version, "reason": "材料需重新准备"}, follow_redirects=False)
    assert r.status_code == 303
    db.rollback()
    assert db.exec(select(Case).where(Case.public_id == pid(url))).one().status == "withdrawn"


# ------------------------------------------------------------------ staff administration

def test_admin_creates_staff_with_a_temporary_password_that_must_be_changed(client, db):
    login(client, "guanli")
    username = f"t_{uuid.uuid4().hex[:8]}"
    r = post(client, "/staff/admin/accounts/new", {"username": "X", "display_name": "", "office": ""})
    assert "用户名为 3–32 位" in r.text and "请填写姓名" in r.text and "请至少选择一个岗位" in r.text
    r = post(client, "/staff/admin/accounts/new", {"username": username, "display_name": "测试初审",
                                                   "office": "652301", "roles": ["initial_review", "recheck"]})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    temp = find(r'class="temp-password">([A-Z2-9]+)<', r.text)
    login(client, username, temp)
    # the temporary password opens only the change-password page
    r = client.get("/staff/review", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account/password"
    r = post(client, "/account/password", {"current": temp, "new": "abc", "again": "abc"})
    assert "至少 8 位" in r.text
    r = post(client, "/account/password", {"current": temp, "new": PASSWORD, "again": PASSWORD},
             follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/staff/review"
    assert client.get("/staff/review").status_code == 200
    db.rollback()
    actions = [a.action for a in db.exec(select(AuditRecord).where(col(AuditRecord.action).like("account.%"))).all()
               if a.details.get("account") == username or a.actor_name == "测试初审"]
    assert "account.create" in actions and "account.password_change" in actions


def test_deactivation_ends_the_session_and_lists_open_cases(client, db, app):
    from litestar.testing import TestClient

    login(client, "guanli")
    username = f"t_{uuid.uuid4().hex[:8]}"
    r = post(client, "/staff/admin/accounts/new", {"username": username, "display_name": "将离职",
                                                   "office": "652301", "roles": ["initial_review"]})
    temp = find(r'class="temp-password">([A-Z2-9]+)<', r.text)
    db.rollback()
    leaver = db.exec(select(Account).where(Account.username == username)).one()
    # a case assigned to the leaver
    login(client, "qiye")
    public_id = pid(apply(client, recognition_number=f"昌人社工认〔2025〕{uuid.uuid4().hex[:6]}号"))
    db.rollback()
    case = db.exec(select(Case).where(Case.public_id == public_id)).one()
    case.assigned_to_id = leaver.id
    db.add(case)
    db.commit()
    with TestClient(app, base_url="http://testserver.local") as theirs:
        login(theirs, username, temp)
        post(theirs, "/account/password", {"current": temp, "new": PASSWORD, "again": PASSWORD})
        assert theirs.get("/staff/review", follow_redirects=False).status_code == 200
        login(client, "guanli")
        page = client.get(f"/staff/admin/accounts/{leaver.id}").text
        assert public_id in page
        r = post(client, f"/staff/admin/accounts/{leaver.id}/deactivate", {"reason": ""})
        assert "请写明停用原因" in r.text
        r = post(client, f"/staff/admin/accounts/{leaver.id}/deactivate", {"reason": "调离"},
                 follow_redirects=False)
        assert r.status_code == 303
        assert "该账户已停用" in client.get(f"/staff/admin/accounts/{leaver.id}").text
        # the leaver's open session stops working at once
        r = theirs.get("/staff/review", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        r = post(theirs, "/login", {"username": username, "password": PASSWORD})
        assert "停用" in r.text
    db.rollback()
    record = db.exec(select(AuditRecord).where(AuditRecord.action == "account.deactivate")
                     .order_by(col(AuditRecord.id).desc())).first()
    assert record.reason == "调离" and case.number in record.details["open_cases"]


def test_reset_password_and_the_lockout(client, db):
    login(client, "guanli")
    username = f"t_{uuid.uuid4().hex[:8]}"
    r = post(client, "/staff/admin/accounts/new", {"username": username, "display_name": "锁定测试",
                                                   "office": "652301", "roles": ["finance"]})
    temp = find(r'class="temp-password">([A-Z2-9]+)<', r.text)
    client.cookies.clear()
    for _ in range(5):
        post(client, "/login", {"username": username, "password": "wrong-one-1"})
    r = post(client, "/login", {"username": username, "password": temp})
    assert "锁定" in r.text
    db.rollback()
    target = db.exec(select(Account).where(Account.username == username)).one()
    login(client, "guanli")
    r = post(client, f"/staff/admin/accounts/{target.id}/reset-password", {})
    fresh = find(r'class="temp-password">([A-Z2-9]+)<', r.text)
    assert fresh != temp
    login(client, username, fresh)  # the reset lifts the lock
    client.cookies.clear()
    r = post(client, "/login", {"username": username, "password": temp})
    assert "用户名或密码不正确" in r.text


def test_separation_settings_are_visible_and_changes_audited(client, db):
    login(client, "guanli")
    page = client.get("/staff/admin/separation").text
    assert "同一案件的初审人不能进行复核" in page and "呼图壁县" in page
    r = post(client, "/staff/admin/separation/652328", {"allowed": "0", "reason_652328": ""})
    assert "请写明修改原因" in r.text
    r = post(client, "/staff/admin/separation/652328", {"allowed": "0", "reason_652328": "人员已配齐"},
             follow_redirects=False)
    assert r.status_code == 303
    db.rollback()
    office = db.exec(select(Office).where(Office.code == "652328")).one()
    assert office.receiver_may_review is False
    record = db.exec(select(AuditRecord).where(AuditRecord.action == "office.separation")
                     .order_by(col(AuditRecord.id).desc())).first()
    assert record.reason == "人员已配齐" and record.details["office"] == "652328"
    post(client, "/staff/admin/separation/652328", {"allowed": "1", "reason_652328": "恢复默认"})
    login(client, "chushen")
    assert client.get("/staff/admin/separation").status_code == 403


# ------------------------------------------------------------------ employer agents

def test_agents_are_provisioned_by_a_hall_for_its_own_employers(client, db):
    login(client, "shouli")  # 受理岗 of 昌吉市 (652301)
    username = f"a_{uuid.uuid4().hex[:8]}"
    r = post(client, "/staff/agents", {"uscc": "91652301MA7ABCDE9X", "username": username, "display_name": "甲"})
    assert "统一社会信用代码" in r.text  # the check character is wrong
    # a second agent for the demo employer of 昌吉市
    r = post(client, "/staff/agents", {"uscc": "91652301MA7ABCDE9F", "username": username, "display_name": "第二经办人"})
    assert r.status_code == 200 and "temp-password" in r.text, r.text[:1500]
    temp = find(r'class="temp-password">([A-Z2-9]+)<', r.text)
    # the employer of 呼图壁县 belongs to that hall
    r = post(client, "/staff/agents", {"uscc": "91652323MA78B0AT4B", "username": f"b_{uuid.uuid4().hex[:8]}",
                                       "display_name": "乙"})
    assert "不在本大厅经办范围内" in r.text
    # the same agent sees the employer's cases after replacing the temporary password
    login(client, "qiye")
    public_id = pid(apply(client, recognition_number=f"昌人社工认〔2025〕{uuid.uuid4().hex[:6]}号"))
    login(client, username, temp)
    post(client, "/account/password", {"current": temp, "new": PASSWORD, "again": PASSWORD})
    assert public_id in client.get("/my/cases").text
    # qiye2 (another employer) cannot reach it by changing the URL
    login(client, "qiye2")
    assert client.get(f"/my/cases/{public_id}").status_code == 404
    assert public_id not in client.get("/my/cases").text


def test_admin_creates_a_new_employer_with_its_county(client, db):
    from casework.identity import uscc_check_char

    first17 = f"91652324MA{uuid.uuid4().hex[:7].upper()}"
    first17 = "".join(c if c not in "IOSVZ" else "A" for c in first17)
    uscc = first17 + uscc_check_char(first17)
    login(client, "guanli")
    username = f"c_{uuid.uuid4().hex[:8]}"
    r = post(client, "/staff/agents", {"uscc": uscc, "username": username, "display_name": "丙"})
    assert "请填写单位名称" in r.text
    r = post(client, "/staff/agents", {"uscc": uscc, "employer_name": "玛纳斯测试公司", "county": "652324",
                                       "username": username, "display_name": "丙"})
    assert "temp-password" in r.text
    from casework.models import Employer

    db.rollback()
    assert db.exec(select(Employer).where(Employer.uscc == uscc)).one().county == "652324"


def test_no_self_registration_anywhere(client):
    for path in ("/register", "/signup", "/my/register"):
        assert client.get(path).status_code in (404, 405)
    assert "激活个人账户" in client.get("/login").text and "经办大厅" in client.get("/login").text


def test_weak_and_common_passwords_are_refused():
    from casework.people import password_problem

    assert "10" in password_problem("Ab1-short")
    assert "三类" in password_problem("password1234")
    assert "常见" in password_problem("Password123!")
    assert password_problem("Neue-Pass-2026") is None


def test_guessing_the_current_password_locks_the_account(client, db, cheap_hasher):
    username = new_worker(client, db, cheap_hasher, "改密测试")
    login(client, username, PASSWORD)
    for _ in range(4):
        r = post(client, "/account/password", {"current": "Wrong-Guess-1", "new": "Another-Pass-2027",
                                                 "again": "Another-Pass-2027"})
        assert "当前密码不正确" in r.text
    r = post(client, "/account/password", {"current": "Wrong-Guess-1", "new": "Another-Pass-2027",
                                             "again": "Another-Pass-2027"}, follow_redirects=False)
    assert "已暂时锁定" in r.text or r.status_code == 303
    assert client.get("/me/cases", follow_redirects=False).status_code == 303  # signed out
    db.rollback()
    from casework.models import Account
    assert db.exec(select(Account).where(Account.username == username)).one().locked_until is not None
