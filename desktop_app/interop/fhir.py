"""FHIR R4 export of a signed exam: one Bundle, ready for `json.dumps`.

What goes in (entries in this order):
- Patient: MRN as an identifier (local system, type MR), name as typed, birth date.
- Practitioner: the nurse who signed the note (name only; NeuroCheck knows no more).
- Procedure (medial branch block) or MedicationAdministration (IM injection).
- Observation: the exam, LOINC 8705-6, one component per recorded finding.
- RiskAssessment: the level, every fired rule with its reason, next steps, flags.
- Communication: one per escalation the nurse recorded.
- DocumentReference: the signed PDF note itself, LOINC 34746-8.

Bundle type is `collection`, not `document`. The attested record is the signed PDF,
carried byte for byte in the DocumentReference; a `document` Bundle would need a
Composition that claims to be that document (and an attester) while the FHIR rendering
itself is unsigned. A collection makes no such claim, needs no Composition, and still
validates and links every entry by `urn:uuid` fullUrl.

RiskAssessment, not ClinicalImpression: what NeuroCheck computes is the output of a fixed
rule table, and R4 names "formal scoring/decision support tools that evaluate risk" as a
use of RiskAssessment (hl7.org/fhir/R4/riskassessment.html); it has the places this needs
(`method`, `basis`, `prediction.qualitativeRisk` with `rationale`, `mitigation`).
ClinicalImpression records a clinician's diagnostic reasoning, which this is not.

Pure: no I/O, no clock, no randomness. The same inputs give the same bytes, and every
UUID is derived from the exam ID and the note ID, so a re-export is identical.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from desktop_app.domain import FLAG_WORDS, Assessment, ExamDocument
from desktop_app.domain.elapsed import format_elapsed
from desktop_app.domain.model import IM_SITE_WORDS, SYMPTOM_KEYS, Exam, format_time
from desktop_app.domain.scales import GRID, NT, Scale
from desktop_app.interop.codes import (
    ASSESSMENT,
    CODESYSTEM_URL,
    COMPLICATION,
    DATA_ABSENT_EXTENSION,
    DATA_ABSENT_REASON,
    DISPLAYS,
    ESCALATION,
    EXAM_SYSTEM,
    FIRED_RULE_EXTENSION,
    FLAG_EXTENSION,
    HOURS_SINCE_PROCEDURE,
    LOINC,
    LOINC_NEURO_EXAM,
    LOINC_NURSE_NOTE,
    MRN_SYSTEM,
    NEURO_CHECK,
    NOTE_SHA256_SYSTEM,
    NOTE_SYSTEM,
    OBSERVATION_CATEGORY,
    PROTOCOL,
    SHA256_EXTENSION,
    SNOMED,
    SNOMED_IM_ROUTE,
    UCUM,
    V2_IDENTIFIER_TYPE,
    coding,
    concept,
    grade_code,
    symptom_code,
)

log = logging.getLogger(__name__)

BUNDLE_TYPE = "collection"
# Namespace of every UUID in an export: uuid5 of the CodeSystem's canonical URL.
UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, CODESYSTEM_URL)
NOTE_TITLE = "Post-procedure neurological check note"


def build_bundle(
    document: ExamDocument,
    assessment: Assessment,
    *,
    exam_id: str,
    note_pdf: bytes,
    note_id: str,
    signed_at: datetime,
    signer_name: str,
    escalations: Iterable[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The FHIR R4 Bundle (type `collection`) of one signed exam, as a JSON-ready dict.

    `assessment` is the assessment of `document` (what the note printed); `note_pdf` the
    signed note's bytes, embedded unchanged; `note_id` its ID; `signed_at` (with a UTC
    offset) and `signer_name` come from its signature. `escalations` are mappings with
    `role`, `name`, `called_at` (datetime or ISO text), `response` and optionally
    `response_at`. Same inputs, same output: nothing here reads the clock.
    """
    if signed_at.tzinfo is None:
        raise ValueError("signed_at needs a UTC offset")
    if not note_pdf:
        raise ValueError("the signed note is empty")
    export = _Export(exam_id=str(exam_id), note_id=note_id)
    patient = export.add("Patient", "patient", _patient(document))
    nurse = export.add("Practitioner", "signer", {"name": [{"text": signer_name}]})
    if document.procedure.is_block:
        procedure = export.add("Procedure", "procedure", _procedure(document, patient))
    else:
        procedure = export.add("MedicationAdministration", "procedure",
                               _medication_administration(document, patient))
    observation = export.add(
        "Observation", "exam",
        _observation(document, assessment, export, patient, nurse, procedure, signed_at),
    )
    risk = export.add("RiskAssessment", "assessment",
                      _risk_assessment(document, assessment, patient, nurse, observation,
                                       procedure))
    for index, escalation in enumerate(escalations):
        export.add("Communication", f"escalation/{index}",
                   _communication(escalation, patient, observation, risk))
    export.add("DocumentReference", "note",
               _document_reference(note_pdf, note_id, signed_at, patient, nurse,
                                   [observation, risk, procedure]))
    log.info("FHIR bundle built: %d entries, note of %d bytes", len(export.entries),
             len(note_pdf))
    return {
        "resourceType": "Bundle",
        "id": export.uuid("bundle"),
        "identifier": {"system": EXAM_SYSTEM, "value": export.exam_id},
        "type": BUNDLE_TYPE,
        # The moment the content was fixed (the signature), not the moment of export:
        # a re-export is then identical.
        "timestamp": format_time(signed_at),
        "entry": export.entries,
    }


def sha1_base64(data: bytes) -> str:
    """Attachment.hash as FHIR defines it: the base64 of the SHA-1 digest."""
    return base64.b64encode(hashlib.sha1(data).digest()).decode("ascii")


class _Export:
    """Collects the entries; hands out deterministic UUIDs and their references."""

    def __init__(self, *, exam_id: str, note_id: str) -> None:
        self.exam_id = exam_id
        self.note_id = note_id
        self.entries: list[dict[str, Any]] = []

    def uuid(self, role: str) -> str:
        # The note ID joins the exam ID so that two installations (whose record IDs both
        # start at 1) never export the same UUID for different exams.
        return str(uuid.uuid5(UUID_NAMESPACE, f"{self.exam_id}\n{self.note_id}\n{role}"))

    def add(self, resource_type: str, role: str, body: dict[str, Any]) -> str:
        """Add one resource; returns the `urn:uuid:` reference other entries use."""
        ident = self.uuid(role)
        url = f"urn:uuid:{ident}"
        self.entries.append({
            "fullUrl": url,
            "resource": {"resourceType": resource_type, "id": ident, **body},
        })
        return url


def _ref(url: str) -> dict[str, str]:
    return {"reference": url}


# -- context ---------------------------------------------------------------------------

def _patient(document: ExamDocument) -> dict[str, Any]:
    patient = document.patient
    body: dict[str, Any] = {
        "identifier": [{
            "use": "usual",
            "type": concept("MR", "Medical record number", V2_IDENTIFIER_TYPE),
            "system": MRN_SYSTEM,
            "value": patient.mrn,
        }],
    }
    if patient.name:
        # As typed, in any script: splitting into given and family names would be a guess.
        body["name"] = [{"use": "official", "text": patient.name}]
    if patient.birth_date:
        body["birthDate"] = patient.birth_date.isoformat()
    return body


def _anticoagulation_note(document: ExamDocument) -> list[dict[str, str]]:
    value = document.procedure.anticoagulated
    return [{"text": f"Anticoagulated: {value}."}] if value else []


def _procedure(document: ExamDocument, patient: str) -> dict[str, Any]:
    procedure = document.procedure
    body: dict[str, Any] = {
        "status": "completed",
        "code": concept("medial_branch_block", text="Lumbar medial branch block"),
        "subject": _ref(patient),
        "performedDateTime": format_time(procedure.performed_at),
    }
    side = f" ({procedure.side})" if procedure.side else ""
    if procedure.levels:
        body["bodySite"] = [{"text": f"Lumbar medial branches {level}{side}"}
                            for level in procedure.levels]
    elif procedure.side:
        body["bodySite"] = [{"text": f"Lumbar medial branches{side}"}]
    if procedure.anaesthetic:
        strength = (f" {procedure.concentration_percent:g}%"
                    if procedure.concentration_percent is not None else "")
        body["usedCode"] = [{"text": f"{procedure.anaesthetic}{strength}"}]
    details = []
    if procedure.volume_ml_per_level is not None:
        details.append(f"Volume per level: {procedure.volume_ml_per_level:g} mL.")
    if procedure.concentration_percent is not None:
        details.append(f"Anaesthetic concentration: {procedure.concentration_percent:g}%.")
    if procedure.fluoroscopy_contrast is not None:
        details.append("Fluoroscopy with contrast: "
                       f"{'yes' if procedure.fluoroscopy_contrast else 'no'}.")
    if procedure.sedation:
        details.append(f"Sedation: {procedure.sedation}.")
    notes = [{"text": line} for line in details] + _anticoagulation_note(document)
    if notes:
        body["note"] = notes
    return body


def _medication_administration(document: ExamDocument, patient: str) -> dict[str, Any]:
    procedure = document.procedure
    if procedure.drug:
        medication: dict[str, Any] = {"text": procedure.drug}
    else:
        medication = {
            "extension": [{"url": DATA_ABSENT_EXTENSION, "valueCode": "unknown"}],
            "text": "Drug not recorded",
        }
    dosage: dict[str, Any] = {"route": concept(*SNOMED_IM_ROUTE, system=SNOMED)}
    if procedure.site:
        words = IM_SITE_WORDS[procedure.site]
        side = f", {procedure.side}" if procedure.side else ""
        dosage["site"] = concept(f"site-{procedure.site}", text=f"{words}{side}")
    elif procedure.side:
        dosage["site"] = {"text": f"{procedure.side} side"}
    body: dict[str, Any] = {
        "status": "completed",
        "medicationCodeableConcept": medication,
        "subject": _ref(patient),
        "effectiveDateTime": format_time(procedure.performed_at),
        "dosage": dosage,
    }
    notes = _anticoagulation_note(document)
    if notes:
        body["note"] = notes
    return body


# -- the exam --------------------------------------------------------------------------

def _observation(document: ExamDocument, assessment: Assessment, export: _Export,
                 patient: str, nurse: str, procedure: str,
                 signed_at: datetime) -> dict[str, Any]:
    exam = document.exam
    components = [{
        "code": concept(HOURS_SINCE_PROCEDURE),
        "valueQuantity": {
            "value": round(assessment.findings.hours_since_procedure, 4),
            "unit": "h", "system": UCUM, "code": "h",
        },
    }]
    components += _symptom_components(exam)
    components += _grid_components(exam)
    body: dict[str, Any] = {
        "identifier": [{"system": EXAM_SYSTEM, "value": export.exam_id}],
        # The check belongs to the procedure it follows (post-procedure monitoring).
        "partOf": [_ref(procedure)],
        "status": "final",
        "category": [concept("exam", "Exam", OBSERVATION_CATEGORY)],
        "code": {
            "coding": [coding(*LOINC_NEURO_EXAM, system=LOINC), coding(NEURO_CHECK)],
            "text": DISPLAYS[NEURO_CHECK],
        },
        "subject": _ref(patient),
        "effectiveDateTime": format_time(exam.performed_at),
        "issued": format_time(signed_at),
        "performer": [_ref(nurse)],
        "component": components,
    }
    since = format_elapsed(exam.performed_at - document.procedure.performed_at)
    body["note"] = [{"text": f"Time since the procedure: {since}."}]
    untested = [path for path in assessment.findings.not_tested
                if path not in exam.grades and not exam.reason_for(path)]
    if untested:
        words = ", ".join(DISPLAYS[path] for path in untested)
        body["note"].append({"text": f"Not tested (no reason recorded; never read as "
                                     f"normal): {words}."})
    return body


def _symptom_components(exam: Exam) -> list[dict[str, Any]]:
    components = []
    for name in SYMPTOM_KEYS:
        value = getattr(exam.symptoms, name)
        if value is None:  # not asked: no component, never a "no"
            continue
        component: dict[str, Any] = {"code": concept(symptom_code(name))}
        if isinstance(value, bool):
            component["valueBoolean"] = value
        else:  # onset, trend
            component["valueCodeableConcept"] = concept(f"{name}-{value}")
        components.append(component)
    return components


def _grid_components(exam: Exam) -> list[dict[str, Any]]:
    """One component per grid item graded, marked NT, or carrying a not-tested reason."""
    components = []
    for item in GRID:
        value = exam.grades.get(item.path)
        reason = exam.reason_for(item.path)
        if value is None and not reason:
            continue
        component: dict[str, Any] = {"code": concept(item.path)}
        if value is None or value == NT:
            absent = {
                "coding": [
                    coding("not-performed", "Not Performed", DATA_ABSENT_REASON),
                    coding(NT),
                ],
                "text": reason or "Not testable (no reason recorded)",
            }
            component["dataAbsentReason"] = absent
        elif item.scale is Scale.SLR:
            component["valueBoolean"] = value
        else:
            component["valueCodeableConcept"] = concept(grade_code(item.scale, value),
                                                        text=str(value))
        components.append(component)
    return components


# -- the assessment ----------------------------------------------------------------------

def _risk_assessment(document: ExamDocument, assessment: Assessment, patient: str,
                     nurse: str, observation: str, procedure: str) -> dict[str, Any]:
    level = assessment.level
    level_ids = [f.id for f in assessment.level_rules]
    predictions = [{
        "outcome": concept(COMPLICATION),
        "qualitativeRisk": concept(level.value, text=level.value),
        "rationale": f"Highest level of the fired rules ({', '.join(level_ids)}): "
        f"{assessment.action}",
    }]
    for fired in assessment.level_rules:
        predictions.append({
            "outcome": concept(fired.id, text=fired.reason),
            "qualitativeRisk": concept(fired.level.value, text=fired.level.value),  # type: ignore[union-attr]
            "rationale": fired.reason,
        })
    notes = []
    withheld = {f.id for f in assessment.withheld_rules}
    for fired in (*assessment.level_rules, *assessment.advice):
        kind = fired.level.value if fired.level is not None else "advice"
        if fired.id in withheld:
            notes.append({"text": f"{fired.id} ({kind}): {fired.reason} Its steps are not "
                                  f"actions at level {level.value}."})
            continue
        steps = " ".join(fired.next_steps)
        notes.append({"text": f"{fired.id} ({kind}): {fired.reason} Next steps: {steps}"})
    mitigation = [FLAG_WORDS[flag] + "." for flag in assessment.flags]
    mitigation += assessment.next_steps
    mitigation.append(f"Next check due: {format_time(assessment.next_check_due)}.")
    extensions = [{"url": FIRED_RULE_EXTENSION, "valueCoding": coding(fired.id)}
                  for fired in assessment.fired]
    extensions += [{"url": FLAG_EXTENSION, "valueCode": flag} for flag in assessment.flags]
    return {
        "extension": extensions,
        "status": "final",
        "method": concept(PROTOCOL),
        "code": concept(ASSESSMENT),
        "subject": _ref(patient),
        "occurrenceDateTime": format_time(document.exam.performed_at),
        "performer": _ref(nurse),
        "basis": [_ref(observation), _ref(procedure)],
        "prediction": predictions,
        "mitigation": "\n".join(mitigation),
        "note": notes,
    }


def _communication(escalation: Mapping[str, Any], patient: str, observation: str,
                   risk: str) -> dict[str, Any]:
    role = str(escalation.get("role") or "").strip()
    name = str(escalation.get("name") or "").strip()
    called = " ".join(part for part in (role, name) if part) or "clinician (not recorded)"
    body: dict[str, Any] = {
        "status": "completed",
        "category": [concept(ESCALATION)],
        "subject": _ref(patient),
        "about": [_ref(risk)],
        "reasonReference": [_ref(observation)],
        "recipient": [{"display": called}],
        # The episode's calls up to the signature, as the note prints them: a call may
        # belong to an earlier exam, so no level is claimed for it here.
        "payload": [{"contentString": "Escalation about the post-procedure neurological "
                                      "check of this episode."}],
    }
    sent = _moment(escalation.get("called_at"))
    if sent:
        body["sent"] = sent
    notes = []
    response = str(escalation.get("response") or "").strip()
    if response:
        notes.append({"text": f"Response: {response}"})
    answered = _moment(escalation.get("response_at"))
    if answered:
        notes.append({"time": answered, "text": "Response received."})
    if notes:
        body["note"] = notes
    return body


def _moment(value: object) -> str | None:
    """A FHIR dateTime from a datetime or ISO text with an offset; None otherwise."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:  # FHIR needs the offset once there is a time of day
        return None
    return format_time(moment)


# -- the signed note -----------------------------------------------------------------------

def _document_reference(note_pdf: bytes, note_id: str, signed_at: datetime, patient: str,
                        nurse: str, related: list[str]) -> dict[str, Any]:
    signed = format_time(signed_at)
    return {
        "masterIdentifier": {"system": NOTE_SYSTEM, "value": note_id},
        "identifier": [{"system": NOTE_SHA256_SYSTEM,
                        "value": hashlib.sha256(note_pdf).hexdigest()}],
        "status": "current",
        "docStatus": "final",
        "type": concept(*LOINC_NURSE_NOTE, system=LOINC),
        "subject": _ref(patient),
        "date": signed,
        "author": [_ref(nurse)],
        "authenticator": _ref(nurse),
        "description": NOTE_TITLE,
        "content": [{
            "attachment": {
                "extension": [{"url": SHA256_EXTENSION,
                               "valueString": hashlib.sha256(note_pdf).hexdigest()}],
                "contentType": "application/pdf",
                "data": base64.b64encode(note_pdf).decode("ascii"),
                "size": len(note_pdf),
                "hash": sha1_base64(note_pdf),
                "title": f"{NOTE_TITLE} {note_id}",
                "creation": signed,
            },
        }],
        "context": {"related": [_ref(url) for url in related]},
    }


__all__ = ["BUNDLE_TYPE", "build_bundle", "sha1_base64"]
