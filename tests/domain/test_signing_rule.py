"""What must be answered before a note is signed: the four red-flag questions, on every path
(typed, imported or edited), besides the grid items the procedure requires."""

from __future__ import annotations

import pytest

from desktop_app.domain import load_document, signing_gap_words, signing_gaps
from desktop_app.domain.model import RED_FLAG_SYMPTOMS
from desktop_app.report.samples import sample_raw


@pytest.mark.parametrize("flag", RED_FLAG_SYMPTOMS)
def test_a_red_flag_question_not_asked_stops_signing(flag):
    raw = sample_raw("normal")
    assert signing_gaps(load_document(raw)) == []
    del raw["exam"]["symptoms"][flag]
    gaps = signing_gaps(load_document(raw))
    assert gaps == [f"symptoms.{flag}"]
    assert signing_gap_words(gaps[0]).endswith(": not asked")


def test_an_exam_with_no_symptoms_at_all_lists_every_red_flag_first():
    raw = sample_raw("normal")
    del raw["exam"]["symptoms"]
    del raw["exam"]["reflexes"]
    gaps = signing_gaps(load_document(raw))
    assert gaps[:4] == [f"symptoms.{flag}" for flag in RED_FLAG_SYMPTOMS]
    assert "reflexes.patellar.left" in gaps[4:]


def test_answered_no_is_an_answer():
    raw = sample_raw("normal")
    for flag in RED_FLAG_SYMPTOMS:
        raw["exam"]["symptoms"][flag] = False
    raw["exam"]["symptoms"].pop("numbness")  # not a red flag: may stay not asked
    assert signing_gaps(load_document(raw)) == []
