"""The compiled schema validator: the same answers as jsonschema, in well under 1 ms."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime

import pytest

from desktop_app.domain import DocumentError, load_document
from desktop_app.domain import document as loader
from tests.conftest import CASES

NOW = datetime(2027, 1, 1, tzinfo=UTC)  # after every shared case


def outcome(data: bytes) -> str:
    try:
        return repr(load_document(data, now=NOW).to_document())
    except DocumentError as error:
        return f"refused: {error}"


def test_the_compiled_validator_is_in_use():
    assert loader._compiled_validator() is not None


def test_the_answers_are_those_of_jsonschema_alone(monkeypatch):
    from tests.interop.test_fuzz_documents import SEED, generate

    shared = [p.read_bytes() for p in sorted(CASES.glob("*.json"))
              if not p.name.endswith(".expected.json")]
    sample = shared + [data for _name, data in generate(300, seed=SEED + 2)]
    fast = [outcome(data) for data in sample]
    monkeypatch.setattr(loader, "_compiled_validator", lambda: None)
    assert [outcome(data) for data in sample] == fast
    assert sum(not o.startswith("refused") for o in fast) > 60  # valid ones compared too


@pytest.mark.parametrize("value", [4.0, 5.0, 0.0])
def test_a_grade_written_as_a_float_is_still_refused(value):
    text = (CASES / "mbb-slr-failed.json").read_text(encoding="utf-8")
    raw = loader.parse_json(text)
    raw["exam"]["motor"]["hip_flexion"]["left"] = value
    with pytest.raises(DocumentError) as caught:
        load_document(raw, now=NOW)
    assert caught.value.field == "exam.motor.hip_flexion.left"


def test_a_value_json_has_not_goes_to_jsonschema():
    raw = loader.parse_json((CASES / "mbb-slr-failed.json").read_bytes())
    raw["procedure"]["levels"] = ("L4-L5",)  # a tuple is not a JSON array
    with pytest.raises(DocumentError) as caught:
        load_document(raw, now=NOW)
    assert caught.value.field == "procedure.levels"


def test_validating_a_document_takes_under_a_millisecond():
    raw = loader.parse_json((CASES / "mbb-progressive-6h.json").read_bytes())
    times = []
    for _ in range(300):
        start = time.perf_counter()
        full_check = loader._refuse_values_out_of_bounds(raw)
        assert loader.schema_errors(raw, full_check=full_check) == []
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.001
