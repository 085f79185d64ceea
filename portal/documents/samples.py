"""Complete sample contexts for the document templates; tests render them and developers preview with them.

The people, companies and numbers are invented (the ID and USCC carry valid check characters). Amounts follow
RULES.md sections 2–3 (half-up to 0.01) from the parameters listed in each context; W = 7,856.75 is Xinjiang's
2021 non-private average (RULES.md section 4) used here as sample data, not as Changji's parameter in force.
"""

from __future__ import annotations

import copy
from typing import Any

_VERIFY_BASE = "https://gsbx.changji.example.cn/verify"

# Grade 5, the worker ended the labour relation: the fund pays the disability lump sum and the medical lump
# sum, the employer owes the employment lump sum (information only), and a care level brings a monthly
# 生活护理费 (so the retirement month is shown). The medical-lump-sum months table is a GAP in RULES.md, so
# this document is computed with a demonstration table and carries demo=True.
SAMPLE_APPROVAL_CONTEXT: dict[str, Any] = {
    "number": "HD-652301-2024-000123",
    "issued_on": "2024年07月18日",
    "office": "昌吉市社会保险中心",
    "verify_url": f"{_VERIFY_BASE}/HD-652301-2024-000123?t=Qm7xK2pV9sLw4RtZ",
    "demo": True,
    "worker": {
        "name": "张建国",
        "id_number": "652301197609123017",
        "sex": "男",
        "birth_date": "1976年09月12日",
    },
    "employer": {"name": "昌吉市天山建材有限责任公司", "uscc": "91652301MA78K3P2XH"},
    "injury_date": "2023年03月14日",
    "recognition": {"number": "昌市人社工认〔2023〕0457号", "date": "2023年05月22日"},
    "appraisal": {
        "number": "昌州劳鉴〔2024〕0219号",
        "date": "2024年05月30日",
        "grade": 5,
        "care_level": "部分不能自理",
        "care_date": "2024年05月30日",
    },
    "termination": {"date": "2024年06月28日", "kind_label": "职工本人提出解除劳动合同"},
    "personal_wage": {
        "months": 12,
        "raw_average": "5,432.18",
        "average_wage": "7,856.75",
        "average_wage_label": "2021年度统筹地区职工月平均工资",
        "floor": "4,714.05",
        "cap": "23,570.25",
        "result": "5,432.18",
        "clamped_label": "介于上下限之间，按实际平均缴费工资核定",
    },
    "lines": [
        {
            "item": "一次性伤残补助金",
            "formula": "本人工资 5,432.18 × 18",
            "amount": "97,779.24",
            "amount_capitals": "玖万柒仟柒佰柒拾玖元贰角肆分",
            "payer_label": "工伤保险基金",
            "start_month": "",
            "basis": "伤残等级五级，18个月本人工资（条例第三十六条）",
        },
        {
            "item": "一次性工伤医疗补助金",
            "formula": "月平均工资 7,856.75 × 12",
            "amount": "94,281.00",
            "amount_capitals": "玖万肆仟贰佰捌拾壹元整",
            "payer_label": "工伤保险基金",
            "start_month": "",
            "basis": "五级，12个月（演示月数表）",
        },
        {
            "item": "生活护理费（按月）",
            "formula": "月平均工资 7,856.75 × 30%",
            "amount": "2,357.03",
            "amount_capitals": "贰仟叁佰伍拾柒元零叁分",
            "payer_label": "工伤保险基金",
            "start_month": "2024年06月",
            "basis": "部分不能自理，30%（条例第三十四条）",
        },
        {
            "item": "一次性伤残就业补助金",
            "formula": "月平均工资 7,856.75 × 10",
            "amount": "78,567.50",
            "amount_capitals": "柒万捌仟伍佰陆拾柒元伍角",
            "payer_label": "用人单位（仅供参考）",
            "start_month": "",
            "basis": "五级，10个月（演示月数表）",
        },
    ],
    "total_lump_sums": {"amount": "192,060.24", "capitals": "壹拾玖万贰仟零陆拾元贰角肆分"},
    "first_month_total": {"amount": "2,357.03", "capitals": "贰仟叁佰伍拾柒元零叁分"},
    "bank": {"name": "中国工商银行昌吉分行营业部", "account_masked": "****3445"},
    "retirement_month": "2039年09月（预计）",
    "parameters": [
        {
            "label": "统筹地区职工月平均工资 7,856.75 元",
            "effective_from": "2022年07月01日",
            "source": "新疆维吾尔自治区统计局 2021年度城镇非私营单位在岗职工平均工资",
            "demo": False,
        },
        {
            "label": "一次性工伤医疗补助金月数表（五级 12 个月）",
            "effective_from": "2024年01月01日",
            "source": "演示数据（自治区现行标准待配置）",
            "demo": True,
        },
        {
            "label": "一次性伤残就业补助金月数表（五级 10 个月）",
            "effective_from": "2024年01月01日",
            "source": "演示数据（自治区现行标准待配置）",
            "demo": True,
        },
        {
            "label": "金额舍入规则：四舍五入至分",
            "effective_from": "2024年01月01日",
            "source": "本中心业务规则",
            "demo": False,
        },
    ],
    "initial_reviewer": {"name": "李明", "date": "2024年07月15日"},
    "second_reviewer": {"name": "王芳", "date": "2024年07月17日"},
    "legal_basis": (
        "《工伤保险条例》第三十四条、第三十六条、第三十七条、第六十四条；"
        "《新疆维吾尔自治区实施〈工伤保险条例〉办法》；DB 6523/T 375—2023《因工伤残待遇申领办理规范》。"
    ),
    "remedies": (
        "如对本核定结果不服，可自收到本核定单之日起六十日内依法申请行政复议，"
        "或者自收到之日起六个月内依法向人民法院提起行政诉讼（《工伤保险条例》第五十五条）。"
    ),
}

# Grade 4, still employed: fund-paid monthly 伤残津贴 and 生活护理费, no termination (so no medical lump sum),
# real (non-demo) parameters. Exercises the optional parts of the template that the first sample fills.
SAMPLE_APPROVAL_CONTEXT_GRADE4: dict[str, Any] = copy.deepcopy(SAMPLE_APPROVAL_CONTEXT)
SAMPLE_APPROVAL_CONTEXT_GRADE4.update(
    {
        "number": "HD-652301-2024-000124",
        "verify_url": f"{_VERIFY_BASE}/HD-652301-2024-000124?t=Vb3nH8cQ1dYe6JkA",
        "demo": False,
        "termination": None,
        "personal_wage": {
            "months": 9,
            "raw_average": "3,856.70",
            "average_wage": "7,856.75",
            "average_wage_label": "2021年度统筹地区职工月平均工资",
            "floor": "4,714.05",
            "cap": "23,570.25",
            "result": "4,714.05",
            "clamped_label": "低于60%，按下限核定",
        },
        "lines": [
            {
                "item": "一次性伤残补助金",
                "formula": "本人工资 4,714.05 × 21",
                "amount": "98,995.05",
                "amount_capitals": "玖万捌仟玖佰玖拾伍元零伍分",
                "payer_label": "工伤保险基金",
                "start_month": "",
                "basis": "伤残等级四级，21个月本人工资（条例第三十五条）",
            },
            {
                "item": "伤残津贴（按月）",
                "formula": "本人工资 4,714.05 × 75%",
                "amount": "3,535.54",
                "amount_capitals": "叁仟伍佰叁拾伍元伍角肆分",
                "payer_label": "工伤保险基金",
                "start_month": "2024年06月",
                "basis": "四级，75%；不低于最低工资标准",
            },
            {
                "item": "生活护理费（按月）",
                "formula": "月平均工资 7,856.75 × 30%",
                "amount": "2,357.03",
                "amount_capitals": "贰仟叁佰伍拾柒元零叁分",
                "payer_label": "工伤保险基金",
                "start_month": "2024年06月",
                "basis": "部分不能自理，30%（条例第三十四条）",
            },
        ],
        "total_lump_sums": {"amount": "98,995.05", "capitals": "玖万捌仟玖佰玖拾伍元零伍分"},
        "first_month_total": {"amount": "5,892.57", "capitals": "伍仟捌佰玖拾贰元伍角柒分"},
        "parameters": [
            {
                "label": "统筹地区职工月平均工资 7,856.75 元",
                "effective_from": "2022年07月01日",
                "source": "新疆维吾尔自治区统计局 2021年度城镇非私营单位在岗职工平均工资",
                "demo": False,
            },
            {
                "label": "最低工资标准（一类区）1,900.00 元",
                "effective_from": "2021年04月01日",
                "source": "新政发〔2021〕21号",
                "demo": False,
            },
        ],
    }
)
SAMPLE_APPROVAL_CONTEXT_GRADE4["appraisal"] = {
    **SAMPLE_APPROVAL_CONTEXT["appraisal"],
    "grade": 4,
}
SAMPLE_APPROVAL_CONTEXT_GRADE4["legal_basis"] = (
    "《工伤保险条例》第三十四条、第三十五条、第六十四条；"
    "《新疆维吾尔自治区实施〈工伤保险条例〉办法》；DB 6523/T 375—2023《因工伤残待遇申领办理规范》。"
)

# 受理回执 of an online submission (standard 6.2.1): the applicant is the employer; the worker is masked
# (RULES.md section 8) because the receipt travels with the employer's copy of the case.
SAMPLE_RECEIPT_CONTEXT: dict[str, Any] = {
    "number": "HZ202465230100012",
    "case_number": "SL202465230104518",
    "matter_name": "一次性伤残补助金、生活护理费申领",
    "applicant": {"employer_name": "昌吉市天山建材有限责任公司", "uscc": "91652301MA78K3P2XH"},
    "worker": {"name_masked": "张**", "id_masked": "652301********3017"},
    "submitted_at": "2024年07月08日 10:42",
    "accepted_at": "2024年07月08日 10:42",
    "received": [
        {"label": "申请表（在线填报）", "value": "已提交，共 2 项待遇数据"},
        {"label": "职工本人工资（近12个月缴费工资）", "value": "12 个月"},
        {"label": "工伤认定决定书编号", "value": "昌市人社工认〔2023〕0457号"},
        {"label": "劳动能力鉴定结论书编号", "value": "昌州劳鉴〔2024〕0219号"},
        {"label": "银行账户", "value": "中国工商银行 ****3445"},
        {"label": "补充说明材料（扫描件，非必需）", "value": "1 个文件，PDF，2 页"},
    ],
    "due_date": "2024年07月15日",
    "follow_up": (
        "请登录“昌吉州工伤保险待遇申领”网上服务平台，在“我的办件”中凭受理编号查询办理进度；"
        "咨询电话 0994-2345678，监督投诉电话 12333。"
    ),
    "office": "昌吉市社会保险中心",
    "verify_url": f"{_VERIFY_BASE}/SL-652301-2024-004518?t=Hs5wP0aR7mXc2NfU",
    "demo": False,
}
