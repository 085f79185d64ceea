"""The working-day calendar staff keep (RULES.md 6): Xinjiang's festival days (days off and moved working
days) and new years' official schedules. Every change recomputes open deadlines and is audited."""

from __future__ import annotations

from datetime import date

from litestar import Controller, Request, get, post
from litestar.response import Response, Template
from sqlmodel import Session, col, select

from casework import deadlines, working_days
from casework.roles import STAFF_ROLES, Role
from casework.transitions import DomainError
from portal.public.pages import FormBody
from portal.web import Db, page, require, see_other

KEEPERS = (Role.PARAMETER_ADMIN, Role.ADMIN)


def _dates(text: str) -> list[date]:
    """Dates separated by spaces, commas or new lines; a range as 2027-02-05..2027-02-11."""
    out: list[date] = []
    for token in text.replace("，", ",").replace(",", " ").split():
        if ".." in token:
            start, end = (date.fromisoformat(t) for t in token.split("..", 1))
            if end < start:
                raise ValueError(token)
            out.extend(date.fromordinal(o) for o in range(start.toordinal(), end.toordinal() + 1))
        else:
            out.append(date.fromisoformat(token))
    return out


class CalendarPages(Controller):
    path = "/staff/calendar"

    def _page(self, request: Request, db: Session, *, errors: dict | None = None, values: dict | None = None,
              status_code: int = 200) -> Template:
        days = db.exec(select(deadlines.CalendarDay).order_by(col(deadlines.CalendarDay.day).desc())).all()
        years = db.exec(select(deadlines.CalendarYear).order_by(col(deadlines.CalendarYear.year))).all()
        xinjiang_years = sorted({d.day.year for d in days if "年法定节假日" not in d.note and "年调休上班" not in d.note})
        return page(request, db, "staff/calendar.html", status_code=status_code, days=days, years=years,
                    builtin=working_days.builtin_years(), xinjiang_years=xinjiang_years,
                    errors=errors or {}, values=values or {}, may_edit=bool(
                        {r.value for r in KEEPERS} & require(request, db, *STAFF_ROLES).role_set()))

    @get("/", name="calendar", sync_to_thread=True)
    def show(self, request: Request, db: Db) -> Template:
        require(request, db, *STAFF_ROLES)
        return self._page(request, db)

    @post("/days", name="calendar_add_day", sync_to_thread=True)
    def add_day(self, request: Request, db: Db, data: FormBody) -> Response | Template:
        account = require(request, db, *KEEPERS)
        values = {k: str(data.get(k, "")) for k in ("day", "kind", "note", "source")}
        try:
            day = date.fromisoformat(values["day"])
        except ValueError:
            return self._page(request, db, errors={"day": "请按“年-月-日”填写日期，例如 2027-03-20。"}, values=values)
        try:
            deadlines.add_calendar_day(db, account, day, values["kind"], values["note"], values["source"])
            db.commit()
        except DomainError as exc:
            db.rollback()
            return self._page(request, db, errors={exc.field or "day": exc.message}, values=values)
        return see_other(request, "/staff/calendar")

    @post("/years", name="calendar_load_year", sync_to_thread=True)
    def load_year(self, request: Request, db: Db, data: FormBody) -> Response | Template:
        account = require(request, db, *KEEPERS)
        values = {k: str(data.get(k, "")) for k in ("year", "days_off", "work_days", "year_source")}
        errors: dict[str, str] = {}
        try:
            year = int(values["year"])
        except ValueError:
            errors["year"] = "请填写年份，例如 2027。"
        try:
            off = _dates(values["days_off"])
        except ValueError:
            errors["days_off"] = "放假日期格式不正确：每个日期按“年-月-日”，连续日期可写作 2027-02-05..2027-02-11。"
        try:
            work = _dates(values["work_days"])
        except ValueError:
            errors["work_days"] = "调休上班日期格式不正确。"
        if errors:
            return self._page(request, db, errors=errors, values=values)
        try:
            deadlines.load_year(db, account, year, off, work, values["year_source"])
            db.commit()
        except DomainError as exc:
            db.rollback()
            field = {"source": "year_source"}.get(exc.field or "year", exc.field or "year")
            return self._page(request, db, errors={field: exc.message}, values=values)
        return see_other(request, "/staff/calendar")
