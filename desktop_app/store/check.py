"""The check run at start, by `check`, and on every backup and restore: is the file sound,
do its references hold, is the audit chain whole, and (the full check) is every row of the
record what the audit chain last recorded of it? It only reads, all of it in one read
transaction, so a concurrent writer never looks like damage.

The full check, besides the start-up one:
- every row of patients, episodes, exams, escalations, signed notes, addenda, users,
  settings, patient corrections and the signing keys a record keeps is hashed and
  compared with the row hash of the latest audit entry that wrote it (a row without one
  was added outside NeuroCheck; an entry whose row is gone names a deletion);
- no ID was created twice, and no ID counter is below an ID already given out (or below
  the floor a restore kept);
- each signed note's and addendum's bytes hash to their recorded SHA-256, carry one
  signature that covers the whole file, and the chain head anchored inside that signature
  is still an entry of the chain with the same hash (a re-hashed chain is found);
  `verify_pdf`, when given, also verifies the signature itself;
- each episode's ward-board columns agree with its latest exam.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlite_utils import Database

from desktop_app.domain import DocumentError, load_document
from desktop_app.store.audit import walk_chain
from desktop_app.store.database import read_snapshot
from desktop_app.store.dialect import (
    broken_references,
    database_errors,
    id_counters,
    integrity_problems,
)
from desktop_app.store.rows import ID_TABLES, all_row_hashes, covered_tables, describe
from desktop_app.store.schema import SCHEMA_VERSION, schema_version

log = logging.getLogger(__name__)
MAX_LISTED = 20
ROW_HASH_VERSION = 5  # the schema version from which audit entries carry row hashes

# The chain head a signed note carries, in its document information (report/signing.py).
ANCHOR_KEY = b"/NeuroCheckAuditHead"
# A PDF literal string: the colon may be written as the octal escape \072.
_ANCHOR = re.compile(rb"/NeuroCheckAuditHead\s*\((\d{1,12})(?::|\\072)([0-9a-f]{64})\)")
# The exam record hash a note's Keywords carry (report/note.py: note_keywords).
_EXAM_HASH = re.compile(rb"exam-sha256=([0-9a-f]{64})")
_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")

# A verifier of one signed PDF: None when its signature is valid, else what is wrong.
PdfVerifier = Callable[[bytes], str | None]


@dataclass
class CheckReport:
    """What a check found. `problems` is empty when the database is sound."""

    problems: list[str] = field(default_factory=list)
    schema_version: int = 0
    exams: int = 0
    audit_entries: int = 0
    rows_checked: int = 0
    full: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """One line for a person: what was checked and how much is there."""
        text = (f"schema version {self.schema_version}, {self.exams} exam(s), "
                f"audit chain of {self.audit_entries} entr{'y' if self.audit_entries == 1 else 'ies'}")
        if self.full:
            text += f", {self.rows_checked} row(s) matched against the chain"
        return text


def check_database(db: Database, *, full: bool = False,
                   verify_pdf: PdfVerifier | None = None) -> CheckReport:
    """PRAGMA integrity_check, foreign_key_check, the schema version and the audit chain;
    with `full`, every row against the chain too (see the module's text). One read
    transaction covers it all."""
    report = CheckReport(full=full)
    try:
        with read_snapshot(db):
            _check(db, report, full, verify_pdf)
    except database_errors() as error:
        # "file is not a database", "database disk image is malformed": say so, plainly.
        report.problems.append(f"the database cannot be read: {error}")
    except (UnicodeError, TypeError, ValueError) as error:
        # Text that is not UTF-8, a value of a kind NeuroCheck never writes.
        report.problems.append("the database holds a value NeuroCheck never writes "
                               f"({type(error).__name__}): it was changed outside NeuroCheck")
    if len(report.problems) > MAX_LISTED:
        extra = len(report.problems) - MAX_LISTED
        report.problems[MAX_LISTED:] = [f"... and {extra} more problem(s)"]
    if report.ok:
        log.info("check passed: %s", report.summary())
    else:
        log.error("check found %d problem(s)", len(report.problems))
    return report


def _check(db: Database, report: CheckReport, full: bool,
           verify_pdf: PdfVerifier | None) -> None:
    report.schema_version = schema_version(db)
    rows = integrity_problems(db)
    if rows != ["ok"]:
        report.problems.append("the database file is damaged (integrity_check):")
        report.problems.extend(f"  {r}" for r in rows[:MAX_LISTED])
    broken = broken_references(db)
    for table, rowid, parent, _fk in broken[:MAX_LISTED]:
        report.problems.append(f"{table} row {rowid} refers to a missing {parent} record")
    if report.schema_version > SCHEMA_VERSION:
        report.problems.append(
            f"schema version {report.schema_version} is newer than this NeuroCheck "
            f"({SCHEMA_VERSION})")
        return
    if report.schema_version < 1:
        return
    report.exams = db.execute("SELECT count(*) FROM exams").fetchone()[0]
    rows_too = full and report.schema_version >= ROW_HASH_VERSION
    anchors = _note_anchors(db, report, verify_pdf) if rows_too else {}
    wanted = frozenset(entry for entry, _hash in anchors.values())
    walk = walk_chain(db, max_problems=MAX_LISTED, rows=rows_too, wanted=wanted)
    report.audit_entries = walk.count
    report.problems.extend(walk.problems)
    if report.schema_version >= ROW_HASH_VERSION:
        _id_counters(db, report, walk.created if rows_too else None, walk.id_floor)
    if not rows_too:
        return
    for (table, note_id), (entry, digest) in anchors.items():
        if entry > walk.count or walk.hashes.get(entry) != digest:
            report.problems.append(
                f"{describe(table, note_id)}: the audit chain up to entry {entry}, which the "
                "signed note carries inside its signature, was rewritten afterwards")
    seen: set[tuple[str, object]] = set()
    for table in covered_tables(report.schema_version):
        for key, digest in all_row_hashes(db, table):
            report.rows_checked += 1
            seen.add((table, key))
            audited = walk.latest.get((table, key))
            if audited is None:
                report.problems.append(f"{describe(table, key)} has no audit entry: it was "
                                       "added outside NeuroCheck")
            elif audited[1] != digest:
                report.problems.append(f"{describe(table, key)} differs from what audit entry "
                                       f"{audited[0]} recorded: it was changed outside "
                                       "NeuroCheck")
    for (table, key), (entry, _digest) in sorted(walk.latest.items(), key=lambda i: i[1][0]):
        if (table, key) not in seen:
            report.problems.append(f"{describe(table, key)} was deleted (audit entry {entry} "
                                   "recorded it)")
    for (table, key), entries in walk.created.items():
        if len(entries) > 1:
            report.problems.append(f"{describe(table, key)}: its ID was given out twice (audit "
                                   f"entries {', '.join(map(str, entries))})")
    _board(db, report)


def _id_counters(db: Database, report: CheckReport,
                 created: dict[tuple[str, object], list[int]] | None,
                 floor: dict[str, int]) -> None:
    """No AUTOINCREMENT counter below an ID already given out, or below a restore's floor."""
    counters = id_counters(db, ID_TABLES)
    highest: dict[str, int] = dict(floor)
    if created is not None:
        for (table, key) in created:
            if table in ID_TABLES and isinstance(key, int):
                highest[table] = max(highest.get(table, 0), key)
    for table in ID_TABLES:
        # The ID is the rowid: always an integer, and its max() is one index look-up.
        top = db.execute(f"SELECT max(id) FROM {table}").fetchone()[0] or 0
        need = max(top, highest.get(table, 0))
        if counters.get(table, 0) < need:
            report.problems.append(
                f"{table}: the ID counter ({counters.get(table, 0)}) is below ID {need}, "
                "already given out: IDs would be reused")


def _note_anchors(db: Database, report: CheckReport,
                  verify_pdf: PdfVerifier | None) -> dict[tuple[str, int], tuple[int, str]]:
    """Check the bytes of every signed note and addendum; return the chain head each one
    carries inside its signature."""
    anchors: dict[tuple[str, int], tuple[int, str]] = {}
    for table in ("signed_notes", "addenda"):
        for note_id, pdf, recorded in db.execute(f"SELECT id, pdf, sha256 FROM {table}"):
            what = describe(table, note_id)
            data = bytes(pdf) if isinstance(pdf, (bytes, memoryview)) else b""
            if hashlib.sha256(data).hexdigest() != recorded:
                report.problems.append(f"{what}: the signed PDF's bytes no longer match their "
                                       "SHA-256")
                continue
            covered = _signature_covers_all(data)
            if covered is not None:
                report.problems.append(f"{what}: {covered}")
                continue
            if verify_pdf is not None:
                wrong = verify_pdf(data)
                if wrong:
                    report.problems.append(f"{what}: {wrong}")
                    continue
            found = _ANCHOR.findall(data)
            if found:
                anchors[(table, note_id)] = (int(found[-1][0]), found[-1][1].decode("ascii"))
            if table == "signed_notes":
                _signed_exam(db, report, note_id, data)
    return anchors


def _signed_exam(db: Database, report: CheckReport, note_id: int, pdf: bytes) -> None:
    """The exam a note signed is still the exam the note vouches for (its record hash),
    whatever the audit chain says."""
    found = _EXAM_HASH.findall(pdf)
    row = db.execute("SELECT x.id, x.document FROM signed_notes n JOIN exams x "
                     "ON x.id = n.exam_id WHERE n.id = ?", [note_id]).fetchone()
    if not found or row is None:
        return
    exam_id, text = row
    signed = found[-1].decode("ascii")
    try:
        raw = json.loads(text)
        if _canonical_sha256(raw) == signed:
            return  # the stored document is, byte for byte, the one signed (fast path)
        canonical = json.dumps(load_document(raw).to_document(), sort_keys=True,
                               separators=(",", ":"), ensure_ascii=False)
    except (ValueError, TypeError, DocumentError):
        report.problems.append(f"exams row {exam_id}: its document is no longer a valid exam "
                               f"document, but signed_notes row {note_id} signed it")
        return
    if hashlib.sha256(canonical.encode("utf-8")).hexdigest() != signed:
        report.problems.append(f"exams row {exam_id} is not the exam signed_notes row "
                               f"{note_id} signed: it was changed after signing")


def _canonical_sha256(raw: object) -> str:
    text = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _signature_covers_all(pdf: bytes) -> str | None:
    """None when the PDF's last signature covers every byte of the file."""
    ranges = _BYTE_RANGE.findall(pdf)
    if not ranges:
        return "the PDF carries no signature"
    start, first, second, length = (int(v) for v in ranges[-1])
    if start != 0 or second + length != len(pdf) or first > second:
        return "bytes were added to the signed PDF after it was signed"
    return None


def _board(db: Database, report: CheckReport) -> None:
    """Each episode's board columns (latest exam, its time and level) agree with its exams."""
    rows = db.execute("""
SELECT e.id, e.last_exam_id, e.last_exam_at, e.current_level, x.id, x.performed_at_utc, x.level
FROM episodes e LEFT JOIN exams x ON x.id = (
    SELECT y.id FROM exams y WHERE y.episode_id = e.id
    ORDER BY y.performed_at_utc DESC, y.id DESC LIMIT 1)
""").fetchall()
    for episode_id, last_id, last_at, level, exam_id, exam_at, exam_level in rows:
        if (last_id, last_at, level) != (exam_id, exam_at, exam_level):
            report.problems.append(
                f"episodes row {episode_id}: the ward board shows another exam or level than "
                f"its latest exam ({'exams row ' + str(exam_id) if exam_id else 'none'})")
