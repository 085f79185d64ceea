"""Posts of the standard (section 4) and the roles around them (RULES.md 11)."""

from __future__ import annotations

from enum import Enum


class Role(str, Enum):
    RECEPTION = "reception"  # 受理岗 (4.1)
    INITIAL_REVIEW = "initial_review"  # 初审岗 (4.2)
    RECHECK = "recheck"  # 复核岗 (4.3)
    BUSINESS_ARCHIVIST = "business_archivist"  # 业务部门档案管理岗 (4.4.1)
    ARCHIVE = "archive"  # 档案管理部门 (4.4.2)
    FINANCE = "finance"  # 财务
    CHIEF = "chief"  # 科长: approves payment plans and notices, reassigns cases
    AUDITOR = "auditor"  # 稽核
    SUPERVISOR = "supervisor"  # 监督
    ADMIN = "admin"  # 用户管理员
    PARAMETER_ADMIN = "parameter_admin"  # 参数管理员
    REGISTER_KEEPER = "register_keeper"  # 登记簿维护: upstream records for compliance checks (casework.registers)
    EMPLOYER_AGENT = "employer_agent"  # 参保单位经办人
    WORKER = "worker"  # 工伤职工本人

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.RECEPTION: "受理岗",
    Role.INITIAL_REVIEW: "初审岗",
    Role.RECHECK: "复核岗",
    Role.BUSINESS_ARCHIVIST: "业务档案管理岗",
    Role.ARCHIVE: "档案管理部门",
    Role.FINANCE: "财务",
    Role.CHIEF: "科长",
    Role.AUDITOR: "稽核",
    Role.SUPERVISOR: "监督",
    Role.ADMIN: "用户管理员",
    Role.PARAMETER_ADMIN: "参数管理员",
    Role.REGISTER_KEEPER: "登记簿维护岗",
    Role.EMPLOYER_AGENT: "单位经办人",
    Role.WORKER: "工伤职工",
}

STAFF_ROLES = frozenset(r for r in Role if r not in (Role.EMPLOYER_AGENT, Role.WORKER))
# the staff who work on cases and may see the personal data in them; administrators of users, parameters and
# registers do not need a worker's ID number or bank account to do their job (个人信息保护法: only what is needed)
CASE_ROLES = STAFF_ROLES - {Role.ADMIN, Role.PARAMETER_ADMIN, Role.REGISTER_KEEPER}

# The offices of RULES.md 11: the prefecture bureau and the county-level halls.
OFFICES = [
    ("652300", "昌吉回族自治州社会保险管理局", "prefecture"),
    ("652301", "昌吉市社会保险经办综合服务大厅", "county"),
    ("652302", "阜康市社会保险经办综合服务大厅", "county"),
    ("652323", "呼图壁县社会保险经办综合服务大厅", "county"),
    ("652324", "玛纳斯县社会保险经办综合服务大厅", "county"),
    ("652325", "奇台县社会保险经办综合服务大厅", "county"),
    ("652327", "吉木萨尔县社会保险经办综合服务大厅", "county"),
    ("652328", "木垒哈萨克自治县社会保险经办综合服务大厅", "county"),
]
PREFECTURE_CODE = "652300"
COUNTY_NAMES = {
    "652301": "昌吉市",
    "652302": "阜康市",
    "652323": "呼图壁县",
    "652324": "玛纳斯县",
    "652325": "奇台县",
    "652327": "吉木萨尔县",
    "652328": "木垒哈萨克自治县",
}
