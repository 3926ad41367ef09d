"""Users: nurses, clinicians and administrators, with argon2id password hashes.

The functions here (`create_user`, `disable_user`, `authenticate`...) touch the database
only. Who may call them, the password rules and each user's signing key are the record's
business (desktop_app/record/accounts.py), which every screen and command goes through.
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from desktop_app.store.audit import append_audit
from desktop_app.store.database import (
    fetch_all,
    fetch_one,
    parse_utc,
    utc_now,
    utc_text,
    write_transaction,
)
from desktop_app.store.errors import (
    AccountDisabled,
    AccountLocked,
    AuthenticationFailed,
    Conflict,
    InvalidValue,
    NotFound,
    checked_text,
)
from desktop_app.store.rows import guard_row

if TYPE_CHECKING:
    from argon2 import PasswordHasher

log = logging.getLogger(__name__)

NURSE, CLINICIAN, ADMIN = "nurse", "clinician", "admin"
ROLES = (NURSE, CLINICIAN, ADMIN)
# The same rule as the signing keys' folder names (report/pki.py).
USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
MIN_PASSWORD_LENGTH = 8
MAX_TEXT = 200


@dataclass(frozen=True)
class UserRecord:
    id: int
    name: str
    full_name: str
    credentials: str | None
    role: str
    disabled: bool
    created_at: datetime
    failed_attempts: int
    locked_until: datetime | None


_COLUMNS = ("id, name, full_name, credentials, role, disabled_at, created_at, failed_attempts,"
            " locked_until, password_hash")


def _user(row: dict[str, Any]) -> UserRecord:
    return UserRecord(row["id"], row["name"], row["full_name"], row["credentials"], row["role"],
                      row["disabled_at"] is not None, parse_utc(row["created_at"]),
                      row["failed_attempts"],
                      parse_utc(row["locked_until"]) if row["locked_until"] else None)


@cache
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher, Type

    return PasswordHasher(type=Type.ID)


@cache
def _decoy_hash() -> str:
    # Verified against for unknown names, so a wrong name takes as long as a wrong password.
    return _hasher().hash("no such user")


def check_password_rules(password: str) -> None:
    """Refuse a password too short to protect a signing key (the record's rules are
    stricter: desktop_app/record/passwords.py)."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidValue(f"a password has at least {MIN_PASSWORD_LENGTH} characters")


def _row(db: Database, name: str) -> dict[str, Any] | None:
    return fetch_one(db, f"SELECT {_COLUMNS} FROM users WHERE lower(name) = lower(?)", [name])


def get_user(db: Database, name: str) -> UserRecord:
    """The user with this name (any case); `NotFound` otherwise."""
    row = _row(db, name)
    if row is None:
        raise NotFound(f"there is no user {name!r}")
    return _user(row)


def list_users(db: Database) -> list[UserRecord]:
    """Every user, enabled ones first, then by name."""
    rows = fetch_all(db, f"SELECT {_COLUMNS} FROM users "
                     "ORDER BY disabled_at IS NOT NULL, lower(name), name")
    return [_user(r) for r in rows]


def has_users(db: Database) -> bool:
    """False on a new installation (the first user sets it up)."""
    return db.execute("SELECT EXISTS (SELECT 1 FROM users)").fetchone()[0] == 1


def create_user(db: Database, name: str, *, full_name: str, role: str, password: str,
                credentials: str | None = None, actor: str) -> UserRecord:
    """Create an account (database only; see `add_user` for the signing key too)."""
    if not isinstance(name, str) or not USER_NAME.fullmatch(name):
        raise InvalidValue("a user name is 1-64 letters, digits, '.', '_', '@' or '-', "
                           "starting with a letter or digit")
    if role not in ROLES:
        raise InvalidValue(f"the role is one of {', '.join(ROLES)}")
    full_name = checked_text(full_name, "the full name", required=True, max_length=MAX_TEXT)
    credentials = checked_text(credentials, "the credentials", max_length=MAX_TEXT)
    check_password_rules(password)
    password_hash = _hasher().hash(password)
    with write_transaction(db):
        if _row(db, name) is not None:
            raise Conflict(f"there is already a user {name!r}")
        user_id = db.execute(
            "INSERT INTO users (name, full_name, credentials, role, password_hash, created_at,"
            " created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [name, full_name, credentials, role, password_hash, utc_text(utc_now()), actor],
        ).lastrowid
        append_audit(db, actor=actor, action="user.create", table="users", record_id=user_id,
                     detail={"role": role})
    log.info("user %d created (role %s)", user_id, role)
    return get_user(db, name)


def disable_user(db: Database, name: str, *, actor: str) -> UserRecord:
    """Disable an account: it can no longer sign in. Never the last enabled administrator."""
    with write_transaction(db):
        user = get_user(db, name)
        if user.disabled:
            raise Conflict(f"user {user.name!r} is already disabled")
        if user.role == ADMIN:
            admins = db.execute("SELECT count(*) FROM users WHERE role = 'admin' "
                                "AND disabled_at IS NULL").fetchone()[0]
            if admins <= 1:
                raise Conflict("the last administrator cannot be disabled; make another "
                               "administrator first")
        guard_row(db, "users", user.id)
        db.execute("UPDATE users SET disabled_at = ?, disabled_by = ? WHERE id = ?",
                   [utc_text(utc_now()), actor, user.id])
        append_audit(db, actor=actor, action="user.disable", table="users", record_id=user.id)
    log.info("user %d disabled", user.id)
    return get_user(db, name)


def authenticate(db: Database, name: str, password: str, *, now: datetime | None = None,
                 lock_after: int | None = None,
                 lock_for: timedelta = timedelta(minutes=15)) -> UserRecord:
    """Check a sign-in. Returns the user, or raises `AuthenticationFailed` (wrong name or
    password, not saying which), `AccountDisabled` or `AccountLocked`.

    Wrong passwords are counted; with `lock_after`, that many in a row lock the account for
    `lock_for`. A right password resets the count. Every attempt is audited.
    """
    from argon2.exceptions import InvalidHashError, VerificationError

    moment = now or utc_now()
    row = _row(db, name) if isinstance(name, str) else None
    if row is None:
        with contextlib.suppress(VerificationError):
            _hasher().verify(_decoy_hash(), password or "")
        log.info("sign-in refused (unknown user name)")
        raise AuthenticationFailed()
    user = _user(row)
    if user.locked_until and user.locked_until > moment:
        raise AccountLocked(utc_text(user.locked_until))
    try:
        _hasher().verify(row["password_hash"], password or "")
    except (VerificationError, InvalidHashError):
        _record_failure(db, user, moment, lock_after, lock_for)
        raise AuthenticationFailed() from None
    if user.disabled:
        raise AccountDisabled()
    with write_transaction(db):
        guard_row(db, "users", user.id)
        new_hash = (_hasher().hash(password)
                    if _hasher().check_needs_rehash(row["password_hash"]) else row["password_hash"])
        db.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL, password_hash = ?"
                   " WHERE id = ?", [new_hash, user.id])
        append_audit(db, actor=user.name, action="user.sign_in", table="users",
                     record_id=user.id, at=moment)
    return get_user(db, user.name)


def _record_failure(db: Database, user: UserRecord, moment: datetime, lock_after: int | None,
                    lock_for: timedelta) -> None:
    attempts = user.failed_attempts + 1
    locked = lock_after is not None and attempts >= lock_after
    with write_transaction(db):
        guard_row(db, "users", user.id)
        db.execute("UPDATE users SET failed_attempts = ?, locked_until = ? WHERE id = ?",
                   [attempts, utc_text(moment + lock_for) if locked else None, user.id])
        append_audit(db, actor=user.name, action="user.sign_in_failed", table="users",
                     record_id=user.id, detail={"attempts": attempts, "locked": locked},
                     at=moment)
    log.info("sign-in refused for user %d (attempt %d)", user.id, attempts)


def set_password(db: Database, name: str, password: str, *, actor: str,
                 action: str | None) -> UserRecord:
    """Store a new password hash for `name` (the count of wrong passwords and any lock-out
    cleared) and audit `action` (a reset by an administrator, or the user's own change);
    None when the caller's own audited change includes it."""
    check_password_rules(password)
    password_hash = _hasher().hash(password)
    with write_transaction(db):
        user = get_user(db, name)
        db.execute("UPDATE users SET password_hash = ?, failed_attempts = 0, locked_until = NULL"
                   " WHERE id = ?", [password_hash, user.id])
        if action is not None:
            append_audit(db, actor=actor, action=action, table="users", record_id=user.id)
    log.info("password of user %d set", user.id)
    return get_user(db, name)


def enable_user(db: Database, name: str, *, actor: str) -> UserRecord:
    """Enable a disabled account again."""
    with write_transaction(db):
        user = get_user(db, name)
        if not user.disabled:
            raise Conflict(f"user {user.name!r} is not disabled")
        db.execute("UPDATE users SET disabled_at = NULL, disabled_by = NULL, failed_attempts = 0,"
                   " locked_until = NULL WHERE id = ?", [user.id])
        append_audit(db, actor=actor, action="user.enable", table="users", record_id=user.id)
    log.info("user %d enabled", user.id)
    return get_user(db, name)
