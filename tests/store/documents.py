"""Exam documents for the store tests, built from the shared cases (no pytest import:
the writer subprocess of the crash tests uses them too)."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

# As tests/conftest.py has it; importing that would load pytest into the crash tests' writer
# subprocess, twenty times over.
CASES = Path(__file__).resolve().parents[2].parent / "shared" / "cases"


def case(name: str) -> dict[str, Any]:
    """A shared case document, parsed."""
    return json.loads((CASES / f"{name}.json").read_text(encoding="utf-8"))


def document(mrn: str = "T-0001", *, name: str | None = "Test Patient",
             exam_hours: float = 2.0, procedure_at: str = "2026-05-04T08:00:00+01:00",
             base: str = "mbb-numb-l5-2h", previous: list[dict[str, Any]] | None = None,
             ) -> dict[str, Any]:
    """A valid exam document (a shared case with another patient, procedure or exam time)."""
    doc = copy.deepcopy(case(base))
    doc["patient"]["mrn"] = mrn
    if name is None:
        doc["patient"].pop("name", None)
    else:
        doc["patient"]["name"] = name
    doc["procedure"]["performed_at"] = procedure_at
    start = datetime.fromisoformat(procedure_at)
    doc["exam"]["performed_at"] = (start + timedelta(hours=exam_hours)).isoformat()
    doc["previous_exams"] = copy.deepcopy(previous or [])
    return doc
