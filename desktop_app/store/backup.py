"""Backup and restore of the database file.

A backup is SQLite's online backup API (consistent while windows keep working), written
under a temporary name, checked (integrity and audit chain) and only then given its name.
A restore checks the source in full first (rows against the audit chain), keeps a copy of
what it replaces, and copies the source in through the same API, so a crash half-way
leaves the old database in place; it never lowers an ID counter, and it is audited.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import secrets
import shutil
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from desktop_app.paths import check_output_path
from desktop_app.store.audit import RESTORE_ACTION, SYSTEM, append_audit
from desktop_app.store.check import CheckReport, check_database
from desktop_app.store.database import (
    BUSY_TIMEOUT_SECONDS,
    SIDE_FILE_SUFFIXES,
    connect,
    create_private_file,
    database_path,
    open_readonly,
    write_transaction,
)
from desktop_app.store.dialect import is_postgres, set_sqlite_counter
from desktop_app.store.errors import BackupError, StoreError
from desktop_app.store.opening import open_database
from desktop_app.store.rows import ID_TABLES

log = logging.getLogger(__name__)
BACKUP_FOLDER = "backups"
# `.NAME.PID-XXXXXXXX.partial`: a copy being written; the PID tells a live one from a dead one.
_PARTIAL_NAME = re.compile(r"\..+\.(?P<pid>[0-9]+)-[0-9a-f]{8}\.partial")


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did: the report on the restored database, and where the database it
    replaced was kept (None when there was none)."""

    report: CheckReport
    kept: Path | None


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def verify_database_file(path: Path) -> CheckReport:
    """The full check (integrity, references, schema version, audit chain, every row
    against the chain) on a file."""
    try:
        db = open_readonly(path)
    except (sqlite3.Error, UnicodeError) as error:
        return CheckReport(problems=[f"the file cannot be opened as a database: {error}"])
    try:
        report = check_database(db, full=True)
        if report.ok and report.schema_version == 0:
            report.problems.append("the file holds no NeuroCheck database")
        return report
    finally:
        db.close()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        if not path.is_dir():
            raise  # the copy itself not on the disk (full, I/O error): no backup
        # directories cannot be fsynced on every platform
    finally:
        os.close(fd)


def backup_database(db: Database, destination: Path) -> tuple[Path, CheckReport]:
    """Copy the database to `destination` (a file, or a folder to put a dated file in),
    verified before it takes its name; an existing file there is replaced only by a good
    copy. Returns the file written and its check report; `BackupError` when the copy fails
    its check (nothing is left at `destination` then)."""
    destination = Path(destination)
    if destination.is_dir():
        destination = destination / f"neurocheck-{_stamp()}.sqlite"
    if not destination.parent.is_dir():
        raise BackupError(f"the folder {destination.parent} does not exist")
    check_output_path(destination)  # never a device or a pipe replaced by the copy
    remove_stale_partials(destination.parent)
    partial = destination.with_name(
        f".{destination.name}.{os.getpid()}-{secrets.token_hex(4)}.partial")
    # Created exclusively: a file or link planted under that name is never written through.
    os.close(os.open(partial, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        if is_postgres(db):  # a portable copy: the server's record as an embedded file
            _copy_server_record(db, partial)
        else:
            target = sqlite3.connect(str(partial), isolation_level=None)
            try:
                db.conn.backup(target)
                # A backup is one self-contained file, whatever the live database's journal.
                target.execute("PRAGMA journal_mode = DELETE")
            finally:
                target.close()
        report = verify_database_file(partial)
        if not report.ok:
            raise BackupError("the copy failed its check, so it was not kept:\n"
                              + "\n".join(f"  - {p}" for p in report.problems))
        _fsync(partial)
        os.replace(partial, destination)
        _fsync(destination.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    log.info("backup written and verified (%s)", report.summary())
    return destination, report


def _copy_server_record(db: Database, partial: Path) -> None:
    """The server's record `db`, every row as it is, into the new file `partial`."""
    from desktop_app.store.server_copy import copy_from_server

    target = connect(partial)
    try:
        copy_from_server(db, target)
        target.execute("PRAGMA journal_mode = DELETE")
    finally:
        target.close()


def remove_stale_partials(folder: Path) -> list[Path]:
    """Delete the half-written copies that killed backups left in `folder` (a kill cannot
    run their clean-up); a copy whose process still runs is left alone. Returns those
    deleted."""
    removed = []
    for candidate in Path(folder).glob(".*.partial"):
        match = _PARTIAL_NAME.fullmatch(candidate.name)
        if not match or _process_alive(int(match["pid"])):
            continue
        for path in (candidate, *(candidate.with_name(candidate.name + s)
                                  for s in SIDE_FILE_SUFFIXES)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        removed.append(candidate)
        log.info("removed a copy a stopped backup left behind")
    return removed


def _process_alive(pid: int) -> bool:
    if os.name != "posix":
        return True  # no cheap test: keep it rather than break a running backup
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _keep_current(live: Path, folder: Path) -> tuple[Path, bool]:
    """Keep a copy of the live database before a restore replaces it. A sound database is
    copied with the backup API and verified; a damaged one is copied file by file.
    Returns (the copy, whether the live database was sound)."""
    folder.mkdir(mode=0o700, exist_ok=True)
    kept = folder / f"before-restore-{_stamp()}.sqlite"
    try:
        current = connect(live, create=False)
        try:
            return backup_database(current, kept)[0], True  # verified, or BackupError
        finally:
            current.close()
    except sqlite3.OperationalError as error:
        if _is_busy(error):  # in use, not damaged: never set its files aside
            raise BackupError(_busy_message(BUSY_TIMEOUT_SECONDS, live)) from None
    except (BackupError, sqlite3.DatabaseError):
        pass  # damaged or unreadable: copied as raw files below
    for suffix in ("", *SIDE_FILE_SUFFIXES):
        source = live.with_name(live.name + suffix)
        if source.exists():
            create_private_file(kept.with_name(kept.name + suffix))
            shutil.copyfile(source, kept.with_name(kept.name + suffix))
    return kept, False


def _id_counters(path: Path) -> dict[str, int]:
    """The AUTOINCREMENT counters of a database file ({} when it cannot be read)."""
    try:
        db = open_readonly(path)
    except (sqlite3.Error, StoreError):
        return {}
    try:
        return {name: int(seq) for name, seq in
                db.execute("SELECT name, seq FROM sqlite_sequence").fetchall()
                if name in ID_TABLES and isinstance(seq, int)}
    except sqlite3.Error:
        return {}
    finally:
        db.close()


def _copy_in(source: Database, target: Database, wait_seconds: float, live: Path) -> None:
    """Copy `source` over `target` with the backup API, waiting at most `wait_seconds` for
    other connections that hold the record; `BackupError` (nothing copied) after that."""
    target.execute(f"PRAGMA busy_timeout = {max(1, int(wait_seconds * 1000))}")
    deadline = time.monotonic() + wait_seconds

    def progress(status: int, _remaining: int, _total: int) -> None:
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) \
                and time.monotonic() >= deadline:
            raise _Busy()

    try:
        source.conn.backup(target.conn, progress=progress, sleep=0.05)
    except (_Busy, sqlite3.OperationalError) as error:
        if isinstance(error, sqlite3.OperationalError) and not _is_busy(error):
            raise
        raise BackupError(_busy_message(wait_seconds, live)) from None


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return "locked" in str(error) or "busy" in str(error)


def _busy_message(wait_seconds: float, live: Path | None = None) -> str:
    holders = record_holders(live) if live is not None else []
    who = (f" (on this computer: {', '.join(holders)})" if holders else "")
    return (f"the record is in use: another NeuroCheck window, command or workstation held "
            f"it for {wait_seconds:g} s{who}; close it, or wait until it is done, and "
            "restore again. Nothing was changed")


def record_holders(live: Path, *, limit: int = 5) -> list[str]:
    """The other processes of this computer that have the record open, as 'process PID
    (NAME)' (Linux: read from /proc; elsewhere, and for other workstations, unknown)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    names = {str(Path(live).resolve()) + s for s in ("", *SIDE_FILE_SUFFIXES)}
    found: list[str] = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            opened = {os.readlink(fd) for fd in (entry / "fd").iterdir()}
        except OSError:
            continue  # gone, or another user's
        if opened & names:
            try:
                name = (entry / "comm").read_text(encoding="utf-8", errors="replace").strip()
            except OSError:
                name = "?"
            found.append(f"process {entry.name} ({name})")
            if len(found) >= limit:
                break
    return found


class _Busy(Exception):
    pass


def restore_database(data_dir: Path, source: Path, *, actor: str = SYSTEM,
                     wait_seconds: float = BUSY_TIMEOUT_SECONDS) -> RestoreResult:
    """Replace the data folder's database with `source`, a backup.

    `source` gets the full check first (integrity, audit chain, every row against it): a
    bad one raises `BackupError` and nothing changes. The database it replaces is kept in
    the data folder's backups/ folder. Other processes holding the record are waited for
    at most `wait_seconds`, then `BackupError` says the record is busy. The restored
    database is brought to the current schema, its ID counters raised to at least those of
    the database it replaced (an ID is never given out twice), the restore audited
    (`record.restore`, with that ID floor), and checked in full again.
    """
    source = Path(source).resolve()
    live = database_path(data_dir)
    if source == live.resolve():
        raise BackupError("the source is the live database itself")
    report = verify_database_file(source)
    if not report.ok:
        raise BackupError(f"{source.name} failed its check; nothing was changed:\n"
                          + "\n".join(f"  - {p}" for p in report.problems))
    source_sha = _file_sha256(source)
    floor = _id_counters(live) if live.exists() else {}
    kept, sound = None, True
    if live.exists():
        kept, sound = _keep_current(live, Path(data_dir) / BACKUP_FOLDER)
    if not sound:
        # The copy kept is raw files; the live ones are set aside so SQLite starts clean.
        for suffix in ("", *SIDE_FILE_SUFFIXES):
            with contextlib.suppress(FileNotFoundError):
                live.with_name(live.name + suffix).unlink()
    src = open_readonly(source)
    try:
        target = connect(live)
        try:
            _copy_in(src, target, wait_seconds, live)
        finally:
            target.close()
    finally:
        src.close()
    db = open_database(Path(data_dir), check=False)  # migrates an older backup ...
    try:
        _after_restore(db, floor, source_sha, actor)
        final = check_database(db, full=True)  # ... and checks the result
    finally:
        db.close()
    log.info("database restored from a backup (%s)", final.summary())
    return RestoreResult(final, kept)


def _after_restore(db: Database, floor: dict[str, int], source_sha: str, actor: str) -> None:
    """Raise the ID counters to the replaced database's, and audit the restore."""
    with write_transaction(db):
        counters = dict(db.execute("SELECT name, max(seq) FROM sqlite_sequence "
                                   "GROUP BY name").fetchall())
        kept: dict[str, int] = {}
        for table in ID_TABLES:
            # one row each, never below an ID
            kept[table] = set_sqlite_counter(db, table, max(floor.get(table, 0),
                                                            counters.get(table) or 0))
        append_audit(db, actor=actor, action=RESTORE_ACTION,
                     detail={"source_sha256": source_sha, "id_floor": kept})


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
