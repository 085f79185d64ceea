"""What the staff case page shows beside the core review (kept out of portal/staff/review.py so that file
stays small): the parameter differences at second review (RULES.md 4) and the retirement alert / event
(RULES.md 2 and 5). Only reads; the domain decides."""

from __future__ import annotations

from sqlmodel import Session

from casework import entitlements
from casework.clock import beijing_today
from casework.models import Case
from casework.parameter_admin import stale_differences

STALE_RETURN_REASON = ("复核发现：初审冻结的核定使用的参数版本已被同一基准日生效的新版本取代（{names}），"
                       "请按新版本重新核定。")


def case_extras(db: Session, case: Case) -> dict:
    stale = stale_differences(db, case.assessment) if case.status == "recheck" and case.assessment else []
    view = entitlements.retirement_view(db, case, beijing_today())
    return {
        "stale": stale,
        "stale_reason": STALE_RETURN_REASON.format(names="、".join(dict.fromkeys(d["name"] for d in stale))),
        "retirement_alert": view.alert,
        "retirement_event": view.event,
        "retirement_amounts": entitlements.amounts(view.event) if view.event else None,
        # an individual's online application (casework.online): the scans they uploaded, read at initial review
        "online_files": _online_files(db, case),
    }


def _online_files(db: Session, case: Case) -> list:
    if case.channel != "online" or not case.applicant_kind:
        return []
    from casework import materials

    by_item = materials.files_by_item(db, case)
    return [(i, by_item.get(i.id, [])) for i in materials.case_checklist(db, case)]
