"""Issuing documents: the context of each PDF from the case and its frozen assessment, the render (in
the renderer's process pool), and the store (before the row that points to it is committed)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Session

from casework.clock import beijing_date, fmt_date, fmt_instant
from casework.identity import mask_account, mask_id, mask_name, mask_phone
from casework.models import Account, Case, Employer, Office
from casework.money import capitals, fmt_yuan
from casework.review import StoredFile
from portal.web import Services

SEX = {"male": "男", "female": "女"}
TERMINATION_KINDS = {"worker-initiated": "职工本人提出解除", "contract-expired": "劳动合同期满终止", "other": "其他"}
PAYERS = {"fund": "工伤保险基金", "employer": "用人单位（仅供参考）"}
LEGAL_BASIS = ("《工伤保险条例》（2010年修订）第三十四条、第三十五条、第三十六条、第三十七条、第六十四条；"
               "DB 6523/T 375—2023《因工伤残待遇申领办理规范》6.3、6.4")
REMEDIES = ("对本核定结果有异议的，可自收到本核定单之日起60日内依法申请行政复议，"
            "或者自收到之日起6个月内依法向人民法院提起行政诉讼（《工伤保险条例》第五十五条）。")


def verify_url(services: Services, number: str, token: str) -> str:
    return f"{services.settings.public_base_url}/verify/{number}/{token}"


def money(value: str | Decimal | None) -> dict | None:
    if value is None:
        return None
    amount = Decimal(str(value))
    return {"amount": fmt_yuan(amount), "capitals": capitals(amount)}


def month_label(ym: str | None) -> str:
    if not ym:
        return ""
    y, m = ym.split("-")[:2]
    return f"{y}年{m}月"


def approval_context(db: Session, case: Case, number: str, token: str, issued_at: datetime,
                     services: Services) -> dict:
    snap = case.assessment or {}
    employer = db.get(Employer, case.employer_id) if case.employer_id else None
    office = db.get(Office, case.office_id)
    first = db.get(Account, case.initial_reviewer_id) if case.initial_reviewer_id else None
    second = db.get(Account, case.second_reviewer_id) if case.second_reviewer_id else None
    pw = snap.get("personal_wage")
    lines = [
        {
            "item": line["item"], "formula": line["formula"], "amount": fmt_yuan(Decimal(line["amount"])),
            "amount_capitals": capitals(Decimal(line["amount"])),
            "payer_label": PAYERS.get(line["payer"], line["payer"]),
            "start_month": month_label(line.get("start_month")), "basis": line.get("basis", ""),
        }
        for line in snap.get("lines", [])
    ]
    total = sum((Decimal(l["amount"]) for l in snap.get("lines", [])
                 if not l.get("monthly") and l["payer"] == "fund"), Decimal("0.00"))
    # the first month's total: the fund-paid monthly lines that start in the earliest month (伤残津贴 and
    # 生活护理费 can start in different months when the care level was appraised later)
    monthly = [l for l in snap.get("lines", []) if l.get("monthly") and l["payer"] == "fund"]
    earliest = min((l.get("start_month") or "" for l in monthly), default="")
    first_month = sum((Decimal(l["amount"]) for l in monthly if (l.get("start_month") or "") == earliest),
                      Decimal("0.00"))
    retirement = snap.get("retirement_month")
    return {
        "number": number,
        "issued_on": fmt_date(beijing_date(issued_at)),
        "office": office.name if office else "",
        "verify_url": verify_url(services, number, token),
        "demo": bool(snap.get("demo")),
        "worker": {"name": case.worker_name, "id_number": case.id_number, "id_type": case.id_type,
                   "sex": SEX.get(case.sex, case.sex), "birth_date": fmt_date(case.birth_date)},
        "employer": {"name": employer.name if employer else (case.former_employer_name or ""),
                     "uscc": employer.uscc if employer else (case.former_employer_uscc or "")},
        "injury_date": fmt_date(case.injury_date),
        "recognition": {"number": case.recognition_number, "date": fmt_date(case.recognition_date)},
        "appraisal": {"number": case.appraisal_number, "date": fmt_date(case.appraisal_date), "grade": case.grade,
                      "care_level": case.care_level, "care_date": fmt_date(case.care_date)},
        # 一次性工伤医疗补助金: the date and kind of termination decide the months table and W (RULES.md 2, 4)
        "termination": {"date": fmt_date(case.termination_date),
                        "kind_label": TERMINATION_KINDS.get(case.termination_kind or "", case.termination_kind or "")}
        if case.termination_date else None,
        "personal_wage": None if not pw else {
            "months": pw["months"], "raw_average": fmt_yuan(Decimal(pw["raw_average"])),
            "average_wage": fmt_yuan(Decimal(pw["average_wage"])),
            "average_wage_label": next((p.get("label", "") for p in snap.get("parameters", [])
                                        if p.get("key") == "average_wage"), ""),
            "floor": fmt_yuan(Decimal(pw["floor"])), "cap": fmt_yuan(Decimal(pw["cap"])),
            "result": fmt_yuan(Decimal(pw["result"])),
            "clamped_label": {"floor": "低于60%，按60%计", "cap": "高于300%，按300%计"}.get(pw.get("clamped") or "", "未调整"),
        },
        "lines": lines,
        "total_lump_sums": money(total),
        "first_month_total": money(first_month) if first_month else None,
        "bank": {"name": case.bank_name, "account_masked": mask_account(case.bank_account)},
        "retirement_month": f"{month_label(retirement)}（预计）" if retirement else None,
        "parameters": [
            {"label": p.get("label", ""), "effective_from": p.get("effective_from", ""),
             "source": p.get("source", ""), "demo": p.get("demo", False)}
            for p in snap.get("parameters", [])
        ],
        "initial_reviewer": {"name": first.display_name if first else "",
                             "date": fmt_date(beijing_date(case.assessed_at)) if case.assessed_at else ""},
        "second_reviewer": {"name": second.display_name if second else "", "date": fmt_date(beijing_date(issued_at))},
        "legal_basis": LEGAL_BASIS,
        "remedies": REMEDIES,
    }


def _common(db: Session, case: Case, number: str, token: str, issued_at: datetime, services: Services) -> dict:
    office = db.get(Office, case.office_id)
    employer = db.get(Employer, case.employer_id) if case.employer_id else None
    applicant = {"employer_name": employer.name if employer else case.worker_name,
                 "uscc": employer.uscc if employer else ""}
    if case.channel == "onsite" or case.applicant_kind:
        # an individual's own application (on-site, or online: casework.online) names the person, not the employer
        applicant = onsite_applicant(case)
    return {
        "number": number, "issued_on": fmt_date(beijing_date(issued_at)), "office": office.name if office else "",
        "office_phone": office.phone if office else "", "office_address": office.address if office else "",
        "verify_url": verify_url(services, number, token), "demo": False,
        "case_number": case.number or "", "matter_name": matter_name(case),
        "applicant": applicant,
        "worker": {"name_masked": mask_name(case.worker_name), "id_masked": mask_id(case.id_number)},
        "follow_up": (f"登录本平台“{'我的申报' if case.applicant_kind else '本单位申报'}”查看办理进度（{services.settings.public_base_url}），"
                      f"或致电 {office.phone if office and office.phone else '12333'}。"),
    }


APPLICANT_KINDS = {"worker": "工伤职工本人", "former_employer": "原用人单位", "proxy": "委托代理人"}


def onsite_applicant(case: Case) -> dict:
    """Who applied at the counter (6.1.1.2): the worker, the former employer for the worker, or a proxy.
    `employer_name` is the addressee line of the documents (the key name is the online documents')."""
    kind = case.applicant_kind or "worker"
    if kind == "former_employer":
        name = case.former_employer_name or ""
    elif kind == "proxy":
        name = f"{mask_name(case.worker_name)}（委托代理人：{mask_name(case.proxy_name or '')}）"
    else:
        name = mask_name(case.worker_name)
    return {"employer_name": name, "uscc": case.former_employer_uscc or "", "kind": kind,
            "kind_label": APPLICANT_KINDS.get(kind, kind),
            "former_employer": case.former_employer_name or "", "phone_masked": mask_phone(case.contact_phone or ""),
            "proxy": (f"{mask_name(case.proxy_name or '')}（{case.proxy_id_type} {mask_id(case.proxy_id_number or '')}）"
                      if kind == "proxy" else "")}


def matter_name(case: Case) -> str:
    return "、".join(case.benefit_list()) + "申领"


def receipt_context(db: Session, case: Case, number: str, token: str, issued_at: datetime,
                    services: Services) -> dict:
    ctx = _common(db, case, number, token, issued_at, services)
    due = fmt_date(case.due_date) + ("（暂定）" if case.due_provisional else "")
    ctx.update(
        submitted_at=fmt_instant(case.accepted_at or issued_at), accepted_at=fmt_instant(issued_at), due_date=due,
        received=[
            {"label": "工伤职工", "value": f"{mask_name(case.worker_name)}（{case.id_type} {mask_id(case.id_number)}）"},
            {"label": "受伤日期", "value": fmt_date(case.injury_date)},
            {"label": "工伤认定决定书", "value": f"{case.recognition_number}（{fmt_date(case.recognition_date)}）"},
            {"label": "劳动能力鉴定结论", "value": f"{case.appraisal_number}（{fmt_date(case.appraisal_date)}），"
                                                  f"伤残{case.grade}级" + (f"，{case.care_level}" if case.care_level else "")},
            {"label": "受伤前缴费工资", "value": f"{len(case.wages_fen)} 个月"},
            {"label": "待遇领取账户", "value": f"{case.bank_name} {mask_account(case.bank_account)}"},
        ],
    )
    if case.matter == "medical":
        # an individual's online application (casework.online): termination instead of wages, and the files
        from casework import materials

        by_item = materials.files_by_item(db, case)
        ctx["received"] = [r for r in ctx["received"] if r["label"] != "受伤前缴费工资"] + [
            {"label": "劳动关系解除或终止", "value": f"{fmt_date(case.termination_date)}，"
                                                    f"{TERMINATION_KINDS.get(case.termination_kind or '', '')}"},
            {"label": "原用人单位", "value": f"{case.former_employer_name or ''}（{case.former_employer_uscc or ''}）"},
        ] + [{"label": f"上传材料：{i.name}", "value": f"{len(by_item.get(i.id, []))} 个文件"}
             for i in materials.case_checklist(db, case)]
    return ctx


def notice_context(db: Session, case: Case, number: str, token: str, issued_at: datetime,
                   services: Services) -> dict:
    ctx = _common(db, case, number, token, issued_at, services)
    ctx.update(submitted_on=fmt_date(beijing_date(case.accepted_at)) if case.accepted_at else "",
               items=case.defects or [], channel="online" if case.channel == "online" else "onsite",
               how=(f"请登录本平台，在“{'我的申报' if case.applicant_kind else '本单位申报'}”中打开该申报，按本告知书补正全部内容后重新提交；"
                    "重新提交后系统自动受理，重新计算办结时限。"))
    if case.channel == "onsite":
        # 6.2.2 b: not accepted yet; the return visit continues the same record (no new registration)
        ctx.update(submitted_on=fmt_date(beijing_date(case.created_at)),
                   how=(f"请携带本告知书及上列全部材料到{ctx['office']}"
                        + (f"（{ctx['office_address']}）" if ctx["office_address"] else "")
                        + "补齐，补齐后当场受理，自受理之日起 5 个工作日内办结。"
                        + f"补齐时请出示本告知书编号 {number}，无需重新登记。"))
    return ctx


def onsite_receipt_context(db: Session, case: Case, number: str, token: str, issued_at: datetime,
                           services: Services) -> dict:
    """社会保险业务受理单 (6.2.2 a, DOCUMENTS.md): the materials received, read from the one catalogue."""
    from casework import materials

    ctx = _common(db, case, number, token, issued_at, services)
    receiver = db.get(Account, case.received_by_id) if case.received_by_id else None
    by_item = materials.files_by_item(db, case)
    due = fmt_date(case.due_date) + ("（暂定）" if case.due_provisional else "")
    ctx.update(
        accepted_on=fmt_date(beijing_date(issued_at)), accepted_at=fmt_instant(issued_at), due_date=due,
        channel_label="现场办理", matter_code="一次性工伤医疗补助金申领" if case.matter == "medical" else "",
        receiver=receiver.display_name if receiver else "",
        employer={"name": case.former_employer_name or "", "uscc": case.former_employer_uscc or ""},
        termination={"date": fmt_date(case.termination_date),
                     "kind_label": TERMINATION_KINDS.get(case.termination_kind or "", "")},
        materials=[{"name": i.name, "form": i.form_label, "count": i.count,
                    "notes": "；".join(x for x in (i.notes, f"已扫描 {len(by_item.get(i.id, []))} 个文件") if x)}
                   for i in materials.case_checklist(db, case)],
        follow_up=(f"凭受理编号 {case.number} 致电 {ctx['office_phone'] or '12333'} 或到{ctx['office']}查询办理进度。"),
    )
    return ctx


def decision_context(db: Session, case: Case, number: str, token: str, issued_at: datetime,
                     services: Services) -> dict:
    ctx = _common(db, case, number, token, issued_at, services)
    reviewer = db.get(Account, case.initial_reviewer_id) if case.initial_reviewer_id else None
    ctx.update(reasons=[r.strip() for r in (case.last_reason or "").splitlines() if r.strip()],
               reviewer=reviewer.display_name if reviewer else "",
               remedies=("如对本决定不服，可自收到本决定书之日起60日内依法申请行政复议，或者自收到之日起6个月内"
                         "依法向人民法院提起行政诉讼；材料补齐或情况变化后，也可重新申报。"))
    return ctx


DOCUMENTS = {
    # kind → (template, context builder)
    "approval_form": ("documents/approval_form.html", approval_context),
    "online_receipt": ("documents/online_receipt.html", receipt_context),
    "onsite_receipt": ("documents/onsite_receipt.html", onsite_receipt_context),
    "notice_missing": ("documents/notice_missing.html", notice_context),
    "decision_not_passed": ("documents/decision_not_passed.html", decision_context),
}


def issuer(services: Services, db: Session):
    """The domain's Issuer: render a document of `kind` and store it (before its row is committed)."""

    def issue(kind: str, case: Case, number: str, token: str, issued_at: datetime) -> StoredFile:
        template, build = DOCUMENTS[kind]
        pdf = services.renderer.render(template, build(db, case, number, token, issued_at, services))
        stored = services.store.put_bytes("documents", pdf, "application/pdf")
        return StoredFile(bucket=stored.bucket, key=stored.key, sha256=stored.sha256, size=stored.size)

    return issue
