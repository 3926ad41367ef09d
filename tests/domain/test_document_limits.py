"""The limits of the exam document: odd input is refused in one short line, never a crash,
and quickly; previous exams must be in time order."""

from __future__ import annotations

import copy
import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from desktop_app.domain import DocumentError, assess, load_document
from desktop_app.domain.document import (
    MAX_PREVIOUS_EXAMS,
    MAX_TEXT_LENGTH,
    exam_schema,
    one_line,
    parse_time,
)
from tests.domain.builders import block

NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)


def text_of(document) -> str:
    return json.dumps(document, ensure_ascii=False)


def refuse(source) -> DocumentError:
    with pytest.raises(DocumentError) as caught:
        load_document(source, now=NOW)
    error = caught.value
    line = str(error)
    assert "\n" not in line and len(line) <= 240 and line.isprintable()
    return error


def test_json_nested_far_deeper_than_the_format_is_refused():
    deep = '{"format": "neuro-exam/1", "x": ' + "[" * 990 + "]" * 990 + "}"
    assert "nested deeper" in str(refuse(deep))
    assert "nested deeper" in str(refuse("[" * 100_000))


def test_nesting_is_counted_outside_text_only():
    document = block(1, symptoms={"numbness": True})
    document["patient"]["name"] = "[[[[[[[[[[{{{{{{{{{{"
    assert load_document(text_of(document), now=NOW).patient.name == "[[[[[[[[[[{{{{{{{{{{"


def test_a_parsed_document_nested_too_deep_is_refused():
    document = block(1)
    node = document["exam"]
    for _ in range(10):
        node["symptoms"] = {}
        node = node["symptoms"]
    assert "nested deeper" in str(refuse(document))


@pytest.mark.parametrize("literal", ["9" * 5000, "-" + "1" * 4301, "0." + "5" * 40])
def test_numbers_longer_than_any_field_are_refused(literal):
    text = text_of(block(1, volume_ml_per_level=0.25)).replace("0.25", literal, 1)
    assert "digits" in str(refuse(text))


def test_a_huge_integer_in_a_parsed_document_is_refused():
    document = block(1)
    document["exam"]["motor"]["hip_flexion"]["left"] = 10 ** 5000
    assert refuse(document).field == "exam.motor.hip_flexion.left"


@pytest.mark.parametrize("literal", ["1e309", "-1e309", "1E400"])
def test_numbers_that_are_not_finite_are_refused(literal):
    text = text_of(block(1, volume_ml_per_level=0.25)).replace("0.25", literal, 1)
    assert "not a finite number" in str(refuse(text))


def test_infinity_in_a_parsed_document_is_refused():
    assert refuse(block(1, volume_ml_per_level=float("inf"))).field == \
        "procedure.volume_ml_per_level"


def test_a_lone_surrogate_in_text_is_refused():
    document = block(1)
    document["patient"]["name"] = "Ana"
    text = json.dumps(document).replace('"Ana"', '"An\\ud800a"')
    error = refuse(text)
    assert error.field == "patient.name" and "surrogate" in str(error)


def test_a_surrogate_in_a_key_is_refused():
    text = json.dumps(block(1)).replace('"format"', '"\\udfff": 1, "format"', 1)
    assert "surrogate" in str(refuse(text))


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_time_that_leaves_the_calendar_in_utc_is_refused(moment):
    document = block(1)
    document["procedure"]["performed_at"] = moment
    assert refuse(document).field == "procedure.performed_at"
    with pytest.raises(DocumentError):
        parse_time(moment, "t")


@pytest.mark.parametrize("offset", ["+01:60", "+24:00", "-00:99"])
def test_an_offset_must_be_a_real_one(offset):
    document = block(1)
    document["exam"]["performed_at"] = document["exam"]["performed_at"][:-6] + offset
    assert refuse(document).field == "exam.performed_at"
    with pytest.raises(DocumentError):
        parse_time("2026-05-04T09:00:00" + offset, "t")


def test_the_largest_real_offsets_are_accepted():
    assert parse_time("2026-05-04T09:00:00+14:00", "t").utcoffset() == timedelta(hours=14)
    assert parse_time("2026-05-04T09:00:00-09:30", "t").utcoffset() == -timedelta(hours=9.5)


def test_the_document_size_is_limited():
    document = block(1)
    document["exam"]["not_tested_reasons"] = {f"motor.{i}": "x" for i in range(80_000)}
    assert "larger than 1,000,000 bytes" in str(refuse(text_of(document)))


def test_text_values_and_keys_are_limited():
    document = block(1)
    document["exam"]["not_tested_reasons"] = {"motor.wrist_extension": "x" * MAX_TEXT_LENGTH}
    assert load_document(text_of(document), now=NOW)
    document["exam"]["not_tested_reasons"]["motor.wrist_extension"] += "x"
    assert refuse(text_of(document)).field == "exam.not_tested_reasons.motor.wrist_extension"
    long_key = block(1)
    long_key["k" * 500_000] = 1
    error = refuse(text_of(long_key))
    assert "longer than 2,000" in str(error) and len(str(error)) < 240


def test_separators_and_controls_in_a_refusal_are_escaped():
    document = block(1)
    document["ab\u2028cd\u202e\x1b[31m"] = 1
    line = str(refuse(text_of(document)))
    assert "\u2028" not in line and "\\u2028" in line and "\\u202e" in line and "\\x1b" in line


def test_one_line_cuts_and_escapes():
    assert one_line("a\nb\u2029c\ud800", 300) == "a\\nb\\u2029c\\ud800"
    assert one_line("x" * 400, 300) == "x" * 299 + "\u2026"
    assert one_line("Zoë Ngô-Ærøe 李", 300) == "Zoë Ngô-Ærøe 李"


def _with_previous(count: int) -> dict:
    document = block(count)
    previous = []
    for index in range(count):
        exam = copy.deepcopy(document["exam"])
        exam["performed_at"] = block(index * 0.5)["exam"]["performed_at"]
        previous.append(exam)
    document["previous_exams"] = previous
    return document


def test_previous_exams_are_limited_and_refused_quickly():
    assert load_document(text_of(_with_previous(MAX_PREVIOUS_EXAMS)), now=NOW + timedelta(days=30))
    many = _with_previous(3000)
    many["previous_exams"] = many["previous_exams"][:3000]
    start = time.perf_counter()
    error = refuse(many)
    assert time.perf_counter() - start < 0.5
    assert error.field == "previous_exams" and "at most 500" in str(error)
    assert exam_schema()["properties"]["previous_exams"]["maxItems"] == MAX_PREVIOUS_EXAMS


def test_previous_exams_out_of_time_order_are_refused():
    motor = {"knee_extension": {"left": 5, "right": 5}}
    first, second = block(1, changes={"motor": motor})["exam"], block(2)["exam"]
    in_order = block(3, previous=[first, second])
    assert load_document(text_of(in_order), now=NOW)
    reversed_ = block(3, previous=[second, first])
    error = refuse(reversed_)
    assert error.field == "previous_exams[1].performed_at" and "oldest first" in str(error)


def test_two_exams_at_the_same_moment_are_refused():
    same = block(3, previous=[block(1)["exam"], block(1)["exam"]])
    assert refuse(same).field == "previous_exams[1].performed_at"
    at_current = block(3, previous=[block(3)["exam"]])
    assert refuse(at_current).field == "previous_exams[0].performed_at"


def test_a_reversed_list_cannot_hide_a_decline():
    # Knee 3 at 2 h, 5 at 3 h, 4 now: a decline (RF-3) that the reversed list would hide.
    def with_knee(hours: float, grade: int) -> dict:
        exam = block(hours)["exam"]
        exam["motor"]["knee_extension"] = {"left": grade, "right": 5}
        return exam

    in_order = block(5, previous=[with_knee(2, 3), with_knee(3, 5)])
    in_order["exam"]["motor"]["knee_extension"] = {"left": 4, "right": 5}
    assert "RF-3" in assess(load_document(text_of(in_order), now=NOW)).to_json()["rules"]
    reversed_ = copy.deepcopy(in_order)
    reversed_["previous_exams"].reverse()
    refuse(reversed_)
