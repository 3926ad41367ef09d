"""The record's use cases: the one door every screen and command goes through.

Qt-free (like Anki's collection, which its GUI drives): each operation checks who may do
it (`auth.authorize`, one table of roles), runs in one transaction, and writes one action
of the audit vocabulary (`actions.ACTIONS`). Sign-in, with the lock-out after five wrong
passwords, is `auth.sign_in`; accounts and their signing keys are in `accounts`; signing
in `notes`; finishing and discarding exams, closing episodes in `exams`; settings, imports,
exports, backup and restore in `ward`. `WardRecord` holds one record and offers them all
as methods.
"""

from desktop_app.record.accounts import (
    SigningKeyError,
    add_user,
    change_own_password,
    disable_user,
    enable_user,
    reissue_key,
    reset_password,
)
from desktop_app.record.actions import ACTIONS
from desktop_app.record.auth import LOCK_AFTER_FAILURES, LOCK_FOR, PERMISSIONS, authorize, sign_in
from desktop_app.record.exams import (
    close_episode,
    correct_exam,
    discard_exam,
    dismiss_discarded,
    finish_exam,
)
from desktop_app.record.notes import AlreadySigned, SignedResult, add_addendum, find_note, sign_exam
from desktop_app.record.passwords import check_password, password_problem
from desktop_app.record.ward import (
    backup,
    change_settings,
    export_audit_log,
    export_exam,
    export_fhir,
    import_documents,
    migrate_to_server,
    restore,
    restore_to_server,
    set_workstation_server,
)
from desktop_app.record.ward_record import WardRecord

__all__ = [
    "ACTIONS",
    "LOCK_AFTER_FAILURES",
    "LOCK_FOR",
    "PERMISSIONS",
    "AlreadySigned",
    "SignedResult",
    "SigningKeyError",
    "WardRecord",
    "add_addendum",
    "add_user",
    "authorize",
    "backup",
    "change_own_password",
    "change_settings",
    "check_password",
    "close_episode",
    "correct_exam",
    "discard_exam",
    "dismiss_discarded",
    "disable_user",
    "enable_user",
    "export_audit_log",
    "export_exam",
    "export_fhir",
    "find_note",
    "finish_exam",
    "import_documents",
    "migrate_to_server",
    "password_problem",
    "reissue_key",
    "reset_password",
    "restore",
    "restore_to_server",
    "set_workstation_server",
    "sign_exam",
    "sign_in",
]
