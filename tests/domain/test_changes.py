"""Each item is compared with the most recent earlier exam in which it was graded."""

from __future__ import annotations

from datetime import datetime

from desktop_app.domain import load_document
from desktop_app.domain.findings import grade_changes
from desktop_app.report.samples import sample_raw


def serial(knee: list, touch: list) -> dict:
    """The sample episode with left knee extension and left L5 light touch per exam."""
    raw = sample_raw("emergency")
    exams = [*raw["previous_exams"], raw["exam"]]
    for exam, grade, feel in zip(exams, knee, touch, strict=True):
        exam["motor"]["knee_extension"]["left"] = grade
        exam["sensory"]["L5"]["left"]["light_touch"] = feel
        exam.setdefault("not_tested_reasons", {})["motor.knee_extension"] = "dressing"
    return raw


def test_an_nt_in_between_is_skipped_and_worse_and_better_are_named_with_their_exam():
    raw = serial(knee=[5, "NT", 4], touch=[2, 1, 2])
    changes = {c.path: c for c in grade_changes(load_document(raw))}
    knee = changes["motor.knee_extension.left"]
    assert (knee.before, knee.now, knee.direction) == (5, 4, "worse")
    assert knee.compared_with == datetime.fromisoformat(raw["previous_exams"][0]["performed_at"])
    touch = changes["sensory.L5.left.light_touch"]
    assert (touch.before, touch.now, touch.direction) == (1, 2, "better")
    assert touch.compared_with == datetime.fromisoformat(raw["previous_exams"][1]["performed_at"])


def test_an_item_graded_the_same_as_when_last_graded_is_no_change():
    raw = serial(knee=[4, "NT", 4], touch=[1, 1, 1])
    paths = {c.path for c in grade_changes(load_document(raw))}
    assert "motor.knee_extension.left" not in paths
    assert "sensory.L5.left.light_touch" not in paths
