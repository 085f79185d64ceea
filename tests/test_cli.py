"""The `portal` command line of issue 4, run as a process on the shared cases, with exact outputs."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CASES_DIR = Path(os.environ.get("CASES_DIR", ROOT.parent / "shared" / "cases"))
SCRIPT = Path(sys.executable).parent / "portal"
RESULT_KEYS = ["id", "status", "personal_wage", "lump_sum", "monthly_allowance", "allowance_payer",
               "minimum_wage_topup", "monthly_paid", "care_levels", "medical_lump_sum", "lines", "error"]
REFUSALS = {"P-12": ("parameter", "medical_months"), "P-13": ("field", "grade"),
            "P-14": ("parameter", "average_wage"), "P-17": ("field", "wages"), "P-19": ("field", "termination")}


def portal(*args):
    cmd = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "portal.cli"]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, encoding="utf-8", cwd=ROOT, timeout=60)


@pytest.fixture(scope="module")
def benefits_output():
    run = portal("benefits", "compute", str(CASES_DIR / "benefits.json"))
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_benefits_every_case(benefits_output):
    cases = json.loads((CASES_DIR / "benefits.json").read_text(encoding="utf-8"))["cases"]
    results = benefits_output["results"]
    assert [r["id"] for r in results] == [c["id"] for c in cases]          # input order
    for case, r in zip(cases, results):
        assert list(r) == RESULT_KEYS
        expect = case["expect"]
        if "error" in expect:
            assert r["status"] == "refused"
            attr, name = REFUSALS[case["id"]]
            assert r["error"][attr] == name
            assert r["error"]["code"] and r["error"]["message"]
            assert all(r[k] is None for k in RESULT_KEYS[2:10]) and r["lines"] == []
        else:
            assert r["status"] == "computed" and r["error"] is None, case["id"]
            for key, want in expect.items():
                if key != "why":
                    assert r[key] == want, (case["id"], key)
            assert r["lines"], case["id"]


def test_benefits_amount_conventions(benefits_output):
    by_id = {r["id"]: r for r in benefits_output["results"]}
    assert by_id["P-04"]["minimum_wage_topup"] == "0.00" and by_id["P-04"]["monthly_paid"] == "5400.00"
    assert by_id["P-06"]["monthly_paid"] is None and by_id["P-06"]["minimum_wage_topup"] is None
    assert by_id["P-01"]["monthly_allowance"] is None and by_id["P-01"]["allowance_payer"] is None
    line = by_id["P-11"]["lines"][2]
    assert set(line) >= {"item", "formula", "inputs", "amount", "payer", "start_month", "basis"}
    assert line["amount"] == "775.00" and line["start_month"] == "2024-10"


@pytest.mark.parametrize("case, field", [
    ({"id": "X-1", "params": "S", "wages": {"months": 12, "each": "5000.00"}}, "grade"),
    ({"id": "X-2", "params": "S", "grade": 10}, "wages"),
    ({"id": "X-3", "params": "S", "grade": 10, "wages": {"months": 12, "each": "5000.001"}}, "wages.each"),
    ({"id": "X-4", "params": "NOPE", "grade": 10, "wages": {"months": 12, "each": "5000.00"}}, "params"),
    ({"id": "X-5", "params": "S", "benefit": "生活护理费", "care_levels": ["很不能自理"]}, "care_levels"),
    ({"id": "X-6", "params": "S", "benefit": "一次性工伤医疗补助金", "grade": 7}, "termination"),
    ({"id": "X-7", "params": "S", "benefit": "抚恤金", "grade": 7}, "benefit"),
])
def test_benefits_malformed_input_exits_2(tmp_path, case, field):
    f = tmp_path / "in.json"
    f.write_text(json.dumps({"parameter_sets": {"S": {"W": "8000.00", "minimum_wage": "1900.00",
                                                      "topup_rule": "gross"}}, "cases": [case]}), encoding="utf-8")
    run = portal("benefits", "compute", str(f))
    assert run.returncode == 2
    assert run.stdout == ""
    assert case["id"] in run.stderr and field in run.stderr


def test_benefits_not_json(tmp_path):
    f = tmp_path / "bad.json"
    f.write_text("{", encoding="utf-8")
    assert portal("benefits", "compute", str(f)).returncode == 2
    assert portal("benefits", "compute", str(tmp_path / "missing.json")).returncode == 2


DEADLINES = json.loads((CASES_DIR / "deadlines.json").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", DEADLINES, ids=[c["accepted"] for c in DEADLINES])
def test_calendar_due(case):
    run = portal("calendar", "due", case["accepted"])
    assert run.returncode == 0, run.stderr
    want = case["due"] + (" provisional (2027 schedule not loaded)" if case.get("provisional") else "")
    assert run.stdout == want + "\n"


def test_calendar_due_working_days_and_bad_input():
    run = portal("calendar", "due", "2026-09-28", "--working-days", "3")
    assert run.stdout == "2026-10-08\n"
    assert portal("calendar", "due", "2026-02-30").returncode == 2
    assert portal("calendar", "due", "2026-09-28", "--working-days", "0").returncode == 2


RETIREMENT = json.loads((CASES_DIR / "retirement.json").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", RETIREMENT, ids=[f"{c['group']}-{c['birth']}" for c in RETIREMENT])
def test_retirement(case):
    run = portal("retirement", "--birth", case["birth"], "--group", case["group"])
    assert run.returncode == 0, run.stderr
    years, months = case["age"].rstrip("m").split("y")
    assert run.stdout == (f'{{"age": {{"years": {int(years)}, "months": {int(months)}}}, '
                          f'"retires": "{case["retires"]}"}}\n')


def test_retirement_bad_input():
    assert portal("retirement", "--birth", "1980-13", "--group", "man").returncode == 2
    assert portal("retirement", "--birth", "1980-03", "--group", "woman").returncode == 2


def test_build_parser_is_extensible():
    from portal.cli import build_parser, main
    parser = build_parser()
    seen = []
    p = parser.subparsers.add_parser("hello")
    p.set_defaults(func=lambda args: seen.append("hi") or 0)
    assert parser.parse_args(["hello"]).func(None) == 0 and seen == ["hi"]
    assert set(parser.command_groups) == {"benefits", "calendar"}
    assert main(["calendar", "due", "2026-09-18"]) == 0
