"""Parameter administration on the staff side (RULES.md 4; Role.PARAMETER_ADMIN).

Handlers only ask: require → parse (casework.parameter_admin) → one domain call → commit → redirect, or the
form again with the messages beside the fields and what was typed."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Response, Template
from sqlmodel import col, select

from casework import parameter_admin as pa
from casework.models import AuditRecord, ParameterRecord
from casework.parameters import PARAMETER_KEYS
from casework.roles import COUNTY_NAMES, Role
from casework.transitions import DomainError
from portal.public.pages import FormBody
from portal.web import Db, actor_for, page, require, see_other

ACTION_LABELS = {"parameter_add": "新增版本", "parameter_correct": "更正版本", "parameter_delete": "删除版本"}
FORM_FIELDS = ("effective_from", "source", "demo", "region", "series", "year", "period", "amount", "area",
               "rounding", "topup_rule", "medical_contribution_percent", "care_start", "medical_base",
               "care_full", "care_most", "care_part", "reason",
               *(f"grade_{g}" for g in range(1, 11)))


def _options() -> dict:
    return {
        "keys": PARAMETER_KEYS, "w_series": pa.W_SERIES, "w_regions": pa.W_REGIONS,
        "counties": COUNTY_NAMES,
        "county_options": [(code, f"{name}（{code}）") for code, name in COUNTY_NAMES.items()], "rounding": pa.ROUNDING_LABELS, "topup_rules": pa.TOPUP_RULES,
        "care_start": pa.CARE_START, "medical_base": pa.MEDICAL_BASE, "medical_grades": pa.MEDICAL_GRADES,
        "increment_grades": pa.INCREMENT_GRADES, "care_fields": pa.CARE_FIELDS,
    }


def _values(data: dict) -> dict[str, str]:
    return {k: str(data.get(k, "")) for k in FORM_FIELDS if k in data}


def _key(key: str) -> str:
    if key not in PARAMETER_KEYS:
        raise NotFoundException()
    return key


class ParameterAdmin(Controller):
    path = "/staff/parameters"

    @get("/", name="parameters", sync_to_thread=True)
    def index(self, request: Request, db: Db, done: FromQuery[str | None] = None) -> Template:
        require(request, db, Role.PARAMETER_ADMIN)
        trail = db.exec(select(AuditRecord).where(col(AuditRecord.action).in_(list(ACTION_LABELS)))
                        .order_by(col(AuditRecord.at).desc(), col(AuditRecord.id).desc()).limit(30)).all()
        return page(request, db, "staff/parameters/list.html", grouped=pa.versions_by_key(db),
                    used=pa.used_counts(db), describe=pa.describe_value, trail=trail,
                    action_labels=ACTION_LABELS, done=done, **_options())

    @get("/{key:str}/new", name="parameter_new", sync_to_thread=True)
    def new_form(self, request: Request, db: Db, key: FromPath[str]) -> Template:
        require(request, db, Role.PARAMETER_ADMIN)
        defaults = {"period": "annual", "rounding": "half-up", "topup_rule": "gross", "series": "非私营",
                    "region": "自治区"}
        return self._form(request, db, _key(key), defaults, {})

    @post("/{key:str}/new", sync_to_thread=True)
    def create(self, request: Request, db: Db, key: FromPath[str], data: FormBody) -> Response | Template:
        account = require(request, db, Role.PARAMETER_ADMIN)
        key, values = _key(key), _values(data)
        parsed, errors = pa.parse_version(key, values)
        if parsed is None:
            return self._form(request, db, key, values, errors)
        try:
            pa.create(db, actor_for(request, db, account, Role.PARAMETER_ADMIN), parsed)
            db.commit()
        except DomainError as exc:
            db.rollback()
            return self._form(request, db, key, values, {exc.field or "_form": exc.message})
        return see_other(request, "/staff/parameters?done=add")

    @get("/versions/{version_id:int}/edit", name="parameter_edit", sync_to_thread=True)
    def edit_form(self, request: Request, db: Db, version_id: FromPath[int]) -> Template:
        require(request, db, Role.PARAMETER_ADMIN)
        row = self._row(db, version_id)
        return self._form(request, db, row.key, pa.form_values(row), {}, row=row)

    @post("/versions/{version_id:int}/edit", sync_to_thread=True)
    def correct(self, request: Request, db: Db, version_id: FromPath[int], data: FormBody) -> Response | Template:
        account = require(request, db, Role.PARAMETER_ADMIN)
        row = self._row(db, version_id)
        values = _values(data)
        parsed, errors = pa.parse_version(row.key, values)
        if not values.get("reason", "").strip():
            errors["reason"] = "请填写更正原因。"
        if parsed is None or errors:
            return self._form(request, db, row.key, values, errors, row=row)
        try:
            pa.correct(db, actor_for(request, db, account, Role.PARAMETER_ADMIN), version_id, parsed,
                       reason=values["reason"])
            db.commit()
        except DomainError as exc:
            db.rollback()
            return self._form(request, db, row.key, values, {exc.field or "_form": exc.message},
                              row=self._row(db, version_id), status_code=409)
        return see_other(request, "/staff/parameters?done=correct")

    @post("/versions/{version_id:int}/delete", sync_to_thread=True)
    def delete(self, request: Request, db: Db, version_id: FromPath[int], data: FormBody) -> Response | Template:
        account = require(request, db, Role.PARAMETER_ADMIN)
        row = self._row(db, version_id)
        reason = str(data.get("delete_reason", "")).strip()
        try:
            if not reason:
                raise DomainError("请填写删除原因。", field="delete_reason")
            pa.delete(db, actor_for(request, db, account, Role.PARAMETER_ADMIN), version_id, reason=reason)
            db.commit()
        except DomainError as exc:
            db.rollback()
            row = self._row(db, version_id)
            return self._form(request, db, row.key, pa.form_values(row),
                              {exc.field if exc.field == "delete_reason" else "_form": exc.message}, row=row,
                              status_code=409 if exc.field is None else 200)
        return see_other(request, "/staff/parameters?done=delete")

    def _row(self, db: Db, version_id: int) -> ParameterRecord:
        row = db.get(ParameterRecord, version_id)
        if row is None:
            raise NotFoundException()
        return row

    def _form(self, request: Request, db: Db, key: str, values: dict, errors: dict, *,
              row: ParameterRecord | None = None, status_code: int = 200) -> Template:
        used = pa.used_counts(db).get(str(row.id), 0) if row is not None else 0
        return page(request, db, "staff/parameters/form.html", status_code=status_code, key=key, row=row,
                    used=used, values=values, errors=errors, name=PARAMETER_KEYS[key], **_options())
