"""Accounts and their signing keys: set up, add, disable, enable, reset a password,
re-issue a key, change one's own password.

Each operation is one transaction on the record with one audit action, and keeps the
user's signing key (desktop_app/report/pki.py) in step: the database change commits only
when the key work succeeded. Disabling an account or re-issuing a key puts the old
certificate on the authority's revocation list, which needs the administrator's password
(it unlocks the authority), so every administrator operation takes it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlite_utils import Database

from desktop_app.record import actions
from desktop_app.record.auth import authorize, sign_in
from desktop_app.record.keys import signing_keys
from desktop_app.record.passwords import check_password
from desktop_app.store.audit import append_audit
from desktop_app.store.database import write_transaction
from desktop_app.store.errors import Conflict, PermissionDenied, StoreError
from desktop_app.store.users import (
    ADMIN,
    UserRecord,
    create_user,
    get_user,
    has_users,
    set_password,
)
from desktop_app.store.users import disable_user as store_disable_user
from desktop_app.store.users import enable_user as store_enable_user

if TYPE_CHECKING:
    from desktop_app.report.pki import KeysAt, PkiError

log = logging.getLogger(__name__)


class SigningKeyError(StoreError):
    """The account could not get (or lose) its signing key; the account was not changed."""


def _key_error(error: PkiError) -> SigningKeyError:
    return SigningKeyError(f"the signing key could not be updated: {error}")


def _administrator(db: Database, admin: UserRecord | None, admin_name: str | None,
                   admin_password: str | None) -> UserRecord:
    """The administrator doing this: `admin` (signed in already), else `admin_name`
    signed in now with the lock-out; `PermissionDenied` for anyone else."""
    if admin is not None:
        return authorize(get_user(db, admin.name), "manage_accounts")
    if not admin_name:
        raise PermissionDenied("this takes an administrator's name and password")
    return authorize(sign_in(db, admin_name, admin_password or ""), "manage_accounts")


def add_user(db: Database, data_dir: Path, name: str, *, full_name: str, role: str,
             password: str, credentials: str | None = None, admin: UserRecord | None = None,
             admin_name: str | None = None, admin_password: str | None = None) -> UserRecord:
    """Create an account and issue its signing key.

    On an installation without users this sets it up: the user must be an administrator,
    and becomes the holder of the new signing authority (audited `installation.setup`).
    After that, an administrator's name and password are required (`user.create`).
    """
    from desktop_app.report import pki

    check_password(password, user_name=name, full_name=full_name)
    first = not has_users(db)
    admin = None if first else _administrator(db, admin, admin_name, admin_password)
    keys = signing_keys(db, data_dir, admin.name if admin else name)
    with write_transaction(db):
        if has_users(db) == first:  # another window added the first user meanwhile
            raise Conflict("the user list changed meanwhile; try again")
        if first and role != ADMIN:
            raise PermissionDenied("the first user sets the installation up and must be an "
                                   "administrator (role admin)")
        user = create_user(db, name, full_name=full_name, role=role, password=password,
                           credentials=credentials, actor=admin.name if admin else name)
        try:
            if first:
                pki.setup_authority(keys, user.name, password)
                append_audit(db, actor=user.name, action=actions.INSTALLATION_SETUP)
            pki.enrol_user(keys, user.name, user.full_name, user.credentials, password,
                           role=role, admin_name=admin.name if admin else user.name,
                           admin_password=admin_password if admin else password)
        except pki.PkiError as error:
            raise SigningKeyError(f"the signing key could not be issued: {error}") from error
    return user


def disable_user(db: Database, data_dir: Path, name: str, *, admin: UserRecord | None = None,
                 admin_name: str | None = None, admin_password: str) -> UserRecord:
    """Disable an account: it can no longer sign in, and its signing key is revoked (a
    copy of it signs nothing `verify` accepts). A disabled administrator also loses the
    power to issue keys. Never the last enabled administrator."""
    from desktop_app.report import pki

    admin = _administrator(db, admin, admin_name, admin_password)
    with write_transaction(db):
        user = store_disable_user(db, name, actor=admin.name)
        try:
            keys = signing_keys(db, data_dir, admin.name)
            if pki.user_has_key(keys, user.name):
                pki.revoke_user_key(keys, user.name, admin_name=admin.name,
                                    admin_password=admin_password)
            if user.role == ADMIN:
                pki.revoke_authority(keys, user.name)
        except pki.PkiError as error:
            raise _key_error(error) from error
    return user


def enable_user(db: Database, data_dir: Path, name: str, new_password: str, *,
                admin: UserRecord | None = None, admin_name: str | None = None,
                admin_password: str) -> UserRecord:
    """Enable a disabled account again, with a new password and a new signing key (the old
    one stays revoked)."""
    admin = _administrator(db, admin, admin_name, admin_password)
    user = get_user(db, name)
    check_password(new_password, user_name=user.name, full_name=user.full_name)
    with write_transaction(db):
        user = store_enable_user(db, name, actor=admin.name)
        set_password(db, user.name, new_password, actor=admin.name, action=None)
        _reissue(signing_keys(db, data_dir, admin.name), user, new_password, admin.name,
                 admin_password)
    return get_user(db, name)


def reset_password(db: Database, data_dir: Path, name: str, new_password: str, *,
                   admin: UserRecord | None = None, admin_name: str | None = None,
                   admin_password: str) -> UserRecord:
    """An administrator sets a new password for `name` (forgotten). The user's key was
    sealed under the old password, so they get a new key under the new one; the old key
    is revoked. Clears a lock-out."""
    admin = _administrator(db, admin, admin_name, admin_password)
    user = get_user(db, name)
    if user.disabled:  # a fresh key for a stopped account: enabling it is the way
        raise Conflict(f"user {user.name!r} is disabled; enable the account instead")
    check_password(new_password, user_name=user.name, full_name=user.full_name)
    with write_transaction(db):
        set_password(db, user.name, new_password, actor=admin.name,
                     action=actions.USER_PASSWORD_RESET)
        _reissue(signing_keys(db, data_dir, admin.name), user, new_password, admin.name,
                 admin_password)
    return get_user(db, name)


def reissue_key(db: Database, data_dir: Path, name: str, user_password: str, *,
                admin: UserRecord | None = None, admin_name: str | None = None,
                admin_password: str) -> UserRecord:
    """A new signing key for `name` (a lost copy, new credentials), sealed under the user's
    own password, which they type; the old key is revoked."""
    admin = _administrator(db, admin, admin_name, admin_password)
    user = sign_in(db, name, user_password)
    with write_transaction(db):
        append_audit(db, actor=admin.name, action=actions.USER_KEY_REISSUE, table="users",
                     record_id=user.id)
        _reissue(signing_keys(db, data_dir, admin.name), user, user_password, admin.name,
                 admin_password)
    return user


def change_own_password(db: Database, data_dir: Path, name: str, old_password: str,
                        new_password: str) -> UserRecord:
    """A user changes their own password: their signing key (and, for an administrator,
    their share of the authority) is sealed again under the new one."""
    from desktop_app.report import pki

    user = authorize(sign_in(db, name, old_password), "change_own_password")
    check_password(new_password, user_name=user.name, full_name=user.full_name)
    with write_transaction(db):
        set_password(db, user.name, new_password, actor=user.name,
                     action=actions.USER_PASSWORD_CHANGE)
        try:
            pki.change_password(signing_keys(db, data_dir, user.name), user.name, old_password,
                                new_password)
        except pki.PkiError as error:
            raise _key_error(error) from error
    return get_user(db, name)


def _reissue(keys: KeysAt, user: UserRecord, password: str, admin_name: str,
             admin_password: str) -> None:
    from desktop_app.report import pki

    try:
        if pki.user_has_key(keys, user.name):
            pki.reissue_user(keys, user.name, user.full_name, user.credentials, password,
                             admin_name=admin_name, admin_password=admin_password,
                             role=user.role)
        else:
            pki.enrol_user(keys, user.name, user.full_name, user.credentials, password,
                           role=user.role, admin_name=admin_name, admin_password=admin_password)
    except pki.PkiError as error:
        raise _key_error(error) from error
