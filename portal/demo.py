"""Demo data for `make run`: offices, roles, one account per role at the halls the flow uses, employers,
and one clearly labelled demonstration version of each parameter (演示参数，非正式标准).

Seeded once: a second run finds the offices and leaves everything as it is."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from casework.accounts import Hasher
from casework.models import Account, Employer, Office
from casework.parameter_store import add_version
from casework.roles import OFFICES, Role

DEMO_PASSWORD = "Demo-2026"  # printed by `make run`; demo accounts only

EMPLOYERS = [
    # (USCC, name, county)
    ("91652301MA7ABCDE9F", "昌吉市天山建材有限责任公司（演示）", "652301"),
    ("91652323MA78B0AT4B", "呼图壁县绿洲农业机械有限公司（演示）", "652323"),
]

# (username, display name, roles, office code or None, employer index or None)
ACCOUNTS = [
    ("qiye", "王经办（演示单位经办人）", [Role.EMPLOYER_AGENT], None, 0),
    ("qiye2", "马经办（演示单位经办人）", [Role.EMPLOYER_AGENT], None, 1),
    ("shouli", "李受理（演示）", [Role.RECEPTION], "652301", None),
    ("chushen", "张初审（演示）", [Role.INITIAL_REVIEW], "652301", None),
    ("fuhe", "赵复核（演示）", [Role.RECHECK], "652301", None),
    # a small-hall colleague holding both posts: the domain must still keep them apart on one case
    ("zonghe", "刘综合（演示，初审兼复核）", [Role.INITIAL_REVIEW, Role.RECHECK], "652301", None),
    ("chushen_htb", "古丽初审（演示，呼图壁县）", [Role.INITIAL_REVIEW], "652323", None),
    ("fuhe_htb", "阿依复核（演示，呼图壁县）", [Role.RECHECK], "652323", None),
    ("kezhang", "陈科长（演示）", [Role.CHIEF], "652301", None),
    ("jihe", "钱稽核（演示）", [Role.AUDITOR], "652301", None),
    ("caiwu", "孙财务（演示）", [Role.FINANCE], "652301", None),
    ("dangan", "周档案（演示）", [Role.BUSINESS_ARCHIVIST, Role.ARCHIVE], "652301", None),
    ("canshu", "吴参数管理员（演示）", [Role.PARAMETER_ADMIN], "652300", None),
    ("dengji", "钱登记（演示，登记簿维护）", [Role.REGISTER_KEEPER], "652300", None),
    ("guanli", "郑管理员（演示）", [Role.ADMIN], "652300", None),
]

# individual accounts (kind "worker", casework.people): username = identity number; in real use they are
# activated with a one-time code given at a hall. The demo worker is the worker of the demo application.
WORKERS = [
    ("652301199003075216", "买买提·吐尔逊", "居民身份证"),
]

DEMO_SOURCE = "演示数据：非正式标准，正式使用前须由参数管理员录入官方文件"
MINIMUM_WAGE_TIERS = {  # [practice, unverified] tiers (RULES.md 4) — demo only
    "652301": "1900.00", "652302": "1900.00", "652323": "1700.00", "652324": "1700.00",
    "652325": "1700.00", "652327": "1700.00", "652328": "1620.00",
}


def seed_parameters(session: Session) -> None:
    # The published Xinjiang 2021 non-private average wage: 94,281 元/yr → 7,856.75 元/month (RULES.md 4).
    add_version(session, key="average_wage", effective_from=date(2022, 7, 1), value={"amount": "7856.75"},
                source="新疆维吾尔自治区统计局公布的2021年城镇非私营单位就业人员年平均工资94281元（演示用）",
                label="统筹地区职工月平均工资 7,856.75 元（2021年度，演示）", demo=True)
    for county, amount in MINIMUM_WAGE_TIERS.items():
        add_version(session, key="minimum_wage", area=county, effective_from=date(2021, 4, 1),
                    value={"amount": amount}, source="新政发〔2021〕21号（档次为演示值，未核实）",
                    label=f"最低工资标准 {amount} 元/月（{county}，演示）", demo=True)
    add_version(session, key="policy", effective_from=date(2021, 1, 1),
                value={"rounding": "half-up", "topup_rule": "gross", "medical_contribution_rate": "0.02",
                       "medical_base": "W"},
                source=DEMO_SOURCE, label="计算规则：四舍五入到分；最低工资补差按津贴总额比较（演示）", demo=True)
    add_version(session, key="medical_months", effective_from=date(2021, 1, 1),
                value={"5": "10", "6": "9", "7": "8", "8": "6", "9": "4", "10": "2"},
                source=DEMO_SOURCE + "（自治区现行标准未能查阅）",
                label="一次性工伤医疗补助金月数表（演示，非官方）", demo=True)


def seed_registers(session: Session) -> None:
    """Upstream records matching the demo application (tests/portal/helpers.py VALID_APPLICATION), so that a
    demo case passes every compliance check (casework.compliance). Demo data only, like the rest of this file."""
    from casework.registers import (
        RegisterAppraisal, RegisterContribution, RegisterEmployer, RegisterRecognition,
    )

    for uscc, name, county in EMPLOYERS:
        session.add(RegisterEmployer(uscc=uscc, name=name, county=county, start_date=date(2020, 1, 1)))
    worker = ("652301199003075216", "买买提·吐尔逊")
    session.add(RegisterRecognition(
        number="昌人社工认〔2025〕0123号", decision_date=date(2025, 5, 20), id_number=worker[0],
        worker_name=worker[1], uscc=EMPLOYERS[0][0], injury_date=date(2025, 3, 10), outcome="工伤"))
    session.add(RegisterAppraisal(
        number="昌劳鉴〔2025〕0456号", conclusion_date=date(2025, 9, 15), delivery_date=date(2025, 9, 18),
        id_number=worker[0], worker_name=worker[1], grade=4, care_level="部分不能自理", care_date=date(2025, 9, 15)))
    # the 12 months before the injury (2024-03 … 2025-02) at 6,000.00 元
    for i in range(12):
        year, month = (2024, 3 + i) if i < 10 else (2025, i - 9)
        session.add(RegisterContribution(id_number=worker[0], worker_name=worker[1], uscc=EMPLOYERS[0][0],
                                         month=f"{year:04d}-{month:02d}", wage_fen=600_000))


def seed(session: Session, hasher: Hasher) -> bool:
    """Returns False when the data was already there."""
    if session.exec(select(Office)).first() is not None:
        return False
    offices = {}
    for code, name, kind in OFFICES:
        office = Office(code=code, name=name, kind=kind, phone="0994-2206673" if kind == "prefecture" else "12333",
                        hours="周一至周五 10:00–14:00，15:30–19:30（北京时间）")
        session.add(office)
        offices[code] = office
    employers = [Employer(uscc=u, name=n, county=c) for u, n, c in EMPLOYERS]
    session.add_all(employers)
    session.flush()
    hashed = hasher.hash(DEMO_PASSWORD)
    for username, name, roles, office_code, employer_index in ACCOUNTS:
        session.add(Account(
            username=username, display_name=name, password_hash=hashed,
            kind="employer" if employer_index is not None else "staff",
            roles=" ".join(r.value for r in roles),
            office_id=offices[office_code].id if office_code else None,
            employer_id=employers[employer_index].id if employer_index is not None else None,
        ))
    for id_number, name, id_type in WORKERS:
        session.add(Account(username=id_number, display_name=name, password_hash=hashed, kind="worker",
                            roles=Role.WORKER.value, id_type=id_type, id_number=id_number))
    seed_parameters(session)
    seed_registers(session)
    session.flush()
    return True


def describe_accounts() -> list[tuple[str, str]]:
    return [(u, n) for u, n, *_ in ACCOUNTS] + [(i, f"{n}（演示工伤职工，个人账户）") for i, n, _ in WORKERS]
