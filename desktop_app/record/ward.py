"""The ward's record as a whole: settings, imports, exports, backup and restore.

Each function takes the signed-in user (from `auth.sign_in`), asks `authorize` for the
operation, does its work in one transaction and writes one audit action.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from desktop_app.record import actions
from desktop_app.record.auth import authorize
from desktop_app.store.audit import append_audit
from desktop_app.store.database import write_transaction
from desktop_app.store.users import UserRecord

UNCHANGED: Any = object()  # `change_settings`: the emergency account stays as it is


def change_settings(db: Database, user: UserRecord, changes: dict[str, Any], *,
                    emergency_account: str | None = UNCHANGED) -> None:
    """Store changed ward settings and, when given, the emergency account (empty or None:
    none), all or nothing (`setting.change` for each key changed). Administrators only (the
    store refuses anyone else too)."""
    from desktop_app.store.settings import set_setting
    from desktop_app.store.ward import break_glass_account, set_break_glass_account

    authorize(user, "change_settings")
    with write_transaction(db):
        for key, value in changes.items():
            set_setting(db, key, value, actor=user.name)
        if emergency_account is not UNCHANGED and (
                (emergency_account or None) != break_glass_account(db)):
            set_break_glass_account(db, emergency_account or None, actor=user.name)


def import_documents(db: Database, user: UserRecord, sources: Sequence[tuple[str, Any]], *,
                     correction: bool = False):
    """Record exam documents, all or nothing (`exam.save` for each), as `user`. With
    `correction`, a document may change the name or birth date recorded for its MRN
    (audited `patient.correct` with both); without it that is refused, naming both."""
    from desktop_app.store.exams import import_documents as store_import

    authorize(user, "import_documents")
    return store_import(db, sources, actor=user.name, correction=correction)


def export_exam(db: Database, user: UserRecord, exam_id: int,
                deliver: Callable[[dict[str, Any]], None]) -> None:
    """Audit `exam.export`, then hand exam `exam_id`'s document to `deliver` (which writes
    it out): the entry is committed before patient data leaves, so no document is ever out
    without one (a failed write leaves an entry too many, never one too few)."""
    from desktop_app.store.exams import export_document

    authorize(user, "export_exam")
    document = export_document(db, exam_id)
    with write_transaction(db):
        append_audit(db, actor=user.name, action=actions.EXAM_EXPORT, table="exams",
                     record_id=exam_id)
    deliver(document)


def export_audit_log(db: Database, user: UserRecord, entries: Sequence[Any], path: Path, *,
                     filters: dict[str, Any] | None = None) -> int:
    """Audit `audit.export` (how many entries, with which filters), then write `entries` as
    CSV to `path` (owner-only, complete or not at all). Administrators only. The entry is
    committed before the file is written, as for an exam's export: a failed write leaves an
    entry too many, never a file without one. Returns how many entries were written."""
    from desktop_app.paths import write_private
    from desktop_app.store.ward import audit_csv

    authorize(user, "export_audit")
    data = audit_csv(entries).encode("utf-8-sig")  # the BOM makes spreadsheets read UTF-8
    with write_transaction(db):
        append_audit(db, actor=user.name, action=actions.AUDIT_EXPORT, row=False,
                     detail={"entries": len(entries), "filters": filters or {}})
    write_private(Path(path), data)
    return len(entries)


def export_fhir(db: Database, user: UserRecord, exam_id: int, deliver: Callable[[Any], None]) -> None:
    """Audit `note.export_fhir` (the one name from every door), then hand the signed exam
    (`interop.source.SignedExam`) to `deliver`, which builds and writes the Bundle: the
    entry is committed before patient data leaves."""
    from desktop_app.interop.source import read_signed_exam

    authorize(user, "export_fhir")
    signed = read_signed_exam(db, exam_id)
    record_fhir_export(db, user.name, exam_id)
    deliver(signed)


def record_fhir_export(db: Database, actor: str, exam_id: int) -> None:
    """Audit a FHIR export of exam `exam_id` (`note.export_fhir`)."""
    with write_transaction(db):
        append_audit(db, actor=actor, action=actions.NOTE_EXPORT_FHIR, table="exams",
                     record_id=exam_id)


def backup(db: Database, user: UserRecord, destination: Path):
    """A verified copy of the database (`store.backup_database`), audited `record.backup`
    in the live record once the copy is verified."""
    from desktop_app.store.backup import backup_database

    authorize(user, "backup")
    written, report = backup_database(db, Path(destination))
    with write_transaction(db):
        # No file name in the log: a name chosen at the console might hold anything.
        append_audit(db, actor=user.name, action=actions.RECORD_BACKUP)
    return written, report


def restore(data_dir: Path, user: UserRecord, source: Path):
    """Replace the database with a verified backup (`store.restore_database`: the backup
    checked in full, the one it replaces kept, `record.restore` audited in the restored
    record naming who did it). A portable copy of a server's record brings its signing keys
    inside it, and signs with them here (`record.keys`); the data folder's pki/ is left as
    it is. Administrators only."""
    from desktop_app.store.backup import restore_database

    authorize(user, "restore")
    return restore_database(Path(data_dir), Path(source), actor=user.name)


def restore_to_server(user: UserRecord, source: Path, database: str,
                      data_dir: Path | None = None):
    """Load a backup onto the new, empty PostgreSQL database that `database` names: checked
    in full first, then copied and proven there as a move is (`store.server_copy`),
    audited `record.restore` on the server. A portable copy of a server's record brings its
    signing keys; a workstation's own backup takes them from that workstation's pki/ (in
    `data_dir`), and every signed note must verify against them before anything is kept.
    `user` is an administrator of the backup's record. Administrators only."""
    from desktop_app.record.keys import note_verifier
    from desktop_app.store.backup import verify_database_file
    from desktop_app.store.database import open_readonly
    from desktop_app.store.errors import BackupError
    from desktop_app.store.keys import RecordKeyFiles, record_keeps_keys
    from desktop_app.store.opening import open_postgres
    from desktop_app.store.server_copy import copy_to_server

    authorize(user, "restore")
    report = verify_database_file(Path(source))
    if not report.ok:
        raise BackupError(f"{Path(source).name} failed its check; nothing was changed:\n"
                          + "\n".join(f"  - {p}" for p in report.problems))
    copy = open_readonly(Path(source))
    try:
        own = record_keeps_keys(copy)  # a portable copy brings its keys in its rows
        keys = [] if own else folder_keys(data_dir)
        if not own and not keys:
            raise BackupError("this backup is a workstation's own and its signing keys are "
                              "in that workstation's pki/, which this data folder does not "
                              "have: run the restore on that workstation")
        target = open_postgres(database, check=False, migrate=False)
        try:
            return copy_to_server(copy, target, actor=user.name, keys=keys,
                                  verify_pdf=note_verifier(RecordKeyFiles(target)),
                                  action=actions.RECORD_RESTORE)
        finally:
            target.close()
    finally:
        copy.close()


def folder_keys(data_dir: Path | None) -> list[tuple[str, bytes]]:
    """The key files of a data folder's pki/ as (name, bytes), in order; none without one."""
    from desktop_app.report.pki import pki_dir

    if data_dir is None or not pki_dir(Path(data_dir)).is_dir():
        return []
    folder = pki_dir(Path(data_dir))
    return [(path.relative_to(folder).as_posix(), path.read_bytes())
            for path in sorted(folder.rglob("*")) if path.is_file()]


def set_workstation_server(db: Database, user: UserRecord, data_dir: Path,
                           url: str | None) -> None:
    """Point this workstation (its data folder `data_dir`) at the record `db` on the server
    `url`, or take it off (`url` None): an administrator of that record, audited there
    (`workstation.server_set`, `workstation.server_unset`); the address is kept owner-only
    in the data folder, and `--database` and $NEUROCHECK_DATABASE still come first."""
    from desktop_app.paths import set_workstation_server as keep

    authorize(user, "workstation_server")
    with write_transaction(db):
        append_audit(db, actor=user.name, action=actions.WORKSTATION_SERVER_SET if url
                     else actions.WORKSTATION_SERVER_UNSET)
        keep(Path(data_dir), url)  # fails before the commit: then nothing is audited


def migrate_to_server(db: Database, data_dir: Path, user: UserRecord, database: str):
    """Move the embedded record `db` (of `data_dir`) onto the empty PostgreSQL database
    that `database` names, with its signing keys (from pki/, or its own), and prove the
    copy complete (`store.server_copy`: row counts, the full check, every signed note
    verified against the moved keys). One transaction on the server, audited `record.migrate_to_server`
    there; the file is left as it was. Administrators only."""
    from desktop_app.record.keys import note_verifier
    from desktop_app.store.keys import RecordKeyFiles, record_keeps_keys
    from desktop_app.store.opening import open_postgres
    from desktop_app.store.server_copy import copy_to_server

    authorize(user, "migrate_to_server")
    # A record that keeps its own keys (a restored portable copy) brings them in its rows.
    keys = [] if record_keeps_keys(db) else folder_keys(data_dir)
    target = open_postgres(database, check=False, migrate=False)
    try:
        return copy_to_server(db, target, actor=user.name, keys=keys,
                              verify_pdf=note_verifier(RecordKeyFiles(target)))
    finally:
        target.close()


def fill_demo(db: Database, data_dir: Path, user: UserRecord | None = None, *,
              now: Any = None) -> dict[str, int]:
    """Fill an empty data folder with the sample ward (its accounts get signing keys).
    A record that has accounts already takes an administrator (`user`)."""
    import shutil

    from desktop_app.record.accounts import add_user
    from desktop_app.report.pki import pki_dir
    from desktop_app.store.demo import fill_demo as store_fill_demo
    from desktop_app.store.errors import PermissionDenied
    from desktop_app.store.users import has_users

    if has_users(db):
        if user is None:
            raise PermissionDenied("this record has accounts: sign in as an administrator")
        authorize(user, "fill_demo")
    keys = pki_dir(Path(data_dir))
    new_keys = not keys.exists()
    try:
        return store_fill_demo(db, Path(data_dir), now=now, add_user=add_user)
    except BaseException:
        # The fill is one transaction, rolled back: the keys issued for its accounts go too,
        # so the folder is empty again and the demo can be tried again.
        if new_keys:
            shutil.rmtree(keys, ignore_errors=True)
        raise
