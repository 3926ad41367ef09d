"""One focused test (or more) per rule and advice ID, with the protocol's boundaries."""

from __future__ import annotations

import pytest

from desktop_app.domain import Level, assess, load_document
from tests.domain.builders import block, exam_at, im, set_path

rule = pytest.mark.rule


def result(document):
    return assess(load_document(document))


def fired(document) -> set[str]:
    return set(result(document).rule_ids)


NUMB = {"numbness": True}
L5_LEFT_ALTERED = {"sensory.L5.left.light_touch": 1, "sensory.L5.left.pinprick": 1}


# --- red flags ---------------------------------------------------------------------------

@rule("RF-1")
@pytest.mark.parametrize("flag", ["saddle_anaesthesia", "bowel_bladder_dysfunction"])
@pytest.mark.parametrize("make", [block, im])
def test_saddle_or_sphincter_is_an_emergency_at_any_time(flag, make):
    for hours in (0.1, 3, 30):
        outcome = result(make(hours, symptoms={flag: True}))
        assert outcome.level is Level.EMERGENCY
        assert "RF-1" in outcome.rule_ids
        assert "do_not_discharge" in outcome.flags


@rule("RF-1")
@pytest.mark.parametrize(("anticoagulated", "named"), [("yes", True), ("unknown", True), ("no", False)])
def test_red_flag_names_epidural_haematoma_when_anticoagulated(anticoagulated, named):
    outcome = result(block(2, symptoms={"saddle_anaesthesia": True}, anticoagulated=anticoagulated))
    steps = " ".join(outcome.next_steps)
    assert ("epidural haematoma" in steps) is named
    assert "Urgent MRI." in outcome.next_steps


@rule("RF-2")
def test_two_sided_deficit_after_one_sided_block_is_an_emergency_even_early():
    both = {**L5_LEFT_ALTERED, "sensory.L4.right.pinprick": 1}
    outcome = result(block(1, side="left", changes=both))
    assert outcome.findings.bilateral
    assert outcome.level is Level.EMERGENCY and "RF-2" in outcome.rule_ids


@rule("RF-2")
@pytest.mark.parametrize(("hours", "emergency"), [(4, False), (4.01, True)])
def test_two_sided_block_explains_two_sided_numbness_for_four_hours(hours, emergency):
    both = {**L5_LEFT_ALTERED, "sensory.L4.right.pinprick": 1}
    outcome = result(block(hours, side="bilateral", changes=both))
    assert ("RF-2" in outcome.rule_ids) is emergency


@rule("RF-2")
def test_side_not_recorded_counts_as_one_sided():
    outcome = result(block(1, side=None, symptoms={"bilateral_symptoms": True}))
    assert "RF-2" in outcome.rule_ids


@rule("RF-2")
def test_bilateral_may_mix_sensory_on_one_side_and_motor_on_the_other():
    changes = {"sensory.L3.left.light_touch": 1, "motor.knee_extension.right": 4}
    outcome = result(im(10, side="left", changes=changes))
    assert outcome.findings.bilateral and "RF-2" in outcome.rule_ids


@rule("RF-2")
def test_wrist_weakness_does_not_make_a_deficit_bilateral():
    changes = {"sensory.L3.left.light_touch": 1, "motor.wrist_extension.right": 4}
    outcome = result(im(10, site="other", changes=changes))
    assert not outcome.findings.bilateral


@rule("RF-3")
@pytest.mark.parametrize(("hours", "level"), [(4, Level.URGENT), (4.01, Level.EMERGENCY)])
def test_reported_worsening_weakness_after_a_block(hours, level):
    outcome = result(block(hours, symptoms={"worsening_weakness": True}))
    assert "RF-3" in outcome.rule_ids
    assert next(f for f in outcome.fired if f.id == "RF-3").level is level
    assert outcome.level is level


@rule("RF-3")
def test_serial_exams_detect_weakening_skipping_nt_in_between():
    previous = [
        exam_at(1, **{}),
        exam_at(2),
    ]
    set_path(previous[0], "motor.hip_flexion.left", 5)
    set_path(previous[1], "motor.hip_flexion.left", "NT")
    outcome = result(block(5, changes={"motor.hip_flexion.left": 4}, previous=previous))
    assert outcome.findings.weaker_than_before == ("motor.hip_flexion.left",)
    assert outcome.level is Level.EMERGENCY and "RF-3" in outcome.rule_ids


@rule("RF-3")
def test_recovering_strength_is_not_progression():
    previous = [exam_at(1)]
    set_path(previous[0], "motor.hip_flexion.left", 3)
    outcome = result(block(2, changes={"motor.hip_flexion.left": 4}, previous=previous))
    assert not outcome.findings.progressive_weakness
    assert "RF-3" not in outcome.rule_ids


@rule("RF-3")
def test_progression_is_compared_with_the_most_recent_graded_exam():
    previous = [exam_at(1), exam_at(2)]
    set_path(previous[0], "motor.hip_flexion.left", 5)
    set_path(previous[1], "motor.hip_flexion.left", 3)
    # 4 is below the first grade but above the most recent one: improving, not progressive.
    outcome = result(block(3, changes={"motor.hip_flexion.left": 4}, previous=previous))
    assert not outcome.findings.progressive_weakness


@rule("RF-3")
def test_progression_is_not_a_rule_for_an_im_injection():
    outcome = result(im(5, symptoms={"worsening_weakness": True}))
    assert "RF-3" not in outcome.rule_ids


# --- medial branch block -------------------------------------------------------------------

@rule("MBB-1")
@pytest.mark.parametrize("side", ["left", "right"])
def test_failed_straight_leg_raise_is_urgent(side):
    outcome = result(block(1, changes={f"straight_leg_raise.{side}": False}))
    assert outcome.level is Level.URGENT and "MBB-1" in outcome.rule_ids
    assert {"do_not_discharge", "no_mobilization"} <= set(outcome.flags)


@rule("MBB-2", "MBB-3")
@pytest.mark.parametrize(("hours", "rule_id", "level"),
                         [(4, "MBB-2", Level.OBSERVE), (4.01, "MBB-3", Level.URGENT)])
def test_motor_deficit_is_expected_for_four_hours_then_urgent(hours, rule_id, level):
    changes = {"motor.knee_extension.left": 4, "sensory.L3.left.light_touch": 1}
    outcome = result(block(hours, changes=changes))
    assert rule_id in outcome.rule_ids
    assert outcome.level is level
    assert "no_mobilization" in outcome.flags


@rule("MBB-2")
def test_wrist_weakness_is_not_a_block_motor_deficit():
    outcome = result(block(1, changes={"motor.wrist_extension.left": 3}))
    assert outcome.rule_ids == ["NONE"]


@rule("MBB-4", "MBB-5", "MBB-6")
@pytest.mark.parametrize(
    ("hours", "rule_id", "level"),
    [(4, "MBB-4", Level.OBSERVE), (4.01, "MBB-5", Level.NOTIFY),
     (24, "MBB-5", Level.NOTIFY), (24.01, "MBB-6", Level.URGENT)],
)
def test_numbness_after_a_block_by_hours(hours, rule_id, level):
    outcome = result(block(hours, symptoms=NUMB))
    assert outcome.rule_ids == [rule_id]
    assert outcome.level is level


@rule("MBB-4")
def test_a_sensory_deficit_without_reported_numbness_counts():
    assert fired(block(2, changes=L5_LEFT_ALTERED)) == {"MBB-4"}


@rule("MBB-6")
@pytest.mark.parametrize("symptoms,changes", [
    ({"radicular_pain": True}, {}),
    ({}, {"motor.ankle_plantarflexion.right": 4}),
    ({}, L5_LEFT_ALTERED),
])
def test_anything_left_beyond_24_hours_is_never_normal(symptoms, changes):
    outcome = result(block(30, symptoms=symptoms, changes=changes))
    assert "MBB-6" in outcome.rule_ids and outcome.level >= Level.URGENT


@rule("MBB-6")
def test_beyond_24_hours_names_anticoagulation():
    outcome = result(block(30, symptoms=NUMB, anticoagulated="yes"))
    assert any("anticoagulated" in step for step in outcome.next_steps)


@rule("MBB-7")
def test_radicular_pain_after_a_block_needs_the_proceduralist():
    outcome = result(block(1, symptoms={"radicular_pain": True}))
    assert outcome.rule_ids == ["MBB-7"] and outcome.level is Level.NOTIFY


@rule("MBB-8")
def test_weakness_with_normal_light_touch_is_atypical():
    outcome = result(block(2, changes={"motor.great_toe_extension.left": 4}))
    assert outcome.findings.atypical_recovery
    assert {"MBB-2", "MBB-8"} <= set(outcome.rule_ids) and outcome.level is Level.NOTIFY


@rule("MBB-8")
def test_not_atypical_when_light_touch_is_still_altered_or_untested():
    altered = block(2, changes={"motor.great_toe_extension.left": 4,
                                "sensory.L5.left.light_touch": 1})
    assert "MBB-8" not in fired(altered)
    untested = block(2, changes={"motor.great_toe_extension.left": 4})
    del untested["exam"]["sensory"]
    assert "MBB-8" not in fired(untested)


# --- IM injection -------------------------------------------------------------------------

@rule("IM-1")
@pytest.mark.parametrize("symptoms,changes", [
    ({"onset": "immediate", "radicular_pain": True, "numbness": True}, {}),
    ({"onset": "immediate"}, {"motor.ankle_dorsiflexion.left": 4}),
])
def test_immediate_onset_with_pain_or_weakness_is_likely_nerve_injury(symptoms, changes):
    outcome = result(im(1, symptoms=symptoms, changes=changes))
    assert "IM-1" in outcome.rule_ids and outcome.level is Level.URGENT


@rule("IM-1")
def test_immediate_numbness_alone_is_not_nerve_injury():
    outcome = result(im(1, symptoms={"onset": "immediate", "numbness": True}))
    assert "IM-1" not in outcome.rule_ids


@rule("IM-2")
@pytest.mark.parametrize("path", ["motor.ankle_plantarflexion.left", "motor.finger_extension.right"])
def test_any_motor_deficit_after_an_injection_is_urgent(path):
    outcome = result(im(3, site="other", changes={path: 4}))
    assert "IM-2" in outcome.rule_ids and outcome.level is Level.URGENT


@rule("IM-3")
def test_improving_isolated_numbness_is_benign():
    outcome = result(im(100, symptoms={"numbness": True, "trend": "improving"}))
    assert outcome.rule_ids == ["IM-3"] and outcome.level is Level.OBSERVE


@rule("IM-4", "IM-5")
@pytest.mark.parametrize(("hours", "trend", "rule_id"), [
    (48, "stable", "IM-4"), (48, None, "IM-4"), (48.01, "stable", "IM-5"),
    (48.01, "unknown", "IM-5"), (1, "worsening", "IM-5"),
])
def test_isolated_numbness_by_trend_and_hours(hours, trend, rule_id):
    symptoms = {"numbness": True} | ({"trend": trend} if trend else {})
    assert fired(im(hours, symptoms=symptoms)) == {rule_id}


@rule("IM-6")
@pytest.mark.parametrize("onset", ["delayed", "unknown", None])
def test_delayed_shooting_pain_needs_prescriber_review(onset):
    symptoms = {"radicular_pain": True} | ({"onset": onset} if onset else {})
    outcome = result(im(5, symptoms=symptoms))
    assert "IM-6" in outcome.rule_ids and outcome.level is Level.NOTIFY


@rule("NONE")
@pytest.mark.parametrize("make", [block, im])
def test_no_finding_means_routine_care(make):
    outcome = result(make(1))
    assert outcome.rule_ids == ["NONE"] and outcome.level is Level.OBSERVE
    assert outcome.flags == ()


@rule("NONE")
def test_missing_data_is_listed_never_taken_as_normal():
    document = im(1)
    document["exam"] = {"performed_at": document["exam"]["performed_at"]}
    outcome = result(document)
    assert "sensory.L2.left.light_touch" in outcome.findings.not_tested
    assert "straight_leg_raise.right" in outcome.findings.not_tested
    assert "bromage.left" not in outcome.findings.not_tested  # Bromage is for a block
    blocked = block(1)
    assert "bromage.left" in result(blocked).findings.not_tested


# --- advice --------------------------------------------------------------------------------

@rule("FU-EMG")
@pytest.mark.parametrize(("hours", "advised"), [(1440, False), (1440.01, True)])
def test_emg_only_after_sixty_days(hours, advised):
    outcome = result(im(hours, symptoms={"numbness": True, "trend": "stable"}))
    assert ("FU-EMG" in outcome.rule_ids) is advised


@rule("FU-FOOTDROP")
@pytest.mark.parametrize(("grade", "advised"), [(2, True), (3, False)])
def test_foot_drop_advice_at_dorsiflexion_two_or_below(grade, advised):
    outcome = result(block(1, changes={"motor.ankle_dorsiflexion.right": grade}))
    assert ("FU-FOOTDROP" in outcome.rule_ids) is advised
    assert outcome.findings.foot_drop == (("right",) if advised else ())


@rule("FU-SCIATIC")
@pytest.mark.parametrize(("site", "advised"), [
    ("dorsogluteal", True), ("ventrogluteal", True), ("vastus_lateralis", False)])
def test_sciatic_advice_for_a_gluteal_injection_at_urgent(site, advised):
    outcome = result(im(2, site=site, changes={"motor.ankle_dorsiflexion.left": 4}))
    assert ("FU-SCIATIC" in outcome.rule_ids) is advised


@rule("FU-SCIATIC")
def test_no_sciatic_advice_below_urgent():
    outcome = result(im(2, site="dorsogluteal", symptoms={"numbness": True, "trend": "worsening"}))
    assert outcome.level is Level.NOTIFY and "FU-SCIATIC" not in outcome.rule_ids


@rule("FU-RADIAL")
@pytest.mark.parametrize(("site", "advised"), [("deltoid", True), ("other", False)])
def test_radial_advice_after_a_deltoid_injection(site, advised):
    outcome = result(im(2, site=site, changes={"motor.finger_extension.left": 4}))
    assert ("FU-RADIAL" in outcome.rule_ids) is advised


@rule("FU-SEDATION")
@pytest.mark.parametrize(("sedation", "advised"), [("midazolam", True), ("none", False), (None, False)])
def test_sedation_advice(sedation, advised):
    extra = {"sedation": sedation} if sedation else {}
    assert ("FU-SEDATION" in fired(block(1, **extra))) is advised


@rule("PR-SITE")
@pytest.mark.parametrize(("site", "advised"), [("dorsogluteal", True), ("ventrogluteal", False)])
def test_prevention_advice_for_the_dorsogluteal_site(site, advised):
    assert ("PR-SITE" in fired(im(1, site=site))) is advised


@rule("PR-VOLUME")
@pytest.mark.parametrize(("volume", "advised"), [(0.5, False), (0.6, True)])
def test_volume_advice_above_half_a_millilitre(volume, advised):
    assert ("PR-VOLUME" in fired(block(1, volume_ml_per_level=volume))) is advised


@rule("PR-CONC")
@pytest.mark.parametrize(("percent", "advised"), [(1.5, False), (2, True)])
def test_concentration_advice_from_two_percent(percent, advised):
    assert ("PR-CONC" in fired(block(1, concentration_percent=percent))) is advised


@rule("PR-FLUORO")
@pytest.mark.parametrize(("used", "advised"), [(False, True), (True, False)])
def test_fluoroscopy_advice_only_when_recorded_as_not_used(used, advised):
    assert ("PR-FLUORO" in fired(block(1, fluoroscopy_contrast=used))) is advised
    assert "PR-FLUORO" not in fired(block(1))


@rule("NONE", "FU-SEDATION")
def test_advice_never_changes_the_level():
    outcome = result(block(1, sedation="midazolam", concentration_percent=2,
                           volume_ml_per_level=1, fluoroscopy_contrast=False))
    assert outcome.level is Level.OBSERVE
    assert {"NONE", "FU-SEDATION", "PR-CONC", "PR-VOLUME", "PR-FLUORO"} == set(outcome.rule_ids)


# --- flags and time -------------------------------------------------------------------------

@rule("MBB-2")
def test_significant_weakness_forbids_discharge_even_when_expected():
    outcome = result(block(1, changes={"motor.hip_flexion.left": 3}))
    assert outcome.level is Level.NOTIFY  # MBB-8: light touch normal
    assert {"do_not_discharge", "no_mobilization"} <= set(outcome.flags)


@rule("MBB-4", "MBB-5")
def test_time_zone_offsets_may_differ_between_procedure_and_exam():
    document = block(1, symptoms=NUMB)
    document["procedure"]["performed_at"] = "2026-05-04T08:00:00+01:00"
    document["exam"]["performed_at"] = "2026-05-04T11:00:00Z"  # 12:00 at +01:00: 4 h
    outcome = result(document)
    assert outcome.findings.hours_since_procedure == 4
    assert outcome.rule_ids == ["MBB-4"]
    document["exam"]["performed_at"] = "2026-05-04T07:00:01-05:00"  # 13:00:01 at +01:00
    assert fired(document) == {"MBB-5"}
