"""The check run at start, by `check`, and on every backup: is the file sound, do its
references hold, is the audit chain whole? It only reads."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field

from sqlite_utils import Database

from desktop_app.store.audit import verify_audit_chain
from desktop_app.store.schema import SCHEMA_VERSION, schema_version

log = logging.getLogger(__name__)
MAX_LISTED = 20


@dataclass
class CheckReport:
    """What a check found. `problems` is empty when the database is sound."""

    problems: list[str] = field(default_factory=list)
    schema_version: int = 0
    exams: int = 0
    audit_entries: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """One line for a person: what was checked and how much is there."""
        return (f"schema version {self.schema_version}, {self.exams} exam(s), "
                f"audit chain of {self.audit_entries} entr{'y' if self.audit_entries == 1 else 'ies'}")


def check_database(db: Database) -> CheckReport:
    """PRAGMA integrity_check, foreign_key_check, the schema version and the audit chain."""
    report = CheckReport()
    try:
        report.schema_version = schema_version(db)
        rows = [r[0] for r in db.execute("PRAGMA integrity_check").fetchall()]
        if rows != ["ok"]:
            report.problems.append("the database file is damaged (integrity_check):")
            report.problems.extend(f"  {r}" for r in rows[:MAX_LISTED])
        broken = db.execute("PRAGMA foreign_key_check").fetchall()
        for table, rowid, parent, _fk in broken[:MAX_LISTED]:
            report.problems.append(f"{table} row {rowid} refers to a missing {parent} record")
        if report.schema_version > SCHEMA_VERSION:
            report.problems.append(
                f"schema version {report.schema_version} is newer than this NeuroCheck "
                f"({SCHEMA_VERSION})")
        if report.schema_version >= 1:
            report.exams = db.execute("SELECT count(*) FROM exams").fetchone()[0]
            report.audit_entries, chain = verify_audit_chain(db, max_problems=MAX_LISTED)
            report.problems.extend(chain)
    except sqlite3.DatabaseError as error:
        # "file is not a database", "database disk image is malformed": say so, plainly.
        report.problems.append(f"the database cannot be read: {error}")
    if report.ok:
        log.info("check passed: %s", report.summary())
    else:
        log.error("check found %d problem(s)", len(report.problems))
    return report
