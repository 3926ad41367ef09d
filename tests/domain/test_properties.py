"""Properties of the engine over generated exam documents."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_app.domain import DocumentError, Level, assess, load_document
from tests.conftest import ROOT
from tests.domain.strategies import documents

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.rule("RF-1", "RF-2")
@FAST
@given(documents(), st.sampled_from(["saddle_anaesthesia", "bowel_bladder_dysfunction",
                                     "bilateral_symptoms", "worsening_weakness"]))
def test_adding_a_red_flag_never_lowers_the_level(document, flag):
    before = assess(load_document(document)).level
    flagged = copy.deepcopy(document)
    flagged["exam"].setdefault("symptoms", {})[flag] = True
    after = assess(load_document(flagged)).level
    assert after >= before
    if flag in ("saddle_anaesthesia", "bowel_bladder_dysfunction"):
        assert after is Level.EMERGENCY


@FAST
@given(documents())
def test_the_level_is_the_highest_level_of_the_fired_rules(document):
    outcome = assess(load_document(document))
    levels = [f.level for f in outcome.fired if f.level is not None]
    assert levels, "some rule (at least NONE) always sets a level"
    assert outcome.level is max(levels, key=lambda level: level.rank)
    assert ("NONE" in outcome.rule_ids) == (len(levels) == 1 and outcome.fired[0].id == "NONE")
    json.dumps(outcome.to_json())  # every result is printable


@FAST
@given(documents())
def test_flags_follow_their_definitions(document):
    outcome = assess(load_document(document))
    findings = outcome.findings
    dnd = findings.slr_failed or findings.significant_weakness or outcome.level >= Level.URGENT
    assert ("do_not_discharge" in outcome.flags) is dnd
    no_mob = findings.slr_failed or bool(findings.lower_limb_motor_deficit)
    assert ("no_mobilization" in outcome.flags) is no_mob


@FAST
@given(documents())
def test_leaving_items_out_never_lowers_the_level_below_what_red_flags_give(document):
    outcome = assess(load_document(document))
    symptoms = document["exam"].get("symptoms", {})
    if symptoms.get("saddle_anaesthesia") or symptoms.get("bowel_bladder_dysfunction"):
        assert outcome.level is Level.EMERGENCY


MUTATIONS = [
    ("exam.motor.hip_flexion.left", 6), ("exam.motor.knee_extension.right", 4.0),
    ("exam.sensory.L4.left.pinprick", "2"), ("exam.reflexes.achilles.left", 2),
    ("exam.straight_leg_raise.right", 1), ("exam.performed_at", "2026-05-04T10:00:00"),
    ("procedure.performed_at", "yesterday"), ("procedure.kind", "spinal"),
    ("patient.mrn", "MRN 42"), ("exam.symptoms.trnd", "stable"), ("exam.bromage.left", -1),
    ("format", "neuro-exam/0"), ("exam.performed_at", "2020-01-01T00:00:00Z"),
]


def mutate(document, path, value):
    node = document
    *parents, leaf = path.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value
    return document


@FAST
@given(documents(), st.sampled_from(MUTATIONS))
def test_any_mutated_document_is_refused_with_a_document_error(document, mutation):
    broken = mutate(copy.deepcopy(document), *mutation)
    with pytest.raises(DocumentError) as caught:
        load_document(json.dumps(broken))
    assert caught.value.field and "\n" not in str(caught.value)


@settings(max_examples=12, deadline=None)
@given(documents(), st.sampled_from(MUTATIONS))
def test_mutated_documents_exit_2_through_the_command_without_a_traceback(document, mutation):
    broken = json.dumps(mutate(copy.deepcopy(document), *mutation)).encode()
    result = subprocess.run([sys.executable, "-m", "desktop_app", "assess", "-"],
                            input=broken, capture_output=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2 and result.stdout == b""
    assert b"Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1


@settings(max_examples=12, deadline=None)
@given(documents())
def test_valid_documents_get_a_result_through_the_command(document):
    result = subprocess.run([sys.executable, "-m", "desktop_app", "assess", "-"],
                            input=json.dumps(document).encode(), capture_output=True, cwd=ROOT,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["level"] in {"observe", "notify", "urgent", "emergency"}
