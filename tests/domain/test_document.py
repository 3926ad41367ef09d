"""Refusals of PROTOCOL.md section 6 and EXAM_FORMAT.md, each naming the field."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from desktop_app.domain import DocumentError, load_document
from desktop_app.domain.document import exam_schema
from tests.domain.builders import block, im, set_path

NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)


def refuse(document, *, now=NOW) -> DocumentError:
    text = document if isinstance(document, str) else json.dumps(document)
    with pytest.raises(DocumentError) as caught:
        load_document(text, now=now)
    return caught.value


@pytest.mark.parametrize(("path", "value", "field"), [
    ("exam.motor.hip_flexion.left", 6, "exam.motor.hip_flexion.left"),
    ("exam.motor.hip_flexion.left", 4.0, "exam.motor.hip_flexion.left"),
    ("exam.motor.hip_flexion.left", "5", "exam.motor.hip_flexion.left"),
    ("exam.motor.hip_flexion.left", True, "exam.motor.hip_flexion.left"),
    ("exam.sensory.L5.left.pinprick", 3, "exam.sensory.L5.left.pinprick"),
    ("exam.sensory.L5.left.pinprick", False, "exam.sensory.L5.left.pinprick"),
    ("exam.reflexes.patellar.left", 2, "exam.reflexes.patellar.left"),
    ("exam.reflexes.patellar.left", "5+", "exam.reflexes.patellar.left"),
    ("exam.straight_leg_raise.left", "yes", "exam.straight_leg_raise.left"),
    ("exam.bromage.left", 4, "exam.bromage.left"),
    ("exam.symptoms.onset", "sudden", "exam.symptoms.onset"),
    ("exam.symptoms.numbness", "yes", "exam.symptoms.numbness"),
    ("procedure.kind", "epidural", "procedure.kind"),
    ("procedure.side", "both", "procedure.side"),
    ("procedure.concentration_percent", 0, "procedure.concentration_percent"),
    ("procedure.concentration_percent", 101, "procedure.concentration_percent"),
    ("procedure.volume_ml_per_level", -1, "procedure.volume_ml_per_level"),
    ("procedure.anticoagulated", "maybe", "procedure.anticoagulated"),
    ("format", "neuro-exam/2", "format"),
])
def test_values_off_their_scale_are_refused(path, value, field):
    document = block(1)
    set_path(document, path, value)
    assert refuse(document).field == field


@pytest.mark.parametrize("mrn", ["", "A" * 21, "AB 12", "AB_12", "Ä123", "A1\n", " A1"])
def test_mrn_must_be_what_a_wristband_carries(mrn):
    document = block(1)
    document["patient"]["mrn"] = mrn
    assert refuse(document).field == "patient.mrn"


def test_im_site_must_be_known():
    document = im(1, site="buttock")
    assert refuse(document).field == "procedure.site"


@pytest.mark.parametrize(("kind", "key", "value"), [
    ("im", "levels", ["L4-L5"]), ("im", "sedation", "none"), ("block", "site", "deltoid"),
    ("block", "drug", "x")])
def test_keys_of_the_other_procedure_kind_are_refused(kind, key, value):
    document = im(1) if kind == "im" else block(1)
    document["procedure"][key] = value
    error = refuse(document)
    assert error.field == f"procedure.{key}"
    assert "kind of procedure" in str(error)


def test_bromage_belongs_to_a_block():
    document = im(1)
    document["exam"]["bromage"] = {"left": 0}
    assert refuse(document).field == "exam.bromage"


@pytest.mark.parametrize("where", ["exam", "exam.symptoms", "exam.motor", "procedure", "patient", ""])
def test_unknown_keys_are_refused(where):
    document = block(1, symptoms={"numbness": False})
    node = document
    for part in filter(None, where.split(".")):
        node = node[part]
    node["numbnes"] = True
    error = refuse(document)
    assert error.field.endswith("numbnes") and "unknown field" in str(error)


def test_duplicate_keys_nan_and_infinity_are_refused():
    text = json.dumps(block(1))
    assert "twice" in str(refuse(text.replace('"format"', '"format": "x", "format"', 1)))
    volume = block(1, volume_ml_per_level=0.5)
    assert refuse(json.dumps(volume).replace("0.5", "NaN"))
    assert refuse(json.dumps(volume).replace("0.5", "Infinity"))


def test_bad_json_names_the_line():
    assert "line 1" in str(refuse('{"format": '))


@pytest.mark.parametrize("text", ["[]", "42", '"x"'])
def test_a_document_is_an_object(text):
    refuse(text)


def test_times_need_an_offset_and_must_be_real():
    document = block(1)
    document["exam"]["performed_at"] = "2026-05-04T10:00:00"
    assert refuse(document).field == "exam.performed_at"
    document["exam"]["performed_at"] = "2026-02-30T10:00:00+01:00"
    assert "real date" in str(refuse(document))


def test_exam_before_the_procedure_is_refused():
    document = block(1)
    document["exam"]["performed_at"] = "2026-05-04T07:59:59+01:00"
    assert refuse(document).field == "exam.performed_at"


def test_exam_more_than_five_minutes_in_the_future_is_refused():
    document = block(1)
    exam_time = datetime.fromisoformat(document["exam"]["performed_at"])
    assert load_document(json.dumps(document), now=exam_time - timedelta(minutes=5))
    error = refuse(document, now=exam_time - timedelta(minutes=5, seconds=1))
    assert "future" in str(error)


def test_birth_date_in_the_future_is_refused():
    document = block(1)
    document["patient"]["birth_date"] = "2999-01-01"
    assert refuse(document).field == "patient.birth_date"
    document["patient"]["birth_date"] = "1990-13-01"
    assert refuse(document).field == "patient.birth_date"


def test_previous_exams_are_validated_like_the_current_one():
    document = block(5, previous=[block(2)["exam"]])
    document["previous_exams"][0]["motor"]["hip_flexion"]["left"] = 9
    assert refuse(document).field == "previous_exams[0].motor.hip_flexion.left"
    later = block(5, previous=[block(6)["exam"]])
    assert refuse(later).field == "previous_exams[0].performed_at"


def test_not_tested_reasons_must_name_grid_items():
    document = block(1)
    document["exam"]["not_tested_reasons"] = {"motor.wrist_extension": "not indicated"}
    assert load_document(json.dumps(document), now=NOW)
    document["exam"]["not_tested_reasons"] = {"motor.wrist_extention": "not indicated"}
    assert refuse(document).field.endswith("motor.wrist_extention")


def test_round_trip_keeps_the_document():
    document = block(3, symptoms={"numbness": True}, sedation="midazolam", levels=["L4-L5"])
    document["exam"]["motor"]["hip_flexion"]["left"] = "NT"
    document["exam"]["not_tested_reasons"] = {"motor.hip_flexion.left": "dressing"}
    assert load_document(json.dumps(document), now=NOW).to_document() == document


def test_the_published_schema_is_a_valid_json_schema():
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(exam_schema())
