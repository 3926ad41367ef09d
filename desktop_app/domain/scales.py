"""The grading scales of the exam grid and the items that make up the grid.

Every grid item has a path, exactly as the exam document and the `not_tested` list spell
it (`sensory.L5.left.light_touch`), and a name in words for screens and screen readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

NT = "NT"
SIDES = ("left", "right")
# The order sides are shown in, on every screen, table and page: Right, then Left, as on the
# ISNCSCI worksheet.
SIDE_ORDER = ("right", "left")
DERMATOMES = ("L2", "L3", "L4", "L5", "S1")
SENSORY_MODALITIES = ("light_touch", "pinprick")

# key muscle -> (myotome, words)
LOWER_LIMB_MUSCLES: dict[str, tuple[str, str]] = {
    "hip_flexion": ("L2", "hip flexion"),
    "knee_extension": ("L3", "knee extension"),
    "ankle_dorsiflexion": ("L4", "ankle dorsiflexion"),
    "great_toe_extension": ("L5", "great toe extension"),
    "ankle_plantarflexion": ("S1", "ankle plantarflexion"),
}
WRIST_MUSCLES: dict[str, str] = {
    "wrist_extension": "wrist extension",
    "finger_extension": "finger extension",
}
REFLEXES: dict[str, tuple[str, str]] = {
    "patellar": ("L4", "patellar reflex"),
    "achilles": ("S1", "Achilles reflex"),
}

# Key sensory points, for the body map and the note.
KEY_SENSORY_POINTS: dict[str, str] = {
    "L2": "mid-anterior thigh",
    "L3": "medial femoral condyle",
    "L4": "medial malleolus",
    "L5": "dorsum of the foot at the third MTP joint",
    "S1": "lateral heel",
}
RADIAL_SENSORY_POINT = "dorsum of the first web space"


class Scale(IntEnum):
    """Which scale an item is graded on."""

    SENSORY = 1
    MRC = 2
    SLR = 3
    REFLEX = 4
    BROMAGE = 5


SENSORY_GRADES: dict[object, str] = {0: "absent", 1: "altered", 2: "normal", NT: "not testable"}
MRC_GRADES: dict[object, str] = {
    0: "no contraction",
    1: "flicker",
    2: "movement with gravity eliminated",
    3: "against gravity",
    4: "against some resistance",
    5: "normal",
    NT: "not testable",
}
SLR_GRADES: dict[object, str] = {
    True: "heel lifts off the bed",
    False: "cannot lift the heel",
    NT: "not testable",
}
REFLEX_GRADES: dict[object, str] = {
    "0": "absent",
    "1+": "reduced",
    "2+": "normal",
    "3+": "brisk",
    "4+": "clonus",
    NT: "not testable",
}
BROMAGE_GRADES: dict[object, str] = {
    0: "free movement",
    1: "just able to flex knees",
    2: "unable to flex knees",
    3: "unable to move legs or feet",
}

SCALE_GRADES: dict[Scale, dict[object, str]] = {
    Scale.SENSORY: SENSORY_GRADES,
    Scale.MRC: MRC_GRADES,
    Scale.SLR: SLR_GRADES,
    Scale.REFLEX: REFLEX_GRADES,
    Scale.BROMAGE: BROMAGE_GRADES,
}


def is_valid_grade(scale: Scale, value: object) -> bool:
    """True when `value` is on `scale` (booleans are never numeric grades, and vice versa)."""
    grades = SCALE_GRADES[scale]
    if scale is Scale.SLR:
        return value is True or value is False or value == NT
    if isinstance(value, (bool, float)):
        return False
    return value in grades


def grade_text(scale: Scale, value: object) -> str:
    """A grade as printed: `4 (against some resistance)`, `yes`, `NT`."""
    if value is None:
        return "not recorded"
    if scale is Scale.SLR:
        return {True: "yes", False: "no"}.get(value, NT)  # type: ignore[arg-type]
    if value == NT:
        return NT
    return str(value)


@dataclass(frozen=True)
class GridItem:
    """One cell of the exam grid."""

    path: str
    group: str  # sensory | motor | straight_leg_raise | reflexes | bromage
    side: str
    scale: Scale
    words: str  # "Left L5 light touch"
    lower_limb: bool = True


def _build_grid() -> tuple[GridItem, ...]:
    items: list[GridItem] = []
    for dermatome in DERMATOMES:
        for side in SIDES:
            for modality in SENSORY_MODALITIES:
                items.append(
                    GridItem(
                        f"sensory.{dermatome}.{side}.{modality}",
                        "sensory",
                        side,
                        Scale.SENSORY,
                        f"{side.capitalize()} {dermatome} {modality.replace('_', ' ')}",
                    )
                )
    for muscle, (_, words) in LOWER_LIMB_MUSCLES.items():
        for side in SIDES:
            items.append(
                GridItem(f"motor.{muscle}.{side}", "motor", side, Scale.MRC,
                         f"{side.capitalize()} {words}")
            )
    for muscle, words in WRIST_MUSCLES.items():
        for side in SIDES:
            items.append(
                GridItem(f"motor.{muscle}.{side}", "motor", side, Scale.MRC,
                         f"{side.capitalize()} {words}", lower_limb=False)
            )
    for side in SIDES:
        items.append(
            GridItem(f"straight_leg_raise.{side}", "straight_leg_raise", side, Scale.SLR,
                     f"{side.capitalize()} straight-leg raise")
        )
    for reflex, (_, words) in REFLEXES.items():
        for side in SIDES:
            items.append(
                GridItem(f"reflexes.{reflex}.{side}", "reflexes", side, Scale.REFLEX,
                         f"{side.capitalize()} {words}")
            )
    for side in SIDES:
        items.append(
            GridItem(f"bromage.{side}", "bromage", side, Scale.BROMAGE,
                     f"{side.capitalize()} Bromage score")
        )
    return tuple(items)


GRID: tuple[GridItem, ...] = _build_grid()
GRID_BY_PATH: dict[str, GridItem] = {item.path: item for item in GRID}
LOWER_LIMB_MOTOR_PATHS = tuple(
    f"motor.{m}.{s}" for m in LOWER_LIMB_MUSCLES for s in SIDES
)
WRIST_MOTOR_PATHS = tuple(f"motor.{m}.{s}" for m in WRIST_MUSCLES for s in SIDES)
