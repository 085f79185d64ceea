"""Issuing documents: the context of each PDF from the case and its frozen assessment, the render (in
the renderer's process pool), and the store (before the row that points to it is committed)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Session

from casework.clock import beijing_date, fmt_date
from casework.identity import mask_account
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
    first_month = sum((Decimal(l["amount"]) for l in snap.get("lines", [])
                       if l.get("monthly") and l["payer"] == "fund"), Decimal("0.00"))
    retirement = snap.get("retirement_month")
    return {
        "number": number,
        "issued_on": fmt_date(beijing_date(issued_at)),
        "office": office.name if office else "",
        "verify_url": verify_url(services, number, token),
        "demo": bool(snap.get("demo")),
        "worker": {"name": case.worker_name, "id_number": case.id_number, "id_type": case.id_type,
                   "sex": SEX.get(case.sex, case.sex), "birth_date": fmt_date(case.birth_date)},
        "employer": {"name": employer.name if employer else "", "uscc": employer.uscc if employer else ""},
        "injury_date": fmt_date(case.injury_date),
        "recognition": {"number": case.recognition_number, "date": fmt_date(case.recognition_date)},
        "appraisal": {"number": case.appraisal_number, "date": fmt_date(case.appraisal_date), "grade": case.grade,
                      "care_level": case.care_level, "care_date": fmt_date(case.care_date)},
        "termination": None,
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


def issue_approval_form(services: Services, db: Session, case: Case, number: str, token: str,
                        issued_at: datetime) -> StoredFile:
    context = approval_context(db, case, number, token, issued_at, services)
    pdf = services.renderer.render("documents/approval_form.html", context)
    stored = services.store.put_bytes("documents", pdf, "application/pdf")
    return StoredFile(bucket=stored.bucket, key=stored.key, sha256=stored.sha256, size=stored.size)

