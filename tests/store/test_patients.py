"""Finding a patient again in a second: by the wristband MRN or the start of a name."""

from __future__ import annotations

import pytest
from sqlite_utils import Database

from desktop_app.store import patient_by_mrn, save_exam, search_patients
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
