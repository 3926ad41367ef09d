"""Store fixtures: an open database in the test's private data folder, and small exam
documents built from the shared cases."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from desktop_app.paths import data_dir
from desktop_app.store import open_database
from tests.conftest import CASES


@pytest.fixture
def folder(private_data_dir: Path) -> Path:
    """The test's data folder as the application finds it ($NEUROCHECK_DATA_DIR), created."""
    path = data_dir()
    assert path == private_data_dir.resolve()
    return path


@pytest.fixture
def db(folder: Path) -> Iterator[Database]:
    """The test's database, opened as the application opens it."""
    database = open_database(folder)
    yield database
    database.close()


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
