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
from desktop_app.store.errors import NotFound

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


def patient_by_mrn(db: Database, mrn: str) -> PatientRecord | None:
    """The patient with exactly this MRN, or None."""
    row = fetch_one(db, f"SELECT {_COLUMNS} FROM patients WHERE mrn = ?", [mrn.strip()])
    return _record(row) if row else None


def search_patients(db: Database, text: str, *, limit: int = 20) -> list[PatientRecord]:
    """Patients whose MRN is `text`, then those with a name word starting with each word
    of `text` ('sou an' finds 'Ana Souza'). At most `limit`, exact MRN first."""
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


def upsert_patient(db: Database, mrn: str, name: str | None, birth_date: date | None,
                   *, now: str, overwrite: bool = True) -> tuple[int, list[str]]:
    """Find the patient by MRN or create them, inside a write transaction.

    A name or birth date given replaces the stored one when `overwrite`, else only fills a
    missing one. Returns (patient ID, ["created"] or the fields changed).
    """
    require_transaction(db, "upsert_patient")
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
    changed = [field for field, value in new.items()
               if value is not None and value != row[field] and (overwrite or row[field] is None)]
    if changed:
        values = {field: new[field] if field in changed else row[field] for field in new}
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
