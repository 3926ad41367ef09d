"""Patients: found by MRN (the wristband barcode) or by the start of any word of the name.

Names are searched through `patient_name_words`: each word folded (case, accents, a few
letters spelt two ways: 'Ærøe' is found by 'aero' and by 'ærø'), so a search is one range
scan of an index whatever the script of the name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlite_utils import Database

from desktop_app.domain.document import MRN_PATTERN
from desktop_app.store.database import fetch_all, fetch_one, require_transaction
from desktop_app.store.errors import Conflict, NotFound
from desktop_app.store.rows import guard_row

MAX_NAME_WORDS = 12
# Past the last code point: `word < prefix + END` keeps every word that starts with prefix.
_PREFIX_END = "\U0010ffff"
_SPELLINGS = str.maketrans({"æ": "ae", "ø": "o", "œ": "oe", "ð": "d", "þ": "th", "đ": "d",
                            "ł": "l", "ı": "i", "ŋ": "n", "ħ": "h"})
_WORD_BREAK = re.compile(r"[\W_]+")

_COLUMNS = "id, mrn, name, birth_date, created_at, updated_at"


@dataclass(frozen=True)
class PatientRecord:
    id: int
    mrn: str
    name: str | None
    birth_date: date | None


def fold(text: str) -> str:
    """`text` as a search key: lower case, accents off, ß as ss, æ as ae..."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare.casefold().translate(_SPELLINGS))


def name_words(name: str | None) -> list[str]:
    """The distinct folded words of a name, in order."""
    if not name:
        return []
    words: list[str] = []
    for word in _WORD_BREAK.split(fold(name)):
        if word and word not in words:
            words.append(word)
    return words[:MAX_NAME_WORDS]


def _record(row: dict) -> PatientRecord:
    birth = row["birth_date"]
    return PatientRecord(row["id"], row["mrn"], row["name"],
                         date.fromisoformat(birth) if birth else None)


def get_patient(db: Database, patient_id: int) -> PatientRecord:
    """The patient with this ID; `NotFound` otherwise."""
    row = fetch_one(db, f"SELECT {_COLUMNS} FROM patients WHERE id = ?", [patient_id])
    if row is None:
        raise NotFound(f"no patient with ID {patient_id}")
    return _record(row)


def normal_mrn(mrn: str) -> str:
    """An MRN as the record keeps it: trimmed, in upper case (compared without case); a
    text that is not ASCII is no MRN and stays as it is (it then matches none)."""
    mrn = mrn.strip()
    return mrn.upper() if mrn.isascii() else mrn


def patient_by_mrn(db: Database, mrn: str) -> PatientRecord | None:
    """The patient with this MRN, in any case ('mbb-0501' finds 'MBB-0501'), or None."""
    row = fetch_one(db, f"SELECT {_COLUMNS} FROM patients WHERE mrn = ?", [normal_mrn(mrn)])
    return _record(row) if row else None


def search_patients(db: Database, text: str, *, limit: int = 20) -> list[PatientRecord]:
    """Patients whose MRN is `text` (in any case), then those with a name word starting
    with each word of `text` ('sou an' finds 'Ana Souza'). At most `limit`, exact MRN
    first."""
    text = text.strip()
    found: list[PatientRecord] = []
    if MRN_PATTERN.fullmatch(text):
        exact = patient_by_mrn(db, text)
        if exact:
            found.append(exact)
    words = name_words(text)
    if not words or limit <= len(found):
        return found
    sql, params = name_search_sql(words, limit + 1)
    rows = fetch_all(db, sql, params)
    seen = {p.id for p in found}
    found += [_record(r) for r in rows if r["id"] not in seen]
    return found[:limit]


def name_search_sql(words: list[str], limit: int) -> tuple[str, list[object]]:
    """The SELECT of patients with a name word starting with each of `words` (folded), by
    name, at most `limit`; and its parameters."""
    # The longest word drives the index scan (fewest candidates); the others must match too.
    words = sorted(words, key=len, reverse=True)
    params: list[object] = [words[0], words[0] + _PREFIX_END]
    conditions = []
    for word in words[1:]:
        conditions.append(
            "AND EXISTS (SELECT 1 FROM patient_name_words o WHERE o.patient_id = w.patient_id"
            " AND o.word >= ? AND o.word < ?)")
        params += [word, word + _PREFIX_END]
    sql = (f"SELECT {', '.join('p.' + c for c in _COLUMNS.split(', '))} FROM patients p "
           "WHERE p.id IN (SELECT DISTINCT w.patient_id FROM patient_name_words w "
           f"WHERE w.word >= ? AND w.word < ? {' '.join(conditions)} LIMIT ?) "
           "ORDER BY p.name, p.id")
    return sql, [*params, limit]


class PatientMismatch(Conflict):
    """A document names another person (name or birth date) than the one recorded for its
    MRN. The message names both, for the person at the screen: never log it."""


def _person(name: str | None, birth: str | None) -> str:
    return f"{name or '(no name)'}, born {birth or '(unknown)'}"


def _differs(row: dict, name: str | None, birth: str | None) -> list[str]:
    new = {"name": name, "birth_date": birth}
    return [f for f, value in new.items()
            if value is not None and row[f] is not None and value != row[f]]


def _refuse(mrn: str, row: dict, name: str | None, birth: str | None) -> None:
    given = _person(name if name is not None else row["name"], birth or row["birth_date"])
    raise PatientMismatch(
        f"MRN {mrn} is recorded for {_person(row['name'], row['birth_date'])}, but the "
        f"document names {given}: refused, so one patient is not relabelled as another. "
        "If the document corrects the record, say so (import --correction)")


def refuse_another_person(db: Database, mrn: str, name: str | None,
                          birth_date: date | None) -> None:
    """`PatientMismatch` when the MRN is recorded for another name or birth date."""
    mrn = normal_mrn(mrn)
    birth = birth_date.isoformat() if birth_date else None
    row = fetch_one(db, "SELECT id, name, birth_date FROM patients WHERE mrn = ?", [mrn])
    if row is not None and _differs(row, name, birth):
        _refuse(mrn, row, name, birth)


def upsert_patient(db: Database, mrn: str, name: str | None, birth_date: date | None,
                   *, now: str, correction: bool = False,
                   actor: str = "system") -> tuple[int, list[str]]:
    """Find the patient by MRN (any case) or create them, inside a write transaction.

    A name or birth date the record lacks is filled in. One that differs from the recorded
    one raises `PatientMismatch` naming both, unless `correction`: then it replaces the
    recorded one, each field's old and new value kept in `patient_corrections` (audited
    `patient.correct`). Returns (patient ID, ["created"] or the fields changed).
    """
    require_transaction(db, "upsert_patient")
    mrn = normal_mrn(mrn)
    birth = birth_date.isoformat() if birth_date else None
    row = fetch_one(db, "SELECT id, name, birth_date FROM patients WHERE mrn = ?", [mrn])
    if row is None:
        patient_id = db.execute(
            "INSERT INTO patients (mrn, name, birth_date, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?)", [mrn, name, birth, now, now]).lastrowid
        _index_name(db, patient_id, name)
        return patient_id, ["created"]
    patient_id = row["id"]
    new = {"name": name, "birth_date": birth}
    differs = _differs(row, name, birth)
    if differs and not correction:
        _refuse(mrn, row, name, birth)
    changed = [f for f, value in new.items() if value is not None and value != row[f]]
    if changed:
        guard_row(db, "patients", patient_id)
        from desktop_app.store.audit import append_audit

        for field in differs:
            correction_id = db.execute(
                "INSERT INTO patient_corrections (patient_id, field, old_value, new_value, "
                "corrected_at, corrected_by) VALUES (?, ?, ?, ?, ?, ?)",
                [patient_id, field, row[field], new[field], now, actor]).lastrowid
            append_audit(db, actor=actor, action="patient.correct",
                         table="patient_corrections", record_id=correction_id,
                         detail={"patient_id": patient_id, "field": field})
        values = {f: new[f] if f in changed else row[f] for f in new}
        db.execute("UPDATE patients SET name = ?, birth_date = ?, updated_at = ? WHERE id = ?",
                   [values["name"], values["birth_date"], now, patient_id])
        if "name" in changed:
            db.execute("DELETE FROM patient_name_words WHERE patient_id = ?", [patient_id])
            _index_name(db, patient_id, values["name"])
    return patient_id, changed


def _index_name(db: Database, patient_id: int, name: str | None) -> None:
    db.conn.executemany(
        "INSERT INTO patient_name_words (word, patient_id) VALUES (?, ?)",
        [(word, patient_id) for word in name_words(name)])
