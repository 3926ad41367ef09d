"""Who may do what: signing in (with the lock-out) and the one table of roles.

Every door (the GUI's session, each headless command, the signing worker) signs in here,
so five wrong passwords lock an account for fifteen minutes whichever door they came
through, and every operation of the record asks `authorize` before it writes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database

from desktop_app.store.errors import PermissionDenied
from desktop_app.store.users import ADMIN, CLINICIAN, NURSE, UserRecord, authenticate

LOCK_AFTER_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)

ANY_ROLE = (NURSE, CLINICIAN, ADMIN)
# operation -> the roles that may do it: the one place a role is checked.
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "finish_exam": ANY_ROLE,
    "sign_exam": ANY_ROLE,
    "add_addendum": ANY_ROLE,
    "export_exam": ANY_ROLE,
    "export_fhir": ANY_ROLE,
    "import_documents": ANY_ROLE,
    "read_record": ANY_ROLE,
    "backup": ANY_ROLE,
    "change_own_password": ANY_ROLE,
    "close_episode": (CLINICIAN,),
    "restore": (ADMIN,),
    "migrate_to_server": (ADMIN,),
    "workstation_server": (ADMIN,),
    "change_settings": (ADMIN,),
    "export_audit": (ADMIN,),
    "manage_accounts": (ADMIN,),
    "fill_demo": (ADMIN,),
}


def sign_in(db: Database, name: str, password: str, *, now: datetime | None = None,
            lock_after: int = LOCK_AFTER_FAILURES, lock_for: timedelta = LOCK_FOR) -> UserRecord:
    """Check a sign-in with the lock-out: `lock_after` wrong passwords in a row lock the
    account for `lock_for`. Returns the user; raises `AuthenticationFailed`,
    `AccountLocked` or `AccountDisabled`. Every attempt is audited (by the store)."""
    return authenticate(db, name, password, now=now, lock_after=lock_after, lock_for=lock_for)


def authorize(user: UserRecord, operation: str) -> UserRecord:
    """`user` when their role may do `operation`; `PermissionDenied` otherwise."""
    roles = PERMISSIONS[operation]
    if user.disabled:
        raise PermissionDenied(f"user {user.name!r} is disabled")
    if user.role not in roles:
        who = " or ".join(f"a {r}" if r != ADMIN else "an administrator" for r in roles)
        raise PermissionDenied(f"only {who} may do this (user {user.name!r} is a {user.role})")
    return user
