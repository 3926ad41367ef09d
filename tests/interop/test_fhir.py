"""The FHIR export: every valid shared case becomes a Bundle that fhir.resources (R4B)
accepts, carrying the signed PDF byte for byte, the level and every fired rule, NT reasons,
and names in any script."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

from desktop_app.domain import assess, load_document
from desktop_app.domain.scales import GRID
from desktop_app.interop.codes import CODESYSTEM_URL, DISPLAYS, SHA256_EXTENSION
from desktop_app.interop.fhir import BUNDLE_TYPE, build_bundle
from tests.conftest import CASES, case_files
from tests.interop.helpers import (
    NOTE_ID,
    SIGNED_AT,
    codings,
    component_by_code,
    export,
    load_case,
    one,
    references,
    resources,
    tiny_pdf,
)


def valid_cases() -> list[Path]:
    return [p for p in case_files()
            if "exit" not in json.loads(p.with_name(p.stem + ".expected.json").read_text())]


VALID = valid_cases()


def test_the_shared_cases_are_there() -> None:
    assert CASES.is_dir()
    assert len(VALID) >= 10


@pytest.fixture(scope="module")
def note_pdf() -> bytes:
    return tiny_pdf(text="Signed note stand-in æø")


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.stem)
def test_every_valid_case_exports_a_bundle_fhir_resources_accepts(case: Path,
                                                                   note_pdf: bytes) -> None:
    document = load_case(case)
    bundle = export(document, note_pdf=note_pdf)
    # Through JSON text, as a receiving system gets it.
    parsed = Bundle.model_validate(json.loads(json.dumps(bundle, ensure_ascii=False)))
    assert parsed.type == BUNDLE_TYPE
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    expected_event = "Procedure" if document.procedure.is_block else "MedicationAdministration"
    for kind in ("Patient", "Practitioner", expected_event, "Observation", "RiskAssessment",
                 "DocumentReference"):
        assert kinds.count(kind) == 1, kind


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.stem)
def test_the_note_in_the_bundle_is_the_signed_pdf_byte_for_byte(case: Path,
                                                                  note_pdf: bytes) -> None:
    bundle = export(load_case(case), note_pdf=note_pdf)
    attachment = one(bundle, "DocumentReference")["content"][0]["attachment"]
    assert base64.b64decode(attachment["data"], validate=True) == note_pdf
    assert attachment["contentType"] == "application/pdf"
    assert attachment["size"] == len(note_pdf)
    assert attachment["hash"] == base64.b64encode(hashlib.sha1(note_pdf).digest()).decode()
    sha256 = [x["valueString"] for x in attachment["extension"] if x["url"] == SHA256_EXTENSION]
    assert sha256 == [hashlib.sha256(note_pdf).hexdigest()]
    identifiers = one(bundle, "DocumentReference")["identifier"]
    assert [i["value"] for i in identifiers if i["system"].endswith("/note-sha256")] == sha256
    assert attachment["creation"] == SIGNED_AT.isoformat()


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.stem)
def test_the_risk_assessment_carries_the_level_and_every_fired_rule(case: Path) -> None:
    document = load_case(case)
    expected = json.loads(case.with_name(case.stem + ".expected.json").read_text())
    risk = one(export(document), "RiskAssessment")
    overall = risk["prediction"][0]["qualitativeRisk"]["coding"][0]
    assert (overall["system"], overall["code"]) == (CODESYSTEM_URL, expected["level"])
    fired = sorted(x["valueCoding"]["code"] for x in risk["extension"]
                   if x["url"].endswith("/fired-rule"))
    assert fired == sorted(expected["rules"])
    # Each rule also in words, with its reason, for a reader who sees only the text.
    notes = "\n".join(n["text"] for n in risk["note"])
    assessment = assess(document)
    for rule in assessment.fired:
        assert f"{rule.id} (" in notes and rule.reason in notes
    # Rules that set a level are predictions with that level.
    predicted = {p["outcome"]["coding"][0]["code"]: p["qualitativeRisk"]["coding"][0]["code"]
                 for p in risk["prediction"][1:]}
    assert predicted == {f.id: f.level.value for f in assessment.level_rules}
    for step in assessment.next_steps:
        assert step in risk["mitigation"]
    for flag in expected["flags"]:
        assert any(x.get("valueCode") == flag for x in risk["extension"])


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.stem)
def test_every_finding_recorded_is_a_component_and_nothing_else(case: Path) -> None:
    document = load_case(case)
    observation = one(export(document), "Observation")
    by_code = component_by_code(observation)
    assert len(by_code) == len(observation["component"]), "a code used twice"
    exam = document.exam
    for item in GRID:
        value = exam.grades.get(item.path)
        if value is None and not exam.reason_for(item.path):
            assert item.path not in by_code
            continue
        component = by_code[item.path]
        if value == "NT" or value is None:
            assert "dataAbsentReason" in component
        elif isinstance(value, bool):
            assert component["valueBoolean"] is value
        else:
            assert component["valueCodeableConcept"]["text"] == str(value)
    for name, value in vars(exam.symptoms).items():
        code = f"symptoms.{name}"
        if value is None:
            assert code not in by_code  # not asked is never exported as "no"
        elif isinstance(value, bool):
            assert by_code[code]["valueBoolean"] is value
        else:
            assert by_code[code]["valueCodeableConcept"]["coding"][0]["code"] == f"{name}-{value}"
    for component in observation["component"]:
        values = [k for k in component if k.startswith("value")]
        # obs-6: a value or a reason it is absent, never both (fhir.resources does not check).
        assert len(values) + ("dataAbsentReason" in component) == 1


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.stem)
def test_references_resolve_inside_the_bundle_and_codes_are_published(case: Path) -> None:
    bundle = export(load_case(case), escalations=[
        {"role": "anaesthetist", "name": "Dr Okafor", "called_at": "2026-05-04T11:40:00+01:00",
         "response": "will review in 30 min"}])
    full_urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(set(full_urls)) == len(full_urls)
    for entry in bundle["entry"]:
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
    for reference in references(bundle):
        assert reference in full_urls
    for code in codings(bundle):
        if code["system"] == CODESYSTEM_URL:
            assert code["code"] in DISPLAYS, code
            assert code["display"] == DISPLAYS[code["code"]]


def test_a_re_export_is_identical_and_another_exam_gets_other_uuids() -> None:
    document = load_case(VALID[0])
    first = export(document, exam_id="17")
    assert export(document, exam_id="17") == first
    other = export(document, exam_id="18")
    assert {e["fullUrl"] for e in other["entry"]}.isdisjoint(e["fullUrl"] for e in first["entry"])


def _nt_document():
    raw = json.loads((CASES / "mbb-numb-6h.json").read_text())
    exam = raw["exam"]
    exam["sensory"]["L5"]["left"]["pinprick"] = "NT"
    exam["reflexes"]["achilles"] = {"left": "NT", "right": "NT"}
    exam["motor"].pop("great_toe_extension", None)
    exam["not_tested_reasons"] = {
        "sensory.L5.left.pinprick": "dressing over the dorsum of the foot",
        "reflexes.achilles": "patient asleep, not woken",
        "motor.great_toe_extension": "toe amputation <left & right>",
    }
    return load_document(json.dumps(raw).encode())


def test_not_tested_items_carry_the_nurses_reason_as_data_absent_reason() -> None:
    bundle = export(_nt_document())
    Bundle.model_validate(bundle)
    by_code = component_by_code(one(bundle, "Observation"))
    expected = {
        "sensory.L5.left.pinprick": "dressing over the dorsum of the foot",
        "reflexes.achilles.left": "patient asleep, not woken",  # reason given for a prefix
        "reflexes.achilles.right": "patient asleep, not woken",
        "motor.great_toe_extension.left": "toe amputation <left & right>",  # left out + reason
        "motor.great_toe_extension.right": "toe amputation <left & right>",
    }
    for path, reason in expected.items():
        absent = by_code[path]["dataAbsentReason"]
        assert absent["text"] == reason
        assert {"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                "code": "not-performed", "display": "Not Performed"} in absent["coding"]
        assert not any(k.startswith("value") for k in by_code[path])


def test_names_in_any_script_survive_the_export() -> None:
    raw = json.loads((CASES / "im-foot-drop.json").read_text())
    raw["patient"]["name"] = "Zoë Ngô-Ærøe"
    document = load_document(json.dumps(raw, ensure_ascii=False).encode("utf-8"))
    bundle = export(document, signer_name="Дмитрий",
                    escalations=[{"role": "神経内科", "name": "李明",
                                  "called_at": "2026-05-05T10:10:00+01:00",
                                  "response": "أراجع الآن"}])
    text = json.dumps(bundle, ensure_ascii=False)
    back = json.loads(text.encode("utf-8").decode("utf-8"))
    parsed = Bundle.model_validate(back)
    assert one(back, "Patient")["name"][0]["text"] == "Zoë Ngô-Ærøe"
    assert one(back, "Practitioner")["name"][0]["text"] == "Дмитрий"
    call = one(back, "Communication")
    assert call["recipient"][0]["display"] == "神経内科 李明"
    assert "أراجع الآن" in call["note"][0]["text"]
    patient = next(e.resource for e in parsed.entry if e.resource.get_resource_type() == "Patient")
    assert patient.name[0].text == "Zoë Ngô-Ærøe"


def test_the_patient_has_mrn_name_and_birth_date() -> None:
    document = load_case(CASES / "im-foot-drop.json")
    patient = one(export(document), "Patient")
    identifier = patient["identifier"][0]
    assert identifier["value"] == document.patient.mrn
    assert identifier["system"].startswith("https://")
    assert identifier["type"]["coding"][0]["code"] == "MR"
    assert patient["birthDate"] == document.patient.birth_date.isoformat()


def test_an_im_injection_is_a_medication_administration_with_site_drug_and_time() -> None:
    document = load_case(CASES / "im-foot-drop.json")
    bundle = export(document)
    assert not resources(bundle, "Procedure")
    given = one(bundle, "MedicationAdministration")
    assert given["medicationCodeableConcept"]["text"] == "ceftriaxone"
    assert given["effectiveDateTime"] == "2026-05-04T08:00:00+01:00"
    assert given["dosage"]["site"]["coding"][0]["code"] == "site-dorsogluteal"
    assert given["dosage"]["site"]["text"] == "dorsogluteal, right"
    assert given["dosage"]["route"]["coding"][0]["code"] == "78421000"


def test_an_im_injection_without_a_recorded_drug_says_so() -> None:
    raw = json.loads((CASES / "im-foot-drop.json").read_text())
    del raw["procedure"]["drug"]
    bundle = export(load_document(json.dumps(raw).encode()))
    Bundle.model_validate(bundle)
    medication = one(bundle, "MedicationAdministration")["medicationCodeableConcept"]
    assert medication["extension"][0]["valueCode"] == "unknown"


def test_a_block_is_a_procedure_with_levels_and_technique() -> None:
    document = load_case(CASES / "mbb-slr-failed.json")
    procedure = one(export(document), "Procedure")
    assert procedure["status"] == "completed"
    assert procedure["performedDateTime"] == "2026-05-04T08:00:00+01:00"
    assert [s["text"] for s in procedure["bodySite"]] == [
        "Lumbar medial branches L4-L5 (left)", "Lumbar medial branches L5-S1 (left)"]
    notes = " ".join(n["text"] for n in procedure["note"])
    assert "0.5 mL" in notes and "Anticoagulated: no." in notes


def test_the_exam_is_loinc_8705_6_and_the_note_loinc_34746_8() -> None:
    bundle = export(load_case(CASES / "mbb-slr-failed.json"))
    loinc = one(bundle, "Observation")["code"]["coding"][0]
    assert loinc == {"system": "http://loinc.org", "code": "8705-6",
                     "display": "Physical findings of Nervous system"}
    note_type = one(bundle, "DocumentReference")["type"]["coding"][0]
    assert note_type == {"system": "http://loinc.org", "code": "34746-8", "display": "Nurse Note"}
    reference = one(bundle, "DocumentReference")
    assert reference["masterIdentifier"]["value"] == NOTE_ID
    assert reference["docStatus"] == "final"


def test_escalations_become_communications_with_who_when_and_response() -> None:
    bundle = export(load_case(CASES / "mbb-slr-failed.json"), escalations=[
        {"role": "anaesthetist", "name": "Dr Okafor", "called_at": "2026-05-04T09:40:00+01:00",
         "response": "to review within 30 min", "response_at": "2026-05-04T09:45:00+01:00"},
        {"role": "proceduralist", "name": "Dr Berg", "called_at": None, "response": None},
    ])
    Bundle.model_validate(bundle)
    first, second = resources(bundle, "Communication")
    assert first["sent"] == "2026-05-04T09:40:00+01:00"
    assert first["recipient"] == [{"display": "anaesthetist Dr Okafor"}]
    assert first["note"][0]["text"] == "Response: to review within 30 min"
    assert "sent" not in second and "note" not in second


def test_a_signing_time_without_offset_is_refused() -> None:
    document = load_case(VALID[0])
    with pytest.raises(ValueError, match="offset"):
        build_bundle(document, assess(document), exam_id="1", note_pdf=b"%PDF-1.4",
                     note_id="N1", signed_at=SIGNED_AT.replace(tzinfo=None), signer_name="A")


def test_the_document_is_not_changed_by_the_export() -> None:
    document = load_case(CASES / "mbb-slr-failed.json")
    before = copy.deepcopy(document.to_document())
    export(document)
    assert document.to_document() == before


def test_no_patient_identifier_reaches_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    document = load_case(CASES / "im-foot-drop.json")
    with caplog.at_level("DEBUG"):
        export(document)
    assert caplog.records, "the export logs what it did"
    for record in caplog.records:
        message = record.getMessage()
        for identifier in (document.patient.mrn, document.patient.name, "1979-09-02"):
            assert identifier not in message


def test_items_not_tested_without_a_reason_are_named_never_read_as_normal() -> None:
    observation = one(export(load_case(CASES / "im-foot-drop.json")), "Observation")
    by_code = component_by_code(observation)
    assert "motor.wrist_extension.left" not in by_code  # no value was recorded
    note = " ".join(n["text"] for n in observation["note"])
    assert "never read as normal" in note
    assert "Left wrist extension" in note and "Right finger extension" in note


def test_the_time_since_the_procedure_is_given_exactly_never_on_a_boundary() -> None:
    raw = json.loads((CASES / "im-stable-12h.json").read_text())
    raw["exam"]["performed_at"] = _shifted(raw["procedure"]["performed_at"], hours=48, minutes=20)
    observation = one(export(load_document(json.dumps(raw).encode())), "Observation")
    notes = [n["text"] for n in observation["note"]]
    assert "Time since the procedure: 48 h 20 min." in notes


def _shifted(moment: str, **delta: int) -> str:
    from datetime import datetime, timedelta

    return (datetime.fromisoformat(moment) + timedelta(**delta)).isoformat()


def test_the_mitigation_lists_no_observe_step_at_notify_or_above() -> None:
    from desktop_app.domain import RULES, Level

    document = load_case(CASES / "mbb-saddle.json")  # emergency 3 h after a block
    assessment = assess(document)
    assert assessment.level is Level.EMERGENCY and "MBB-4" in assessment.rule_ids
    risk = one(export(document), "RiskAssessment")
    for step in RULES[[r.id for r in RULES].index("MBB-4")].next_steps:
        assert step not in risk["mitigation"]
    notes = "\n".join(n["text"] for n in risk["note"])
    assert "MBB-4 (observe)" in notes and "not actions at level emergency" in notes
    assert "Urgent MRI." in risk["mitigation"]
