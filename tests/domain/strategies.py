"""Hypothesis strategies: valid exam documents of both procedure kinds."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st

from desktop_app.domain.model import SYMPTOM_KEYS
from desktop_app.domain.scales import GRID, SCALE_GRADES, Scale
from tests.domain.builders import PROCEDURE_AT, set_path

BOOLEAN_SYMPTOMS = [k for k in SYMPTOM_KEYS if k not in ("onset", "trend")]


def grade_values(scale: Scale):
    return st.sampled_from(list(SCALE_GRADES[scale]))


@st.composite
def exams(draw, kind: str, hours: float):
    exam: dict = {"performed_at": (PROCEDURE_AT + timedelta(hours=hours)).isoformat()}
    symptoms = {k: draw(st.booleans()) for k in BOOLEAN_SYMPTOMS if draw(st.booleans())}
    if draw(st.booleans()):
        symptoms["onset"] = draw(st.sampled_from(["immediate", "delayed", "unknown"]))
    if draw(st.booleans()):
        symptoms["trend"] = draw(st.sampled_from(["improving", "stable", "worsening", "unknown"]))
    if symptoms:
        exam["symptoms"] = symptoms
    for item in GRID:
        if item.group == "bromage" and kind != "medial_branch_block":
            continue
        if draw(st.integers(0, 4)):  # mostly graded, sometimes left out
            set_path(exam, item.path, draw(grade_values(item.scale)))
    return exam


@st.composite
def documents(draw):
    kind = draw(st.sampled_from(["im_injection", "medial_branch_block"]))
    hours = draw(st.sampled_from([0, 1, 4, 4.01, 24, 24.01, 48, 48.01, 1440.01])
                 | st.floats(0, 2000, allow_nan=False))
    procedure: dict = {"kind": kind, "performed_at": PROCEDURE_AT.isoformat()}
    if draw(st.booleans()):
        procedure["side"] = draw(st.sampled_from(["left", "right", "bilateral"]))
    if draw(st.booleans()):
        procedure["anticoagulated"] = draw(st.sampled_from(["yes", "no", "unknown"]))
    if kind == "im_injection":
        if draw(st.booleans()):
            procedure["site"] = draw(st.sampled_from(
                ["dorsogluteal", "ventrogluteal", "deltoid", "vastus_lateralis", "other"]))
    else:
        if draw(st.booleans()):
            procedure["volume_ml_per_level"] = draw(st.sampled_from([0.25, 0.5, 0.6, 1]))
        if draw(st.booleans()):
            procedure["concentration_percent"] = draw(st.sampled_from([0.5, 1, 2]))
        if draw(st.booleans()):
            procedure["fluoroscopy_contrast"] = draw(st.booleans())
        if draw(st.booleans()):
            procedure["sedation"] = draw(st.sampled_from(["none", "midazolam"]))
    # Earlier exams are strictly earlier and one per moment (whole minutes before the exam).
    minutes_before = draw(st.lists(st.integers(1, int(hours * 60)), max_size=2, unique=True)
                          ) if hours * 60 >= 1 else []
    earlier_hours = [hours - m / 60 for m in sorted(minutes_before, reverse=True)]
    previous = [draw(exams(kind, h)) for h in earlier_hours]
    return {
        "format": "neuro-exam/1",
        "patient": {"mrn": draw(st.from_regex(r"[A-Za-z0-9-]{1,20}", fullmatch=True))},
        "procedure": procedure,
        "exam": draw(exams(kind, hours)),
        "previous_exams": previous,
    }
