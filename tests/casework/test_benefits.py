"""The benefit engine (RULES.md 2–4; cases/benefits.json) through its API."""

import datetime as dt
import decimal
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.benefits import (
    LUMP_SUM_MONTHS, Benefit, CareLevel, ClaimFacts, Refused, apply_increments, compute, stale_parameters,
)
from casework.parameters import InMemoryParameters, ParameterVersion

CASES_DIR = Path(os.environ.get("CASES_DIR", Path(__file__).resolve().parents[2].parent / "shared" / "cases"))
BENEFITS = json.loads((CASES_DIR / "benefits.json").read_text(encoding="utf-8"))
D = dt.date.fromisoformat
EPOCH = D("1900-01-01")
INJURY, APPRAISAL, ENDED = D("2024-03-15"), D("2024-09-20"), D("2025-06-30")

# Refusals of the shared cases: what each must name (the cases give indicative wording only).
REFUSALS = {"P-12": ("parameter", "medical_months"), "P-13": ("field", "grade"),
            "P-14": ("parameter", "average_wage"), "P-17": ("field", "wages"), "P-19": ("field", "termination_kind")}


def v(key, value, frm=EPOCH, area=None, demo=False):
    return ParameterVersion(key=key, area=area, effective_from=frm, value=value, source="测试", label=key, demo=demo)


def params_from_set(pset):
    if pset is None:
        return InMemoryParameters()
    versions = [v("average_wage", Decimal(pset["W"])), v("minimum_wage", Decimal(pset["minimum_wage"]))]
    policy = {k: pset[k] for k in ("rounding", "topup_rule", "medical_base") if k in pset}
    if "medical_contribution_rate" in pset:
        policy["medical_contribution_rate"] = Decimal(pset["medical_contribution_rate"])
    versions.append(v("policy", policy))
    if "medical_months" in pset:
        versions.append(v("medical_months", {int(g): Decimal(m) for g, m in pset["medical_months"].items()}, demo=True))
    return InMemoryParameters(versions)


def facts_from_case(case):
    if "benefit" in case:
        benefits = {Benefit(case["benefit"])}
    else:
        benefits = {Benefit.LUMP_SUM} | ({Benefit.ALLOWANCE} if case["grade"] <= 6 else set())
    wages = ()
    if "wages" in case:
        w = case["wages"]
        wages = tuple(Decimal(x) for x in w["list"]) if "list" in w else (Decimal(w.get("each", "0")),) * w["months"]
    return ClaimFacts(benefits=frozenset(benefits), grade=case.get("grade"), wages=wages, injury_date=INJURY,
                      appraisal_date=APPRAISAL, care_levels=tuple(CareLevel(c) for c in case.get("care_levels", ())),
                      care_date=APPRAISAL, termination_date=ENDED, termination_kind=case.get("termination"))


@pytest.mark.parametrize("case", BENEFITS["cases"], ids=[c["id"] for c in BENEFITS["cases"]])
def test_shared_cases(case):
    pset = BENEFITS["parameter_sets"][case["params"]] if case["params"] else None
    facts = facts_from_case(case)
    expect = case["expect"]
    if "error" in expect:
        with pytest.raises(Refused) as e:
            compute(facts, params_from_set(pset))
        attr, name = REFUSALS[case["id"]]
        assert getattr(e.value, attr) == name
        assert any("\u4e00" <= ch <= "\u9fff" for ch in e.value.message)
        return
    a = compute(facts, params_from_set(pset))
    results = a.results()
    for key, want in expect.items():
        if key != "why":
            assert results[key] == want, key
    json.dumps(a.snapshot())   # the snapshot is JSON-serialisable


def base_params(w="8000.00", mw="1900.00", rule="gross", **policy):
    return [v("average_wage", Decimal(w)), v("minimum_wage", Decimal(mw)),
            v("policy", {"rounding": "half-up", "topup_rule": rule, "medical_base": "W", **policy})]


def facts(**kw):
    kw.setdefault("benefits", frozenset({Benefit.LUMP_SUM}))
    kw.setdefault("grade", 10)
    kw.setdefault("wages", (Decimal("5000.00"),) * 12)
    kw.setdefault("injury_date", INJURY)
    kw.setdefault("appraisal_date", APPRAISAL)
    return ClaimFacts(**kw)


money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("200000.00"), places=2)


@given(st.lists(money, min_size=1, max_size=12),
       st.decimals(min_value=Decimal("1000.00"), max_value=Decimal("50000.00"), places=2))
def test_clamp_holds_for_any_wage(wages, w):
    a = compute(facts(wages=tuple(wages)), InMemoryParameters(base_params(w=str(w))))
    pw = a.personal_wage
    assert pw.floor <= pw.result <= pw.cap
    assert pw.floor == (w * Decimal("0.6")).quantize(Decimal("0.01"), decimal.ROUND_HALF_UP)
    assert pw.cap == w * 3
    if pw.clamped is None:
        assert pw.result == (sum(wages) / len(wages)).quantize(Decimal("0.01"), decimal.ROUND_HALF_UP)


@given(st.integers(1, 10), st.decimals(min_value=Decimal("4800.00"), max_value=Decimal("24000.00"), places=2))
def test_lump_sum_is_base_times_months_exactly(grade, wage):
    a = compute(facts(grade=grade, wages=(wage,)), InMemoryParameters(base_params()))
    assert a.lump_sum == a.personal_wage.result * LUMP_SUM_MONTHS[grade]
    assert a.personal_wage.result == wage


@given(st.floats(allow_nan=False))
def test_float_wages_are_refused(x):
    with pytest.raises(TypeError):
        facts(wages=(x,))


def test_float_operation_trapped_in_engine():
    assert decimal.getcontext().traps[decimal.FloatOperation]
    with pytest.raises(decimal.FloatOperation):
        Decimal(0.1)
    bad = InMemoryParameters([v("average_wage", 8000.0)] + base_params()[1:])
    with pytest.raises(TypeError):
        compute(facts(), bad)


def test_w_version_effective_after_injury_does_not_apply():
    ps = InMemoryParameters([v("average_wage", Decimal("8000.00"), D("2023-07-01")),
                             v("average_wage", Decimal("9000.00"), D("2024-07-01"))] + base_params()[1:])
    a = compute(facts(wages=(Decimal("3000.00"),)), ps)
    assert a.personal_wage.average_wage == Decimal("8000.00")
    assert a.personal_wage.result == Decimal("4800.00")
    assert a.reference_dates["personal_wage_clamp"] == "2024-03-15"
    used = {p.version_id for p in a.parameters if p.key == "average_wage"}
    assert used == {"average_wage:*:2023-07-01"}
    # Only a later version: refuse, naming W; never borrow from a later date.
    later_only = InMemoryParameters([v("average_wage", Decimal("9000.00"), D("2024-07-01"))] + base_params()[1:])
    with pytest.raises(Refused) as e:
        compute(facts(), later_only)
    assert e.value.parameter == "average_wage"


def test_care_uses_w_on_the_care_date():
    ps = InMemoryParameters([v("average_wage", Decimal("8000.00"), D("2023-07-01")),
                             v("average_wage", Decimal("9000.00"), D("2024-07-01"))])
    f = ClaimFacts(benefits=frozenset({Benefit.CARE}), care_levels=(CareLevel.PART,), care_date=D("2024-09-20"))
    a = compute(f, ps)
    assert a.care_amounts == {"部分不能自理": Decimal("2700.00")}
    assert a.lines[0].start_month == "2024-10"
    assert a.reference_dates["care"] == "2024-09-20"
    with pytest.raises(Refused) as e:
        compute(ClaimFacts(benefits=frozenset({Benefit.CARE}), care_levels=(CareLevel.PART,)), ps)
    assert e.value.field == "care_date"


def test_both_topup_rules():
    grade4 = facts(benefits=frozenset({Benefit.LUMP_SUM, Benefit.ALLOWANCE}), grade=4,
                   wages=(Decimal("1000.00"),))
    gross = compute(grade4, InMemoryParameters(base_params(w="2500.00")))
    assert (gross.monthly_allowance, gross.minimum_wage_topup, gross.monthly_paid) == (
        Decimal("1125.00"), Decimal("775.00"), Decimal("1900.00"))
    net = compute(grade4, InMemoryParameters(base_params(w="2500.00", rule="net-of-medical",
                                                         medical_contribution_rate=Decimal("0.02"))))
    assert (net.minimum_wage_topup, net.monthly_paid) == (Decimal("797.50"), Decimal("1922.50"))
    topup = [ln for ln in net.lines if ln.kind == "minimum_wage_topup"][0]
    assert topup.payer == "fund" and topup.start_month == "2024-10" and topup.monthly
    # The rule is configuration: no policy, no computation.
    with pytest.raises(Refused) as e:
        compute(grade4, InMemoryParameters(base_params(w="2500.00")[:2]))
    assert e.value.parameter == "policy"
    with pytest.raises(Refused) as e:
        compute(grade4, InMemoryParameters(base_params(w="2500.00", rule="net-of-medical")))
    assert e.value.parameter == "policy"


def test_no_topup_line_when_above_minimum_wage():
    a = compute(facts(benefits=frozenset({Benefit.ALLOWANCE}), grade=1, wages=(Decimal("6000.00"),)),
                InMemoryParameters(base_params()))
    assert a.minimum_wage_topup == Decimal("0.00")
    assert [ln.kind for ln in a.lines] == ["allowance"]
    assert a.lines[0].basis == "《工伤保险条例》第三十五条"


def test_minimum_wage_of_the_first_payment_month_and_county():
    ps = InMemoryParameters(base_params(w="2500.00") + [
        v("minimum_wage", Decimal("2000.00"), D("2024-10-15")),              # mid-month: not for 2024-10
        v("minimum_wage", Decimal("2100.00"), D("2020-01-01"), area="652301"),
    ])
    f = facts(benefits=frozenset({Benefit.ALLOWANCE}), grade=4, wages=(Decimal("1000.00"),))
    assert compute(f, ps).minimum_wage_topup == Decimal("775.00")
    assert compute(facts(benefits=f.benefits, grade=4, wages=f.wages, appraisal_date=D("2024-10-20")),
                   ps).minimum_wage_topup == Decimal("875.00")
    county = compute(facts(benefits=f.benefits, grade=4, wages=f.wages, county="652301"), ps)
    assert county.minimum_wage_topup == Decimal("975.00")
    assert county.reference_dates["minimum_wage"] == "2024-10-01"


def test_employer_allowance_is_information_only():
    a = compute(facts(benefits=frozenset({Benefit.LUMP_SUM, Benefit.ALLOWANCE}), grade=5,
                      wages=(Decimal("6000.00"),)), InMemoryParameters(base_params()))
    assert a.allowance_payer == "employer" and a.monthly_allowance == Decimal("4200.00")
    assert a.monthly_paid is None and a.minimum_wage_topup is None
    assert a.total_lump_sums == a.lump_sum == Decimal("108000.00")
    with pytest.raises(Refused) as e:
        compute(facts(benefits=frozenset({Benefit.ALLOWANCE}), grade=7), InMemoryParameters(base_params()))
    assert e.value.field == "grade"


def test_medical_lump_sum_rules_and_reference_date():
    table = v("medical_months", {7: Decimal("8"), 6: Decimal("9")}, D("2025-01-01"), demo=True)
    ps = InMemoryParameters(base_params() + [table, v("average_wage", Decimal("9000.00"), D("2025-06-01"))])

    def med(grade, kind, ended=ENDED):
        return compute(ClaimFacts(benefits=frozenset({Benefit.MEDICAL}), grade=grade, termination_kind=kind,
                                  termination_date=ended), ps)
    a = med(7, "worker-initiated")
    assert a.medical_lump_sum == Decimal("72000.00")     # W in force on the termination date
    assert a.demo and a.snapshot()["demo_notice"] == "演示参数，非正式标准"
    assert a.reference_dates["medical"] == "2025-06-30"
    assert med(6, "worker-initiated").medical_lump_sum == Decimal("81000.00")
    for grade, kind, name in [(7, "other", "termination_kind"), (6, "contract-expired", "termination_kind"),
                              (2, "worker-initiated", "grade")]:
        with pytest.raises(Refused) as e:
            med(grade, kind)
        assert e.value.field == name
    with pytest.raises(Refused) as e:
        med(8, "contract-expired")          # grade not in the table
    assert e.value.parameter == "medical_months"
    with pytest.raises(Refused) as e:
        med(7, "contract-expired", D("2024-12-31"))     # table not yet in force
    assert e.value.parameter == "medical_months"


def test_increments_after_topup():
    inc2024 = v("increments", {"grades": {1: Decimal("159"), 2: Decimal("158"), 3: Decimal("142"),
                                          4: Decimal("130"), 5: Decimal("107"), 6: Decimal("99")},
                               "care": {"完全不能自理": Decimal("306"), "大部分不能自理": Decimal("249"),
                                        "部分不能自理": Decimal("195")}}, D("2024-01-01"))
    inc2025 = v("increments", {"grades": {4: Decimal("100")}}, D("2025-01-01"))
    # 1,900.00 after the top-up (P-11), started 2023-10: +130 in 2024, +130 +100 in 2025.
    total, lines = apply_increments(Decimal("1900.00"), benefit_start=D("2023-10-01"), payment_month=D("2024-03-01"),
                                    increments=[inc2024, inc2025], grade=4)
    assert total == Decimal("2030.00") and len(lines) == 1 and lines[0].payer == "fund"
    total, _ = apply_increments(Decimal("1900.00"), benefit_start=D("2023-10-01"), payment_month=D("2025-01-01"),
                                increments=[inc2024, inc2025], grade=4)
    assert total == Decimal("2130.00")
    # Started in January 2024: not yet receiving in December 2023, so only the 2025 increment.
    total, _ = apply_increments(Decimal("1900.00"), benefit_start=D("2024-01-01"), payment_month=D("2025-05-01"),
                                increments=[inc2024, inc2025], grade=4)
    assert total == Decimal("2000.00")
    total, lines = apply_increments(Decimal("2400.00"), benefit_start=D("2023-12-01"), payment_month=D("2024-01-01"),
                                    increments=[inc2024], care_level=CareLevel.PART)
    assert total == Decimal("2595.00")
    _, lines = apply_increments(Decimal("4200.00"), benefit_start=D("2023-12-01"), payment_month=D("2024-01-01"),
                                increments=[inc2024], grade=5)
    assert lines[0].payer == "employer"
    with pytest.raises(ValueError):
        apply_increments(Decimal("1"), benefit_start=D("2023-12-01"), payment_month=D("2024-01-01"), increments=[])


def test_snapshot_and_stale_parameters():
    ps = InMemoryParameters(base_params())
    f = facts(benefits=frozenset({Benefit.LUMP_SUM, Benefit.ALLOWANCE}), grade=4)
    snap = json.loads(json.dumps(compute(f, ps).snapshot()))
    assert snap["results"]["lump_sum"] == "105000.00"
    assert {p["key"] for p in snap["parameters"]} == {"average_wage", "minimum_wage", "policy"}
    assert stale_parameters(snap, ps) == []
    ps.add(v("average_wage", Decimal("8500.00"), D("2024-01-01")))     # a newer W, in force on the injury date
    changed = stale_parameters(snap, ps)
    assert [(c["key"], c["used"], c["now"]) for c in changed] == [
        ("average_wage", "average_wage:*:1900-01-01", "average_wage:*:2024-01-01")]


def test_parameter_lookup_rules():
    ps = InMemoryParameters([v("minimum_wage", Decimal("1900.00")),
                             v("minimum_wage", Decimal("2000.00"), D("2024-01-01"), area="652301"),
                             v("average_wage", Decimal("8000.00"), area="6523")])
    assert ps.in_force("minimum_wage", D("2024-06-01"), "652301").value == Decimal("2000.00")
    assert ps.in_force("minimum_wage", D("2023-06-01"), "652301").value == Decimal("1900.00")
    assert ps.in_force("minimum_wage", D("2024-06-01"), "652302").value == Decimal("1900.00")
    assert ps.in_force("average_wage", D("2024-06-01")) is None          # never borrowed from an area
    with pytest.raises(ValueError):
        ps.add(v("minimum_wage", Decimal("1.00")))


def test_missing_inputs_are_named():
    ps = InMemoryParameters(base_params())
    for kw, name in [({"grade": None}, "grade"), ({"grade": 11}, "grade"), ({"injury_date": None}, "injury_date"),
                     ({"wages": (Decimal("0.00"),)}, "wages"), ({"wages": (Decimal("1.00"),) * 13}, "wages"),
                     ({"benefits": frozenset()}, "benefits")]:
        with pytest.raises(Refused) as e:
            compute(facts(**kw), ps)
        assert e.value.field == name, kw


def test_the_top_up_of_a_later_month_follows_the_minimum_wage_in_force_then():
    """RULES.md 4: the minimum-wage top-up is judged for each payment month, not frozen at the first one."""
    import datetime as dt
    from decimal import Decimal as D

    from casework.benefits import allowance_paid_in
    from casework.parameters import InMemoryParameters, ParameterVersion

    params = InMemoryParameters([
        ParameterVersion("minimum_wage", None, dt.date(2021, 4, 1), D("1900.00"), "test", "min 1900"),
        ParameterVersion("minimum_wage", None, dt.date(2026, 1, 1), D("2000.00"), "test", "min 2000"),
        ParameterVersion("policy", None, dt.date(2020, 1, 1), {"rounding": "half-up", "topup_rule": "gross"}, "t", "p"),
    ])
    assert allowance_paid_in(D("1125.00"), dt.date(2025, 6, 1), None, params) == D("1900.00")
    assert allowance_paid_in(D("1125.00"), dt.date(2026, 6, 1), None, params) == D("2000.00")
    assert allowance_paid_in(D("2500.00"), dt.date(2026, 6, 1), None, params) == D("2500.00")
