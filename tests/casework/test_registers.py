"""Registers of upstream records (casework.registers) on the real database: imports with good rows, bad rows and
a re-import; the preview writes nothing; one-record edits; finality of an appraisal (条例 art. 26).

Everything only flushes: the `db` fixture rolls the test's transaction back."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import func, select

from casework import registers as reg
from casework.models import Account, AuditRecord, Office
from casework.roles import Role
from casework.transitions import Actor, Conflict, DomainError, NotPermitted
from tests.casework.register_data import bad_check_id, csv_bytes, new_id, new_number, new_uscc

TODAY = date(2026, 1, 15)
EMPLOYER_HEADER = ["统一社会信用代码", "单位名称", "参保地区划代码", "参保起始日期", "参保终止日期"]
CONTRIBUTION_HEADER = ["证件号码", "姓名", "统一社会信用代码", "缴费月份", "缴费工资"]


def _actor(db, username: str, role: Role) -> Actor:
    account = db.exec(select(Account).where(Account.username == username)).one()
    return Actor(account=account, role=role, office=db.get(Office, account.office_id))


@pytest.fixture
def keeper(db, seeded) -> Actor:
    return _actor(db, "dengji", Role.REGISTER_KEEPER)


def _load(db, keeper, kind, rows, filename="file.csv", content=None):
    upload, plan = reg.stage_import(db, kind, filename, content or csv_bytes(rows), keeper, today=TODAY)
    return upload, plan


def _employer(db, keeper, uscc=None, start="2020-01-01", end="") -> str:
    uscc = uscc or new_uscc()
    upload, _ = _load(db, keeper, "employers", [EMPLOYER_HEADER, [uscc, "测试单位", "652301", start, end]])
    reg.confirm_import(db, upload.token, keeper, today=TODAY)
    return uscc


def _count(db, model) -> int:
    db.flush()
    return db.exec(select(func.count()).select_from(model)).one()


def test_good_rows_are_added_and_a_reimport_changes_nothing(db, keeper):
    a, b = new_uscc(), new_uscc()
    rows = [EMPLOYER_HEADER, [a, "甲公司", "652301", "2020-01-01", ""],
            [a, "甲公司", "652301", "2018/1/1", "2019年6月30日"], [b, "乙公司", "昌吉市", "20210301", ""]]
    upload, plan = _load(db, keeper, "employers", rows)
    assert plan.counts == {"add": 3, "change": 0, "same": 0, "reject": 0}
    result = reg.confirm_import(db, upload.token, keeper, today=TODAY)
    assert result.counts["add"] == 3
    periods = db.exec(select(reg.RegisterEmployer).where(reg.RegisterEmployer.uscc == a)
                      .order_by(reg.RegisterEmployer.start_date)).all()
    assert [(p.start_date, p.end_date) for p in periods] == [(date(2018, 1, 1), date(2019, 6, 30)),
                                                              (date(2020, 1, 1), None)]
    assert db.exec(select(reg.RegisterEmployer).where(reg.RegisterEmployer.uscc == b)).one().county == "652301"
    trail = db.exec(select(AuditRecord).where(AuditRecord.action == "register_import")
                    .order_by(AuditRecord.id.desc())).first()
    assert trail.actor_id == keeper.id and trail.role == "register_keeper"
    assert trail.details["counts"]["add"] == 3 and len(trail.details["added"]) == 3

    before = [(p.id, p.version, p.updated_at) for p in periods]
    again, plan = _load(db, keeper, "employers", rows)
    assert plan.counts == {"add": 0, "change": 0, "same": 3, "reject": 0}
    reg.confirm_import(db, again.token, keeper, today=TODAY)
    periods = db.exec(select(reg.RegisterEmployer).where(reg.RegisterEmployer.uscc == a)
                      .order_by(reg.RegisterEmployer.start_date)).all()
    assert [(p.id, p.version, p.updated_at) for p in periods] == before


def test_bad_rows_are_rejected_with_their_reason(db, keeper):
    uscc, worker, unknown = _employer(db, keeper), new_id(), new_uscc()
    rows = [CONTRIBUTION_HEADER,
            [worker, "张三", uscc, "2025-01", "6000.00"],          # line 2: good
            [bad_check_id(), "李四", uscc, "2025-01", "6000"],     # line 3: invalid ID
            [new_id(), "王五", unknown, "2025-01", "6000"],        # line 4: unknown employer
            [worker, "张三", uscc, "2025/1", "6100"],              # line 5: duplicate of line 2
            [new_id(), "赵六", uscc, "2025-13", "五千"],           # line 6: bad month and amount
            ["", "", "", "", ""]]                                  # blank lines are skipped
    _, plan = _load(db, keeper, "contributions", rows)
    by_line = {r.line: r for r in plan.rows}
    assert plan.counts == {"add": 1, "change": 0, "same": 0, "reject": 4}
    assert by_line[2].action == "add" and by_line[2].values["wage_fen"] == 600000
    assert "校验位" in by_line[3].errors["id_number"]
    assert "参保单位登记中没有" in by_line[4].errors["uscc"]
    assert "与第2行重复" in by_line[5].errors["id_number"]
    assert "月份" in by_line[6].errors["month"] and "金额" in by_line[6].errors["wage_fen"]


def test_the_preview_writes_nothing_to_the_registers(db, keeper):
    uscc = new_uscc()
    employers, audits = _count(db, reg.RegisterEmployer), _count(db, AuditRecord)
    upload, plan = _load(db, keeper, "employers", [EMPLOYER_HEADER, [uscc, "丙公司", "652323", "2022-01-01", ""]])
    assert plan.count("add") == 1
    assert _count(db, reg.RegisterEmployer) == employers and _count(db, AuditRecord) == audits
    assert db.exec(select(reg.RegisterEmployer).where(reg.RegisterEmployer.uscc == uscc)).first() is None
    # the rows wait server-side for the confirmation; the preview is recomputed from them
    assert reg.preview_upload(db, upload, TODAY).fingerprint == upload.fingerprint


def test_a_changed_row_shows_before_and_after_and_is_audited(db, keeper):
    uscc, worker = _employer(db, keeper), new_id()
    first, _ = _load(db, keeper, "contributions", [CONTRIBUTION_HEADER, [worker, "张三", uscc, "2025-02", "6000"]])
    reg.confirm_import(db, first.token, keeper, today=TODAY)
    second, plan = _load(db, keeper, "contributions", [CONTRIBUTION_HEADER, [worker, "张三", uscc, "202502", "6,500.50"]])
    assert plan.counts["change"] == 1 and plan.rows[0].changes == {"wage_fen": [600000, 650050]}
    reg.confirm_import(db, second.token, keeper, today=TODAY)
    record = db.exec(select(reg.RegisterContribution).where(reg.RegisterContribution.id_number == worker)).one()
    assert record.wage_fen == 650050 and record.version == 2
    trail = db.exec(select(AuditRecord).where(AuditRecord.action == "register_import")
                    .order_by(AuditRecord.id.desc())).first()
    assert trail.details["changed"][0]["changes"] == {"wage_fen": [600000, 650050]}


def test_confirm_is_refused_when_the_register_changed_after_the_preview_and_cannot_run_twice(db, keeper):
    uscc = _employer(db, keeper)
    record = db.exec(select(reg.RegisterEmployer).where(reg.RegisterEmployer.uscc == uscc)).one()
    upload, _ = _load(db, keeper, "employers", [EMPLOYER_HEADER, [uscc, "测试单位", "652301", "2020-01-01", "2024-12-31"]])
    reg.update_record(db, "employers", record.id, {"name": "测试单位（更名）", "county": "652301", "end_date": ""},
                      keeper, expected_version=record.version, reason="依据变更登记更正", today=TODAY)
    with pytest.raises(Conflict, match="预览之后登记簿已被修改"):
        reg.confirm_import(db, upload.token, keeper, today=TODAY)
    fresh, _ = _load(db, keeper, "employers", [EMPLOYER_HEADER, [new_uscc(), "丁公司", "652301", "2020-01-01", ""]])
    reg.confirm_import(db, fresh.token, keeper, today=TODAY)
    with pytest.raises(Conflict, match="已经导入"):
        reg.confirm_import(db, fresh.token, keeper, today=TODAY)


def test_only_the_uploader_confirms_and_only_a_register_keeper_imports(db, keeper):
    reviewer = _actor(db, "chushen", Role.INITIAL_REVIEW)
    with pytest.raises(NotPermitted):
        reg.stage_import(db, "employers", "a.csv", csv_bytes([EMPLOYER_HEADER]), reviewer)
    upload, _ = _load(db, keeper, "employers", [EMPLOYER_HEADER, [new_uscc(), "戊公司", "652301", "2020-01-01", ""]])
    with pytest.raises(NotPermitted):
        reg.confirm_import(db, upload.token, reviewer)
    other = Actor(account=Account(id=-1, username="x", display_name="x", password_hash="", kind="staff",
                                  roles="register_keeper"), role=Role.REGISTER_KEEPER)
    with pytest.raises(DomainError, match="找不到该导入预览"):
        reg.confirm_import(db, upload.token, other)


def test_an_old_preview_expires(db, keeper):
    upload, _ = _load(db, keeper, "employers", [EMPLOYER_HEADER, [new_uscc(), "己公司", "652301", "2020-01-01", ""]])
    with pytest.raises(DomainError, match="24小时"):
        reg.confirm_import(db, upload.token, keeper, now=upload.created_at + timedelta(hours=25))


def test_xlsx_with_date_and_number_cells_and_gb18030_csv(db, keeper):
    from openpyxl import Workbook

    uscc, worker, number = _employer(db, keeper), new_id(), new_number()
    wb = Workbook()
    ws = wb.active
    ws.append(["认定决定书编号", "认定决定日期", "证件号码", "姓名", "统一社会信用代码", "受伤日期", "认定结论", "备注"])
    ws.append([number.replace("〔", "[").replace("〕", "]"), datetime(2025, 5, 20), worker, "买买提·吐尔逊", uscc,
               date(2025, 3, 10), "工伤", "多余的列被忽略"])
    buf = io.BytesIO()
    wb.save(buf)
    upload, plan = _load(db, keeper, "recognitions", [], filename="认定.xlsx", content=buf.getvalue())
    assert plan.counts["add"] == 1, plan.rows[0].errors
    assert plan.rows[0].values == {"number": number, "decision_date": "2025-05-20", "id_type": "居民身份证",
                                   "id_number": worker, "worker_name": "买买提·吐尔逊", "uscc": uscc,
                                   "injury_date": "2025-03-10", "outcome": "工伤"}

    wb = Workbook()
    ws = wb.active
    ws.append(CONTRIBUTION_HEADER)
    ws.append([worker, "买买提·吐尔逊", uscc, 202502, 6000.5])
    buf = io.BytesIO()
    wb.save(buf)
    _, plan = _load(db, keeper, "contributions", [], filename="c.xlsx", content=buf.getvalue())
    assert plan.rows[0].values["month"] == "2025-02" and plan.rows[0].values["wage_fen"] == 600050

    gbk = csv_bytes([CONTRIBUTION_HEADER, [worker, "张三", uscc, "2025-01", "6000"]], encoding="gb18030")
    _, plan = _load(db, keeper, "contributions", [], content=gbk)
    assert plan.rows[0].values["worker_name"] == "张三"


@pytest.mark.parametrize("filename,content,words", [
    ("a.xls", b"whatever", "另存为 .xlsx"),
    ("a.pdf", b"%PDF", ".csv 或 .xlsx"),
    ("a.xlsx", b"not a zip", "无法读取"),
    ("a.csv", csv_bytes([["证件号码", "姓名"], ["x", "y"]]), "缺少列"),
    ("a.csv", csv_bytes([CONTRIBUTION_HEADER]), "没有数据行"),
    ("a.csv", b"", "空的"),
])
def test_a_file_that_cannot_be_read_is_refused_in_chinese(db, keeper, filename, content, words):
    with pytest.raises(DomainError, match=words) as info:
        reg.stage_import(db, "contributions", filename, content, keeper)
    assert info.value.field == "file"


def test_one_record_edit_needs_a_reason_keeps_the_key_and_is_audited(db, keeper):
    uscc = _employer(db, keeper)
    number, worker = new_number("昌劳鉴"), new_id()
    upload, _ = _load(db, keeper, "appraisals", [
        ["鉴定结论编号", "鉴定结论日期", "送达日期", "证件号码", "姓名", "伤残等级", "生活护理等级", "护理等级鉴定日期"],
        [number, "2025-09-15", "", worker, "张三", "四级", "", ""]])
    reg.confirm_import(db, upload.token, keeper, today=TODAY)
    record = db.exec(select(reg.RegisterAppraisal).where(reg.RegisterAppraisal.number == number)).one()
    form = reg.record_form("appraisals", record)
    assert form["grade"] == "4" and form["is_reappraisal"] == "初次鉴定" and form["delivery_date"] == ""

    saved, errors = reg.update_record(db, "appraisals", record.id, {**form, "delivery_date": "2025-09-18"}, keeper,
                                      expected_version=record.version, reason="", today=TODAY)
    assert saved is None and "修改原因" in errors["reason"]
    saved, errors = reg.update_record(db, "appraisals", record.id, {**form, "care_level": "部分不能自理"}, keeper,
                                      expected_version=record.version, reason="补录", today=TODAY)
    assert saved is None and "护理等级鉴定日期" in errors["care_date"]
    saved, errors = reg.update_record(db, "appraisals", record.id,
                                      {**form, "number": "改不了", "delivery_date": "2025-09-18"}, keeper,
                                      expected_version=record.version, reason="依据送达回证补录", today=TODAY)
    assert errors == {} and saved.delivery_date == date(2025, 9, 18) and saved.number == number
    assert saved.version == 2
    trail = db.exec(select(AuditRecord).where(AuditRecord.action == "register_edit")
                    .order_by(AuditRecord.id.desc())).first()
    assert trail.reason == "依据送达回证补录" and trail.details["changes"] == {"delivery_date": [None, "2025-09-18"]}
    with pytest.raises(Conflict):
        reg.update_record(db, "appraisals", record.id, form, keeper, expected_version=1, reason="旧页面")
    assert uscc


def _appraisal(**kw) -> reg.RegisterAppraisal:
    fields = dict(number="X", conclusion_date=date(2025, 9, 15), id_number="1", worker_name="x", grade=4)
    return reg.RegisterAppraisal(**{**fields, **kw})


@pytest.mark.parametrize("kw,today,state", [
    ({"delivery_date": date(2025, 9, 18)}, date(2025, 10, 3), "pending"),   # day 15 after delivery: still open
    ({"delivery_date": date(2025, 9, 18)}, date(2025, 10, 4), "final"),     # 15 days passed with no request
    ({"delivery_date": None}, date(2026, 1, 1), "unknown"),
    ({"delivery_date": date(2025, 9, 18), "reappraisal_requested": True}, date(2026, 1, 1), "pending"),
    ({"delivery_date": None, "is_reappraisal": True}, date(2025, 9, 15), "final"),
])
def test_finality_follows_article_26(kw, today, state):
    f = reg.finality(_appraisal(**kw), today)
    assert f.state == state
    if state == "final" and not kw.get("is_reappraisal"):
        assert f.since == date(2025, 10, 4)


def test_document_numbers_are_compared_in_one_form():
    assert reg.normalise_number(" 昌人社工认[2025] 0123号") == "昌人社工认〔2025〕0123号"
    assert reg.normalise_number("昌劳鉴（2025）0456号") == reg.normalise_number("昌劳鉴【2025】0456号")


def test_search_finds_by_name_code_and_number(db, keeper):
    uscc = _employer(db, keeper)
    assert [r.uscc for r in reg.search(db, "employers", uscc.lower())] == [uscc]
    assert uscc in [r.uscc for r in reg.search(db, "employers", "测试单位")]
