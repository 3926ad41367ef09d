"""Finding a patient again in a second: by the wristband MRN or the start of a name."""

from __future__ import annotations

import pytest
from sqlite_utils import Database

from desktop_app.store import (
    ImportRefused,
    audit_entries,
    check_database,
    export_document,
    get_patient,
    import_documents,
    patient_by_mrn,
    save_exam,
    search_patients,
)
from desktop_app.store.patients import fold, name_words
from tests.store.documents import document

PATIENTS = {
    "P-1": "Zoë Ngô-Ærøe",
    "P-2": "Ana Souza",
    "P-3": "Anastasia Sousa-Lima",
    "P-4": "李伟",
    "P-5": "Mehmet Yılmaz",
    "P-6": "Günther Straße",
}


@pytest.fixture
def ward(db: Database) -> Database:
    for mrn, name in PATIENTS.items():
        save_exam(db, document(mrn, name=name), actor="n")
    save_exam(db, document("P-7", name=None), actor="n")
    return db


def names(found) -> list[str]:
    return [p.name for p in found]


def test_the_mrn_finds_its_patient_exactly(ward: Database) -> None:
    assert patient_by_mrn(ward, "P-2").name == "Ana Souza"
    assert patient_by_mrn(ward, " P-2\n").name == "Ana Souza"  # a scanner's trailing Enter
    assert patient_by_mrn(ward, "P-9") is None
    assert names(search_patients(ward, "P-2")) == ["Ana Souza"]


@pytest.mark.parametrize(("text", "expected"), [
    ("ana", ["Ana Souza", "Anastasia Sousa-Lima"]),
    ("ANA SOU", ["Ana Souza", "Anastasia Sousa-Lima"]),
    ("souz", ["Ana Souza"]),
    ("lima", ["Anastasia Sousa-Lima"]),
    ("zoe", ["Zoë Ngô-Ærøe"]),
    ("ngo aero", ["Zoë Ngô-Ærøe"]),
    ("ærø", ["Zoë Ngô-Ærøe"]),
    ("李", ["李伟"]),
    ("yilmaz", ["Mehmet Yılmaz"]),
    ("strass", ["Günther Straße"]),
    ("gunther", ["Günther Straße"]),
    ("xyz", []),
    ("", []),
])
def test_a_name_is_found_by_the_start_of_any_of_its_words(
        ward: Database, text: str, expected: list[str]) -> None:
    assert names(search_patients(ward, text)) == expected


def test_the_search_returns_at_most_the_limit(ward: Database) -> None:
    assert len(search_patients(ward, "a", limit=1)) == 1


def test_a_renamed_patient_is_found_by_the_new_name_only(ward: Database) -> None:
    save_exam(ward, document("P-2", name="Ana Pereira", exam_hours=3), actor="n",
              correction=True)
    assert names(search_patients(ward, "pereira")) == ["Ana Pereira"]
    assert names(search_patients(ward, "souza")) == []


def test_folding_ignores_case_and_accents() -> None:
    assert fold("ÉLODIE") == "elodie"
    assert name_words("Zoë  Ngô-Ærøe") == ["zoe", "ngo", "aeroe"]
    assert name_words(None) == []


# -- MRNs without case; one MRN, one person --------------------------------------------------

def test_an_mrn_in_any_case_is_one_patient_kept_in_upper_case(db: Database) -> None:
    first = save_exam(db, document("mbb-0501", name="Ana Souza", exam_hours=1), actor="n")
    again = save_exam(db, document("MBB-0501", name="Ana Souza", exam_hours=3), actor="n")
    assert (again.patient_id, again.episode_id) == (first.patient_id, first.episode_id)
    assert db.execute("SELECT mrn FROM patients").fetchall() == [("MBB-0501",)]
    assert export_document(db, first.exam_id)["patient"]["mrn"] == "MBB-0501"
    for typed in ("mbb-0501", "Mbb-0501", " MBB-0501\n"):
        assert patient_by_mrn(db, typed).id == first.patient_id
        assert [p.id for p in search_patients(db, typed)] == [first.patient_id]


def _born(doc: dict, birth: str) -> dict:
    doc["patient"]["birth_date"] = birth
    return doc


@pytest.mark.parametrize(("name", "birth", "named"), [
    ("Bob Other", "1950-01-01", ("Ana Souza, born 1950-01-01", "Bob Other, born 1950-01-01")),
    ("Ana Souza", "1977-07-07", ("Ana Souza, born 1950-01-01", "Ana Souza, born 1977-07-07")),
], ids=["another name", "another birth date"])
def test_another_person_under_a_known_mrn_is_refused_naming_both(
        db: Database, name: str, birth: str, named: tuple[str, str]) -> None:
    saddle = _born(document("M-77", name="Ana Souza", base="mbb-saddle"), "1950-01-01")
    kept = save_exam(db, saddle, actor="n")
    assert kept.level == "emergency"
    other = _born(document("m-77", name=name, exam_hours=4, procedure_at="2026-05-05T08:00:00+01:00"),
                  birth)
    entries = db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    with pytest.raises(ImportRefused) as refused:
        import_documents(db, [("other.json", other)], actor="n")
    assert all(text in str(refused.value) for text in named)
    assert "--correction" in str(refused.value)
    patient = patient_by_mrn(db, "M-77")
    assert (patient.name, patient.birth_date.isoformat()) == ("Ana Souza", "1950-01-01")
    assert db.execute("SELECT count(*) FROM episodes").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == entries


def test_a_correction_is_kept_with_old_and_new_values_and_audited(db: Database) -> None:
    first = save_exam(db, _born(document("M-78", name="Ana Sousa"), "1950-01-01"), actor="n")
    fixed = _born(document("M-78", name="Ana Souza", exam_hours=3), "1951-01-01")
    [saved] = import_documents(db, [("fixed.json", fixed)], actor="cli:ward", correction=True)
    assert saved.patient_id == first.patient_id
    patient = get_patient(db, first.patient_id)
    assert (patient.name, patient.birth_date.isoformat()) == ("Ana Souza", "1951-01-01")
    rows = db.execute("SELECT patient_id, field, old_value, new_value, corrected_by FROM "
                      "patient_corrections ORDER BY id").fetchall()
    assert rows == [(first.patient_id, "name", "Ana Sousa", "Ana Souza", "cli:ward"),
                    (first.patient_id, "birth_date", "1950-01-01", "1951-01-01", "cli:ward")]
    actions = [(e.action, e.record_table) for e in audit_entries(db, limit=10)]
    assert ("patient.correct", "patient_corrections") in actions
    assert ("patient.update", "patients") in actions
    log = " ".join(str(r) for r in db.execute("SELECT * FROM audit_log").fetchall())
    # Neither name nor either birth date (as written: a bare year also matches the
    # microseconds of an entry's time, 22:23:55.481951, by chance).
    assert not any(phi in log for phi in ("Sousa", "Souza", "1950-01-01", "1951-01-01"))
    assert names(search_patients(db, "souza")) == ["Ana Souza"]
    assert check_database(db, full=True).ok


def test_only_an_ascii_mrn_is_folded_so_an_invalid_one_stays_invalid(db: Database) -> None:
    from desktop_app.domain import DocumentError

    with pytest.raises(DocumentError, match="patient.mrn"):
        save_exam(db, document("\ufb00-1"), actor="n")  # 'ﬀ'.upper() would be 'FF'
    assert patient_by_mrn(db, "\ufb00-1") is None
