"""NeuroCheck's FHIR vocabulary: the system URIs it uses and the local CodeSystem.

LOINC has no codes for the single cells of this exam grid (left L5 light touch, right
great toe extension...) nor for the grades it uses (MRC 0-5, the 0/1/2 sensory scale,
reflexes 0..4+, Bromage 0-3, "not testable"), so they are published here as one local
CodeSystem, built from the domain's own tables (`GRID`, `RULES`, the scales) so the
two can never disagree. `resources/fhir/CodeSystem-neurocheck.json` is this CodeSystem
written out (`python -m desktop_app.interop.codes` rewrites it; a test keeps it in step).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from desktop_app import __version__
from desktop_app.domain import RULES, Level
from desktop_app.domain.model import (
    IM_SITE_WORDS,
    LEVEL_ACTIONS,
    ONSETS,
    PROCEDURE_KIND_WORDS,
    SYMPTOM_KEYS,
    SYMPTOM_WORDS,
    TRENDS,
)
from desktop_app.domain.rules import APPLIES_WORDS, SOURCES
from desktop_app.domain.scales import (
    BROMAGE_GRADES,
    GRID,
    MRC_GRADES,
    NT,
    REFLEX_GRADES,
    SENSORY_GRADES,
    Scale,
)

BASE = "https://neurocheck.invalid/fhir"
CODESYSTEM_URL = f"{BASE}/CodeSystem/neurocheck"
# Identifier systems (NamingSystem-style URIs; `.invalid` until a hospital assigns real ones).
MRN_SYSTEM = f"{BASE}/sid/mrn"
EXAM_SYSTEM = f"{BASE}/sid/exam"
NOTE_SYSTEM = f"{BASE}/sid/note"
NOTE_SHA256_SYSTEM = f"{BASE}/sid/note-sha256"  # SHA-256 (hex) of the signed PDF
# Extensions defined by NeuroCheck.
SHA256_EXTENSION = f"{BASE}/StructureDefinition/attachment-sha256"
FIRED_RULE_EXTENSION = f"{BASE}/StructureDefinition/fired-rule"
FLAG_EXTENSION = f"{BASE}/StructureDefinition/care-flag"

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
V2_IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
DATA_ABSENT_EXTENSION = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"

# LOINC's display for 8705-6. It is a single nominal observation of the nervous system's
# findings, not a panel with member codes: the grid cells ride as components in local codes.
LOINC_NEURO_EXAM = ("8705-6", "Physical findings of Nervous system")
LOINC_NURSE_NOTE = ("34746-8", "Nurse Note")
SNOMED_IM_ROUTE = ("78421000", "Intramuscular route")

# Codes of concepts that are not grid items, grades or rules.
NEURO_CHECK = "neuro-check"
HOURS_SINCE_PROCEDURE = "hours_since_procedure"
ASSESSMENT = "neuro-check-assessment"
PROTOCOL = "neurocheck-protocol"
COMPLICATION = "neurological-complication"
ESCALATION = "escalation"

SCALE_PREFIX = {
    Scale.SENSORY: "sensory",
    Scale.MRC: "mrc",
    Scale.REFLEX: "reflex",
    Scale.BROMAGE: "bromage",
}
_SCALE_GRADES = {
    Scale.SENSORY: SENSORY_GRADES,
    Scale.MRC: MRC_GRADES,
    Scale.REFLEX: REFLEX_GRADES,
    Scale.BROMAGE: BROMAGE_GRADES,
}
_SCALE_WORDS = {
    Scale.SENSORY: "Sensory grade",
    Scale.MRC: "MRC muscle grade",
    Scale.REFLEX: "Reflex grade",
    Scale.BROMAGE: "Bromage score",
}


def grade_code(scale: Scale, value: object) -> str:
    """The code of a grade on an ordinal scale: `mrc-4`, `sensory-2`, `reflex-1+`."""
    return f"{SCALE_PREFIX[scale]}-{value}"


def grade_display(scale: Scale, value: object) -> str:
    """`4 (against some resistance)`: the grade and its meaning."""
    return f"{value} ({_SCALE_GRADES[scale][value]})"


def symptom_code(name: str) -> str:
    """The code of a symptom question, as a path like the grid's: `symptoms.numbness`."""
    return f"symptoms.{name}"


def coding(code: str, display: str | None = None, system: str = CODESYSTEM_URL) -> dict[str, str]:
    """A Coding; the display defaults to the one the CodeSystem gives `code`."""
    if display is None and system == CODESYSTEM_URL:
        display = DISPLAYS[code]
    result = {"system": system, "code": code}
    if display:
        result["display"] = display
    return result


def concept(code: str, display: str | None = None, system: str = CODESYSTEM_URL,
            text: str | None = None) -> dict[str, Any]:
    """A CodeableConcept with one coding and, when given, its text."""
    result: dict[str, Any] = {"coding": [coding(code, display, system)]}
    if text:
        result["text"] = text
    return result


def _concepts() -> list[dict[str, Any]]:
    concepts: list[dict[str, Any]] = [
        {"code": NEURO_CHECK, "display": "Post-procedure neurological check",
         "definition": "Focused lower-limb (and, after an IM injection, radial) neurological "
         "exam done by a ward nurse after an IM injection or a lumbar medial branch block."},
        {"code": HOURS_SINCE_PROCEDURE, "display": "Hours from the procedure to the exam",
         "definition": "Elapsed time, in hours, from the procedure to this exam."},
        {"code": ASSESSMENT, "display": "Post-procedure neurological risk assessment",
         "definition": "The recommendation level and the protocol rules that fired for one "
         "exam."},
        {"code": PROTOCOL, "display": "NeuroCheck protocol rule table",
         "definition": "The rule table of the NeuroCheck protocol: every rule and advice "
         "carries an ID, a level and the source it comes from."},
        {"code": COMPLICATION,
         "display": "Neurological complication of the procedure",
         "definition": "Nerve injury, cauda equina syndrome or spinal compression after "
         "the procedure."},
        {"code": ESCALATION, "display": "Escalation by the ward nurse",
         "definition": "A call made by the nurse to a clinician about this check."},
    ]
    for kind, words in PROCEDURE_KIND_WORDS.items():
        concepts.append({"code": kind, "display": words[0].upper() + words[1:]})
    for site, words in IM_SITE_WORDS.items():
        concepts.append({"code": f"site-{site}", "display": f"IM injection site: {words}"})
    for item in GRID:
        concepts.append({
            "code": item.path,
            "display": item.words,
            "property": [{"code": "scale", "valueCode": item.scale.name.lower()}],
        })
    for name in SYMPTOM_KEYS:
        concepts.append({"code": symptom_code(name), "display": SYMPTOM_WORDS[name]})
    for onset in ONSETS:
        concepts.append({"code": f"onset-{onset}", "display": f"Onset: {onset}"})
    for trend in TRENDS:
        concepts.append({"code": f"trend-{trend}", "display": f"Trend: {trend}"})
    for scale, grades in _SCALE_GRADES.items():
        for value in grades:
            if value == NT:
                continue
            concepts.append({
                "code": grade_code(scale, value),
                "display": grade_display(scale, value),
                "definition": f"{_SCALE_WORDS[scale]} {value}: {grades[value]}.",
                "property": [{"code": "scale", "valueCode": scale.name.lower()}],
            })
    concepts.append({"code": NT, "display": "Not testable",
                     "definition": "The item could not be tested; the nurse records why."})
    for level in Level:
        concepts.append({"code": level.value, "display": level.value.capitalize(),
                         "definition": LEVEL_ACTIONS[level]})
    for rule in RULES:
        kind = "advice" if rule.is_advice else f"level {rule.level.value}"  # type: ignore[union-attr]
        concepts.append({
            "code": rule.id,
            "display": rule.reason,
            "definition": f"{rule.id} ({APPLIES_WORDS[rule.applies_to]}; {kind}): when "
            f"{rule.when}. Source: {SOURCES[rule.source]}.",
        })
    return concepts


CONCEPTS: tuple[dict[str, Any], ...] = tuple(_concepts())
DISPLAYS: dict[str, str] = {c["code"]: c["display"] for c in CONCEPTS}


def neurocheck_codesystem() -> dict[str, Any]:
    """The NeuroCheck CodeSystem resource, as published in `resources/fhir/`."""
    return {
        "resourceType": "CodeSystem",
        "id": "neurocheck",
        "url": CODESYSTEM_URL,
        "version": __version__,
        "name": "NeuroCheck",
        "title": "NeuroCheck post-procedure neurological check",
        "status": "draft",
        "experimental": False,
        "publisher": "NeuroCheck",
        "description": "Exam-grid items, symptom questions, grades that LOINC lacks (MRC "
        "0-5, sensory 0/1/2, reflexes 0..4+, Bromage 0-3, not testable), recommendation "
        "levels and protocol rule IDs used in NeuroCheck's FHIR export.",
        "caseSensitive": True,
        "content": "complete",
        "property": [{
            "code": "scale",
            "description": "The scale a grid item is graded on, or the scale a grade belongs to",
            "type": "code",
        }],
        "count": len(CONCEPTS),
        "concept": [dict(c) for c in CONCEPTS],
    }


def codesystem_path() -> Path:
    """Where the published CodeSystem lives in `resources/`."""
    from desktop_app.paths import resource_path

    return resource_path("fhir", "CodeSystem-neurocheck.json")


def codesystem_text() -> str:
    """The CodeSystem as the file holds it (UTF-8 JSON, two-space indent, final newline)."""
    return json.dumps(neurocheck_codesystem(), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":  # rewrite the published file after a change to the domain tables
    path = codesystem_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(codesystem_text(), encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)
