"""People and access (issue 7): staff accounts kept by the user administrator, employer agents provisioned by
the agency, workers' own accounts activated with a one-time code given at a hall.

Nobody registers themselves: anyone can know a company's credit code or a worker's identity number, so an
account is opened only by the agency after checking who is in front of it (a hall's 受理 user) or by the user
administrator. Every change is audited (社会保险经办条例 arts. 37–38). Secrets (temporary passwords, activation
codes) are returned ONCE to the caller for showing or printing and kept only as argon2 hashes.

Parsing returns (data, errors-by-field) with Chinese messages, like casework.applications.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Field, Session, SQLModel, col, select

from casework.accounts import Hasher, SignInRefused, note_failure, throttle
from casework.identity import InvalidIdentity, parse_resident_id, validate_document, validate_uscc
from casework.models import Account, Case, Employer, Office, WebSession, utcnow
from casework.roles import CASE_ROLES, COUNTY_NAMES, PREFECTURE_CODE, STAFF_ROLES, Role
from casework.transitions import DomainError, NotPermitted, audit

ID_TYPES = ["居民身份证", "护照", "港澳台居民居住证", "外国人永久居留身份证"]
_USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{2,31}$")
# no 0/O, 1/I/L: read aloud at a counter and typed on a phone without mistakes
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
UNUSABLE = "!"  # a password hash nothing verifies against (argon2 refuses it): an account not yet activated
FINAL_STATUSES = ("approved", "rejected", "withdrawn", "draft")


class ActivationCode(SQLModel, table=True):
    """A one-time activation code of a worker's account, issued at a hall after the identity document was
    checked. Only its argon2 hash is kept; it expires, is used once, and a newer code voids the older ones."""

    __tablename__ = "activation_code"
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    code_hash: str = Field(max_length=255)
    issued_at: datetime = Field(default_factory=utcnow)
    issued_by_id: int = Field(foreign_key="account.id")
    office_id: int | None = Field(default=None, foreign_key="office.id")
    expires_at: datetime
    used_at: datetime | None = None
    voided_at: datetime | None = None


def new_secret(length: int = 10) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


# the shapes of the passwords people pick first (a word or keyboard run, then digits and a symbol)
_COMMON_STEMS = ("password", "passw0rd", "qwerty", "asdfgh", "zxcvbn", "abc123", "admin", "welcome", "iloveyou",
                 "123456", "111111", "123123", "woaini", "changji", "shebao", "demo")


def _common(password: str) -> bool:
    lowered = password.lower()
    return any(stem in lowered for stem in _COMMON_STEMS)


def password_problem(password: str, *, username: str = "") -> str | None:
    """The password rule, in the words the form shows."""
    if len(password) < 10:
        return "密码至少 10 位。"
    if len(password) > 128:
        return "密码不能超过 128 位。"
    classes = sum(bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]"))
    if classes < 3:
        return "密码须包含大写字母、小写字母、数字、符号中的至少三类。"
    if _common(password):
        return "该密码过于常见，容易被猜中，请换一个。"
    if username and username.lower() in password.lower():
        return "密码不能包含用户名或证件号码。"
    return None


# ---------------------------------------------------------------- staff administration (Role.ADMIN)

@dataclass(frozen=True)
class StaffData:
    username: str
    display_name: str
    office_code: str
    roles: tuple[str, ...]


def parse_staff(raw: dict, *, new: bool) -> tuple[StaffData | None, dict[str, str]]:
    errors: dict[str, str] = {}
    username = (raw.get("username") or "").strip().lower()
    if new:
        if not username:
            errors["username"] = "请填写用户名。"
        elif not _USERNAME.match(username):
            errors["username"] = "用户名为 3–32 位小写字母、数字或 _ . -，以字母开头，例如 li_shouli。"
    name = " ".join((raw.get("display_name") or "").split())
    if not name:
        errors["display_name"] = "请填写姓名。"
    elif len(name) > 60:
        errors["display_name"] = "姓名不能超过 60 个字。"
    office = (raw.get("office") or "").strip()
    if office != PREFECTURE_CODE and office not in COUNTY_NAMES:
        errors["office"] = "请选择所在经办机构。"
    picked = raw.get("roles") or []
    if isinstance(picked, str):
        picked = [picked]
    staff_codes = {r.value for r in STAFF_ROLES}
    roles = tuple(r for r in (r.value for r in Role) if r in set(picked))
    if not roles:
        errors["roles"] = "请至少选择一个岗位。"
    elif set(picked) - staff_codes:
        errors["roles"] = "只能选择经办机构的岗位。"
    if errors:
        return None, errors
    return StaffData(username=username, display_name=name, office_code=office, roles=roles), {}


def _office(session: Session, code: str) -> Office:
    office = session.exec(select(Office).where(Office.code == code)).first()
    if office is None:
        raise DomainError("未找到该经办机构。", field="office")
    return office


def _require_admin(admin: Account) -> None:
    if Role.ADMIN.value not in admin.role_set() or not admin.active:
        raise NotPermitted("只有用户管理员可以管理工作人员账户。")


def _check_grant(admin: Account, account: Account | None, roles: tuple[str, ...]) -> None:
    """Separation of duties reaches the administrators too: the one who hands out roles does not hold a case
    role (they could give themselves both reviews), and nobody changes their own roles."""
    case_roles = {r.value for r in CASE_ROLES}
    if Role.ADMIN.value in roles and case_roles & set(roles):
        raise DomainError("用户管理员岗位不能与办理案件的岗位同时授予同一账户。", field="roles")
    if account is not None and account.id == admin.id and set(roles) != account.role_set():
        raise DomainError("不能修改本人的岗位，请由另一位用户管理员办理。", field="roles")


def create_staff(session: Session, admin: Account, data: StaffData, hasher: Hasher, *, ip: str | None = None
                 ) -> tuple[Account, str]:
    """A new staff account with a temporary password (returned once) that must be changed at first sign-in."""
    _require_admin(admin)
    _check_grant(admin, None, data.roles)
    if session.exec(select(Account).where(Account.username == data.username)).first() is not None:
        raise DomainError("该用户名已被使用，请换一个。", field="username")
    office = _office(session, data.office_code)
    temp = new_secret()
    account = Account(username=data.username, display_name=data.display_name, password_hash=hasher.hash(temp),
                      kind="staff", roles=" ".join(data.roles), office_id=office.id, must_change_password=True)
    session.add(account)
    session.flush()
    audit(session, "account.create", admin, role=Role.ADMIN.value, ip=ip,
          details={"account": account.username, "kind": "staff", "roles": list(data.roles), "office": office.code})
    return account, temp


def update_staff(session: Session, admin: Account, account: Account, data: StaffData, *, ip: str | None = None
                 ) -> None:
    _require_admin(admin)
    if account.kind != "staff":
        raise DomainError("这里只能修改工作人员账户。")
    if account.id == admin.id and Role.ADMIN.value not in data.roles:
        raise DomainError("不能取消本人的用户管理员岗位（以免无人能管理账户）；请由另一位用户管理员办理。",
                          field="roles")
    _check_grant(admin, account, data.roles)
    office = _office(session, data.office_code)
    before = {"display_name": account.display_name, "roles": account.roles, "office_id": account.office_id}
    account.display_name = data.display_name
    account.roles = " ".join(data.roles)
    account.office_id = office.id
    session.add(account)
    session.flush()
    after = {"display_name": account.display_name, "roles": account.roles, "office_id": account.office_id}
    audit(session, "account.update", admin, role=Role.ADMIN.value, ip=ip,
          details={"account": account.username, "before": before, "after": after})


def open_cases_of(session: Session, account: Account) -> list[Case]:
    """Cases still open on which this person is the one expected to act: assigned by the chief, or the
    initial reviewer of record, or the receiver of an on-site case not yet accepted — to be reassigned."""
    cond = (col(Case.assigned_to_id) == account.id) | (col(Case.initial_reviewer_id) == account.id)
    rows = session.exec(select(Case).where(cond, col(Case.status).not_in(FINAL_STATUSES))).all()
    received = session.exec(select(Case).where(Case.received_by_id == account.id,
                                               col(Case.status).in_(("reception", "reception_pending")))).all()
    seen: dict[int, Case] = {c.id: c for c in [*rows, *received]}
    return sorted(seen.values(), key=lambda c: (c.due_date is None, c.due_date, c.id))


def end_sessions(session: Session, account: Account, *, keep: str | None = None) -> int:
    """Every signed-in session of the account ends (except the cookie `keep`, the person's own)."""
    from casework.accounts import _hash_token

    kept = _hash_token(keep) if keep else None
    rows = [r for r in session.exec(select(WebSession).where(WebSession.account_id == account.id)).all()
            if r.token_hash != kept]
    for r in rows:
        session.delete(r)
    return len(rows)


def deactivate(session: Session, by: Account, account: Account, *, reason: str, ip: str | None = None) -> list[Case]:
    """A leaver's account stops at once (every session ends); the open cases are returned for reassignment.
    The account row stays: audit records and cases point to it."""
    if not reason.strip():
        raise DomainError("请写明停用原因（例如：调离、退休）。", field="reason")
    if account.id == by.id:
        raise DomainError("不能停用本人的账户。", field="reason")
    cases = open_cases_of(session, account)
    account.active = False
    session.add(account)
    ended = end_sessions(session, account)
    session.flush()
    audit(session, "account.deactivate", by, role=_acting_role(by, account), ip=ip, reason=reason.strip(),
          details={"account": account.username, "sessions_ended": ended,
                   "open_cases": [c.number or c.public_id for c in cases]})
    return cases


def reactivate(session: Session, by: Account, account: Account, *, ip: str | None = None) -> None:
    account.active = True
    account.failed_attempts = 0
    account.locked_until = None
    session.add(account)
    session.flush()
    audit(session, "account.reactivate", by, role=_acting_role(by, account), ip=ip,
          details={"account": account.username})


def reset_password(session: Session, by: Account, account: Account, hasher: Hasher, *, ip: str | None = None) -> str:
    """A one-time temporary password, shown once; the person must replace it at the next sign-in. The lock
    and every open session end (someone else may hold the old password)."""
    temp = new_secret()
    account.password_hash = hasher.hash(temp)
    account.must_change_password = True
    account.failed_attempts = 0
    account.locked_until = None
    session.add(account)
    ended = end_sessions(session, account)
    session.flush()
    audit(session, "account.password_reset", by, role=_acting_role(by, account), ip=ip,
          details={"account": account.username, "sessions_ended": ended})
    return temp


def _acting_role(by: Account, account: Account) -> str:
    held = by.role_set()
    if Role.ADMIN.value in held:
        return Role.ADMIN.value
    if account.kind != "staff" and Role.RECEPTION.value in held:
        return Role.RECEPTION.value
    raise NotPermitted("您的岗位无权管理该账户。")


def may_manage(session: Session, by: Account, account: Account) -> bool:
    """Staff accounts: the user administrator. Agents and workers: the administrator, or a 受理 user of the
    hall of the agent's employer (the prefecture's 受理 users: any), where the person shows up in person."""
    held = by.role_set()
    if not by.active:
        return False
    if Role.ADMIN.value in held:
        return True
    if account.kind == "staff" or Role.RECEPTION.value not in held:
        return False
    office = session.get(Office, by.office_id) if by.office_id else None
    if office is None:
        return False
    if account.kind == "worker" or office.code == PREFECTURE_CODE:
        return True
    employer = session.get(Employer, account.employer_id) if account.employer_id else None
    return employer is not None and employer.county == office.code


def set_receiver_may_review(session: Session, admin: Account, office: Office, allowed: bool, *, reason: str,
                            ip: str | None = None) -> None:
    """RULES.md 11: whether a receiver may do the initial review of the same case is an office setting
    (allowed by default, recorded as a risk point); changing it is audited with the reason."""
    _require_admin(admin)
    if not reason.strip():
        raise DomainError("请写明修改原因。", field=f"reason_{office.code}")
    if office.receiver_may_review == allowed:
        raise DomainError("设置未改变。", field=f"reason_{office.code}")
    office.receiver_may_review = allowed
    session.add(office)
    session.flush()
    audit(session, "office.separation", admin, role=Role.ADMIN.value, ip=ip, reason=reason.strip(),
          details={"office": office.code, "receiver_may_review": allowed})


# ---------------------------------------------------------------- employer agents (经办人)

@dataclass(frozen=True)
class AgentData:
    uscc: str
    employer_name: str
    county: str
    username: str
    display_name: str


def parse_agent(raw: dict) -> tuple[AgentData | None, dict[str, str]]:
    errors: dict[str, str] = {}
    uscc = (raw.get("uscc") or "").strip().upper()
    if not uscc:
        errors["uscc"] = "请填写统一社会信用代码。"
    else:
        try:
            uscc = validate_uscc(uscc)
        except InvalidIdentity as exc:
            errors["uscc"] = exc.message
    employer_name = " ".join((raw.get("employer_name") or "").split())
    if len(employer_name) > 120:
        errors["employer_name"] = "单位名称不能超过 120 个字。"
    county = (raw.get("county") or "").strip()
    if county and county not in COUNTY_NAMES:
        errors["county"] = "请选择单位参保所在县市。"
    username = (raw.get("username") or "").strip().lower()
    if not username:
        errors["username"] = "请填写经办人用户名。"
    elif not _USERNAME.match(username):
        errors["username"] = "用户名为 3–32 位小写字母、数字或 _ . -，以字母开头。"
    name = " ".join((raw.get("display_name") or "").split())
    if not name:
        errors["display_name"] = "请填写经办人姓名。"
    elif len(name) > 60:
        errors["display_name"] = "姓名不能超过 60 个字。"
    if errors:
        return None, errors
    return AgentData(uscc=uscc, employer_name=employer_name, county=county, username=username,
                     display_name=name), {}


def create_agent(session: Session, by: Account, data: AgentData, hasher: Hasher, *, ip: str | None = None
                 ) -> tuple[Account, Employer, str]:
    """An agent (经办人) of an employer, provisioned by the agency; the employer row is created when new (its
    county decides the hall). Several agents per employer. A temporary password is returned once."""
    held = by.role_set()
    office = session.get(Office, by.office_id) if by.office_id else None
    if Role.ADMIN.value not in held and Role.RECEPTION.value not in held:
        raise NotPermitted("只有经办大厅受理岗或用户管理员可以开通单位经办人账户。")
    employer = session.exec(select(Employer).where(Employer.uscc == data.uscc)).first()
    created = False
    if employer is None:
        if not data.employer_name:
            raise DomainError("该单位尚未登记，请填写单位名称。", field="employer_name")
        if not data.county:
            raise DomainError("该单位尚未登记，请选择单位参保所在县市。", field="county")
        employer = Employer(uscc=data.uscc, name=data.employer_name, county=data.county)
        created = True
    # a county hall provisions agents of its own county's employers (the prefecture: any)
    if Role.ADMIN.value not in held and (office is None or (office.code != PREFECTURE_CODE
                                                             and employer.county != office.code)):
        raise NotPermitted("该单位不在本大厅经办范围内，请到单位参保所在县市的经办大厅办理。")
    if session.exec(select(Account).where(Account.username == data.username)).first() is not None:
        raise DomainError("该用户名已被使用，请换一个。", field="username")
    if created:
        session.add(employer)
        session.flush()
    temp = new_secret()
    account = Account(username=data.username, display_name=data.display_name, password_hash=hasher.hash(temp),
                      kind="employer", roles=Role.EMPLOYER_AGENT.value, employer_id=employer.id,
                      must_change_password=True)
    session.add(account)
    session.flush()
    role = Role.ADMIN.value if Role.ADMIN.value in held else Role.RECEPTION.value
    audit(session, "account.create", by, role=role, office_code=office.code if office else None, ip=ip,
          details={"account": account.username, "kind": "employer", "employer": employer.uscc,
                   "employer_created": created})
    return account, employer, temp


# ---------------------------------------------------------------- workers: activation at a hall

@dataclass(frozen=True)
class PersonId:
    id_type: str
    id_number: str


def parse_person_id(raw: dict) -> tuple[PersonId | None, dict[str, str]]:
    id_type = (raw.get("id_type") or "居民身份证").strip()
    number = (raw.get("id_number") or "").strip().upper()
    if id_type not in ID_TYPES:
        return None, {"id_type": "请选择证件类型。"}
    if not number:
        return None, {"id_number": "请填写证件号码。"}
    try:
        number = parse_resident_id(number).number if id_type == "居民身份证" else validate_document(id_type, number)
    except InvalidIdentity as exc:
        return None, {"id_number": exc.message}
    return PersonId(id_type, number), {}


@dataclass(frozen=True)
class IssuedCode:
    account: Account
    code: str  # plain, for the slip only
    expires_at: datetime
    new_account: bool


def issue_activation(session: Session, receiver: Account, person: PersonId, display_name: str, hasher: Hasher, *,
                     valid_for: timedelta, ip: str | None = None, now: datetime | None = None) -> IssuedCode:
    """At a hall, after the 受理 user checked the identity document in person: a one-time code for the
    worker's account (opened now if new). Also how a forgotten password is reset: the new code lets the worker
    set a new password; older codes are voided. The code goes on the activation slip and nowhere else."""
    now = now or utcnow()
    if Role.RECEPTION.value not in receiver.role_set() or not receiver.active:
        raise NotPermitted("只有经办大厅受理岗可以发放激活码。")
    office = session.get(Office, receiver.office_id) if receiver.office_id else None
    if office is None:
        raise NotPermitted("您的账户未关联经办大厅，不能发放激活码。")
    name = " ".join(display_name.split())
    if not name:
        raise DomainError("请填写证件上的姓名。", field="display_name")
    if len(name) > 60:
        raise DomainError("姓名不能超过 60 个字。", field="display_name")
    account = session.exec(select(Account).where(Account.kind == "worker",
                                                 Account.id_number == person.id_number)).first()
    new_account = account is None
    if account is None:
        if session.exec(select(Account).where(Account.username == person.id_number)).first() is not None:
            raise DomainError("该证件号码已被其他账户占用，请联系用户管理员。", field="id_number")
        account = Account(username=person.id_number, display_name=name, password_hash=UNUSABLE, kind="worker",
                          roles=Role.WORKER.value, id_type=person.id_type, id_number=person.id_number)
        session.add(account)
        session.flush()
    elif not account.active:
        raise DomainError("该个人账户已停用，请联系用户管理员。", field="id_number")
    for old in session.exec(select(ActivationCode).where(ActivationCode.account_id == account.id,
                                                         col(ActivationCode.used_at).is_(None),
                                                         col(ActivationCode.voided_at).is_(None))).all():
        old.voided_at = now
        session.add(old)
    code = new_secret(8)
    row = ActivationCode(account_id=account.id, code_hash=hasher.hash(code), issued_at=now, issued_by_id=receiver.id,
                         office_id=office.id, expires_at=now + valid_for)
    session.add(row)
    session.flush()
    audit(session, "account.activation_code", receiver, role=Role.RECEPTION.value, office_code=office.code, ip=ip,
          details={"account": account.id, "new_account": new_account, "code": row.id,
                   "expires_at": row.expires_at.isoformat()})
    return IssuedCode(account=account, code=code, expires_at=row.expires_at, new_account=new_account)


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


ACTIVATION_REFUSED = ("证件号码或激活码不正确，或激活码已使用、已过期。激活码自发放起有效期有限且只能使用一次；"
                      "连续多次失败后将暂时锁定。如已过期或遗失，请携带有效身份证件到经办大厅重新领取。")


def activate(session: Session, hasher: Hasher, person: PersonId, code: str, password: str, *, max_failed: int,
             lockout: timedelta, ip: str | None = None, now: datetime | None = None,
             ip_limit: int = 30) -> Account:
    """The worker sets their password with the identity number AND the code. A wrong, reused or expired code
    reads the same as an unknown identity number (nothing to learn about who has an account), and failures
    count toward the sign-in lockout of the account (casework.accounts.sign_in)."""
    now = now or utcnow()
    throttle(session, ip, ip_limit, now)
    code = re.sub(r"[\s-]", "", code).upper()
    problem = password_problem(password, username=person.id_number)
    if problem:
        raise DomainError(problem, field="password")
    account = session.exec(select(Account).where(Account.kind == "worker",
                                                 Account.id_number == person.id_number)).first()
    if account is None:
        hasher.hash(code)  # spend the same time as a real check
        note_failure(session, ip, now)
        raise SignInRefused(ACTIVATION_REFUSED)
    if account.locked_until and account.locked_until > now:
        # the same words as for an unknown number: a lock must not tell who has an account (the ID number
        # of a person with a work-injury account is itself sensitive)
        note_failure(session, ip, now)
        raise SignInRefused(ACTIVATION_REFUSED)
    rows = session.exec(select(ActivationCode).where(ActivationCode.account_id == account.id)
                        .order_by(col(ActivationCode.issued_at).desc())).all()
    match = next((r for r in rows if code and hasher.verify(r.code_hash, code)), None)
    usable = (match is not None and match.used_at is None and match.voided_at is None and match.expires_at > now
              and account.active)
    if not usable:
        account.failed_attempts += 1
        if account.failed_attempts >= max_failed:
            account.locked_until = now + lockout
            account.failed_attempts = 0
            audit(session, "account.locked", account, reason="激活失败次数过多", ip=ip)
        session.add(account)
        audit(session, "account.activation_refused", account, ip=ip,
              details={"why": "unknown" if match is None else "used" if match.used_at else
                       "voided" if match.voided_at else "expired" if match.expires_at <= now else "inactive"})
        note_failure(session, ip, now)
        session.flush()
        raise SignInRefused(ACTIVATION_REFUSED)
    match.used_at = now
    session.add(match)
    account.password_hash = hasher.hash(password)
    account.must_change_password = False
    account.failed_attempts = 0
    account.locked_until = None
    session.add(account)
    end_sessions(session, account)
    session.flush()
    audit(session, "account.activated", account, role=Role.WORKER.value, ip=ip, details={"code": match.id})
    return account


class WrongCurrentPassword(DomainError):
    """The failed attempt is counted: the caller commits it (like a failed sign-in) before answering."""


def change_password(session: Session, hasher: Hasher, account: Account, current: str, new: str, again: str, *,
                    ip: str | None = None, max_failed: int = 5, lockout: timedelta = timedelta(minutes=15),
                    now: datetime | None = None) -> None:
    """A signed-in person changes their password; a wrong current password counts toward the lockout, so an
    open session left on a hall's computer cannot be used to guess it."""
    now = now or utcnow()
    if not hasher.verify(account.password_hash, current):
        account.failed_attempts += 1
        locked = account.failed_attempts >= max_failed
        if locked:
            account.locked_until = now + lockout
            account.failed_attempts = 0
            end_sessions(session, account)
            audit(session, "account.locked", account, reason="修改密码时当前密码连续错误", ip=ip)
        session.add(account)
        session.flush()
        message = ("当前密码连续错误次数过多，账户已暂时锁定并退出登录。" if locked else "当前密码不正确。")
        exc = WrongCurrentPassword(message, field="current")
        exc.errors = {"current": message}  # type: ignore[attr-defined]
        raise exc
    errors = {}
    problem = password_problem(new, username=account.username)
    if problem:
        errors["new"] = problem
    elif new != again:
        errors["again"] = "两次输入的新密码不一致。"
    elif hasher.verify(account.password_hash, new):
        errors["new"] = "新密码不能与当前密码相同。"
    if errors:
        exc = DomainError(next(iter(errors.values())), field=next(iter(errors)))
        exc.errors = errors  # type: ignore[attr-defined]
        raise exc
    account.password_hash = hasher.hash(new)
    account.must_change_password = False
    session.add(account)
    session.flush()
    audit(session, "account.password_change", account, ip=ip)


# ---------------------------------------------------------------- who reads which case (object level)

# an employer's applications: filed by its agents online, or by it for the worker at a hall (6.1.1.2); a
# worker's own application names the former employer but is not the employer's to read
EMPLOYER_FILED = (None, "former_employer")


def employer_sees(account: Account, case: Case) -> bool:
    return (Role.EMPLOYER_AGENT.value in account.role_set() and account.employer_id is not None
            and case.employer_id == account.employer_id and case.applicant_kind in EMPLOYER_FILED
            and case.status != "draft")


def worker_sees(account: Account, case: Case) -> bool:
    """Every case ABOUT the worker (whoever filed it), and what they filed themselves (as a proxy too)."""
    if account.kind != "worker" or Role.WORKER.value not in account.role_set() or not account.id_number:
        return False
    if case.submitted_by_id == account.id:
        return True
    return case.id_number == account.id_number and case.status != "draft"


def cases_of_worker(session: Session, account: Account) -> list[Case]:
    if not account.id_number:
        return []
    about = (Case.id_number == account.id_number) & (Case.status != "draft")
    rows = session.exec(select(Case).where(about | (Case.submitted_by_id == account.id))
                        .order_by(col(Case.created_at).desc())).all()
    return [c for c in rows if worker_sees(account, c)]
