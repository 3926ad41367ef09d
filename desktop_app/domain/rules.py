"""The protocol as a table (PROTOCOL.md section 4): one entry per rule and advice ID.

The GUI, the PDF, the traceability matrix and the tests all read `RULES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from desktop_app.domain.findings import Findings
from desktop_app.domain.model import GLUTEAL_SITES, ExamDocument, Level

SOURCES = {
    "000": "Numbness after an IM injection",
    "002": "Leg numbness after a lumbar medial branch block",
    "003": "Foot drop after an IM injection",
    "protocol": "Protocol default when no rule fires",
}
ANY, BLOCK, IM = "any", "medial_branch_block", "im_injection"
APPLIES_WORDS = {ANY: "any procedure", BLOCK: "medial branch block", IM: "IM injection"}


@dataclass(frozen=True)
class Case:
    """What a rule reads: the document, its findings and (for advice) the overall level."""

    document: ExamDocument
    findings: Findings
    level: Level | None = None

    @property
    def t(self) -> float:
        return self.findings.hours_since_procedure

    @property
    def symptoms(self):
        return self.document.exam.symptoms

    @property
    def procedure(self):
        return self.document.procedure

    @property
    def numb_or_sensory(self) -> bool:
        return self.symptoms.numbness is True or bool(self.findings.sensory_deficit)

    @property
    def motor(self) -> bool:
        return bool(self.findings.motor_deficit)


@dataclass(frozen=True)
class Rule:
    """One protocol entry. `level` is None for advice, which never changes the level."""

    id: str
    applies_to: str
    when: str
    level: Level | None
    condition: Callable[[Case], bool]
    reason: str
    next_steps: tuple[str, ...]
    source: str
    level_for: Callable[[Case], Level] | None = None  # when the level depends on the case
    extra_steps: Callable[[Case], tuple[str, ...]] | None = None

    @property
    def is_advice(self) -> bool:
        return self.level is None

    def applies(self, case: Case) -> bool:
        return self.applies_to in (ANY, case.procedure.kind) and self.condition(case)

    def level_in(self, case: Case) -> Level | None:
        return self.level_for(case) if self.level_for else self.level

    def steps_in(self, case: Case) -> tuple[str, ...]:
        extra = self.extra_steps(case) if self.extra_steps else ()
        return self.next_steps + extra


def _haematoma_steps(case: Case) -> tuple[str, ...]:
    anticoagulated = case.procedure.anticoagulated
    if anticoagulated == "yes":
        return ("The patient is anticoagulated: consider an epidural haematoma.",)
    if anticoagulated in (None, "unknown"):
        return ("Anticoagulation status not known: establish it now; an epidural haematoma "
                "must be considered.",)
    return ()


EMERGENCY_STEPS = (
    "Urgent MRI.",
    "Escalate under the institution's neurological emergency protocol.",
)

RULES: tuple[Rule, ...] = (
    Rule(
        "RF-1", ANY, "saddle anaesthesia or new bowel/bladder dysfunction (any time)",
        Level.EMERGENCY,
        lambda c: c.symptoms.saddle_anaesthesia is True or c.symptoms.bowel_bladder_dysfunction is True,
        "Saddle anaesthesia or new bowel/bladder dysfunction: possible cauda equina syndrome.",
        EMERGENCY_STEPS, "002", extra_steps=_haematoma_steps,
    ),
    Rule(
        "RF-2", ANY, "bilateral, when the procedure was one-sided or t > 4 h",
        Level.EMERGENCY,
        lambda c: c.findings.bilateral and (c.procedure.one_sided or c.t > 4),
        "Deficit or symptoms in both legs, not explained by a two-sided block in its first "
        "4 h: possible cauda equina syndrome or spinal compression.",
        EMERGENCY_STEPS, "002", extra_steps=_haematoma_steps,
    ),
    Rule(
        "RF-3", BLOCK, "progressive weakness: t > 4 h emergency, t <= 4 h urgent",
        Level.EMERGENCY,
        lambda c: c.findings.progressive_weakness,
        "Progressive weakness after the block.",
        EMERGENCY_STEPS, "002",
        level_for=lambda c: Level.EMERGENCY if c.t > 4 else Level.URGENT,
        extra_steps=lambda c: _haematoma_steps(c) + (
            () if c.t > 4 else ("Within 4 h: urgent evaluation of a spreading block.",)),
    ),
    Rule(
        "MBB-1", BLOCK, "straight-leg raise failed", Level.URGENT,
        lambda c: c.findings.slr_failed,
        "Cannot lift the heel off the bed: significant motor block.",
        ("Urgent evaluation of the motor block.", "Keep monitored; no mobilization.",
         "Do not discharge."),
        "002",
    ),
    Rule(
        "MBB-2", BLOCK, "motor deficit, t <= 4 h", Level.OBSERVE,
        lambda c: c.motor and c.t <= 4,
        "Motor deficit within 4 h of the block: expected effect of the local anaesthetic.",
        ("Keep monitored until the straight-leg raise is possible.",
         "Document the baseline motor and sensory exam for comparison.",
         "No mobilization until motor function returns (fall risk)."),
        "002",
    ),
    Rule(
        "MBB-3", BLOCK, "motor deficit, t > 4 h", Level.URGENT,
        lambda c: c.motor and c.t > 4,
        "Motor weakness persisting beyond 4 h after the block.",
        ("Immediate neurological evaluation by a physician.",
         "Full motor exam (hip flexion, knee extension, ankle dorsi/plantarflexion, toes) "
         "and reflexes (knee, ankle)."),
        "002",
    ),
    Rule(
        "MBB-4", BLOCK, "sensory deficit or numbness, t <= 4 h", Level.OBSERVE,
        lambda c: c.numb_or_sensory and c.t <= 4,
        "Numbness within 4 h of the block: expected, should resolve within 2-4 h.",
        ("Reassure the patient: expected to resolve within 2-4 h.", "Re-check on schedule."),
        "002",
    ),
    Rule(
        "MBB-5", BLOCK, "sensory deficit or numbness, 4 h < t <= 24 h", Level.NOTIFY,
        lambda c: c.numb_or_sensory and 4 < c.t <= 24,
        "Numbness persisting beyond 4 h after the block.",
        ("Notify the proceduralist / anaesthesiologist now for a formal neurological "
         "assessment.",
         "Full motor exam and reflexes.",
         "Urgent MRI if any red flag appears (progressive weakness, saddle anaesthesia, "
         "bowel/bladder dysfunction, both legs)."),
        "002",
    ),
    Rule(
        "MBB-6", BLOCK,
        "sensory or lower-limb motor deficit, numbness or radicular pain, t > 24 h",
        Level.URGENT,
        lambda c: c.t > 24 and (
            c.numb_or_sensory
            or bool(c.findings.lower_limb_motor_deficit)
            or c.symptoms.radicular_pain is True
        ),
        "Symptoms or deficit beyond 24 h after the block: never normal.",
        ("Urgent investigation: epidural haematoma, abscess, direct nerve injury, "
         "intrathecal injection.",
         "Escalate under the institution's protocol for neurological emergencies."),
        "002", extra_steps=lambda c: ("The patient is anticoagulated: consider an epidural "
                                      "haematoma first.",)
        if c.procedure.anticoagulated == "yes" else (),
    ),
    Rule(
        "MBB-7", BLOCK, "radicular pain", Level.NOTIFY,
        lambda c: c.symptoms.radicular_pain is True,
        "Radicular pain: a medial branch block should not cause radicular symptoms; "
        "suspected nerve-root involvement.",
        ("Notify the proceduralist / anaesthesiologist for evaluation of nerve-root "
         "involvement.",),
        "002",
    ),
    Rule(
        "MBB-8", BLOCK, "atypical recovery: light touch normal while a motor deficit persists",
        Level.NOTIFY,
        lambda c: c.findings.atypical_recovery,
        "Light touch is normal while weakness persists: the recovery order does not fit a "
        "local anaesthetic effect (motor returns first, then light touch, then pinprick).",
        ("Notify the proceduralist / anaesthesiologist: recovery does not fit the block.",),
        "002",
    ),
    Rule(
        "IM-1", IM, "onset immediate and (radicular pain or any motor deficit)", Level.URGENT,
        lambda c: c.symptoms.onset == "immediate"
        and (c.symptoms.radicular_pain is True or c.motor),
        "Immediate onset with shooting pain or weakness: likely nerve injury.",
        ("Urgent evaluation by a physician for nerve injury.",),
        "000",
    ),
    Rule(
        "IM-2", IM, "any motor deficit (any onset)", Level.URGENT,
        lambda c: c.motor,
        "Motor involvement after the injection: suspected nerve injury.",
        ("Urgent physician evaluation.",
         "Test the sciatic distribution (foot dorsiflexion and plantarflexion) or the radial "
         "distribution (wrist and finger extension)."),
        "000",
    ),
    Rule(
        "IM-3", IM, "sensory deficit or numbness, no motor deficit, trend improving",
        Level.OBSERVE,
        lambda c: c.numb_or_sensory and not c.motor and c.symptoms.trend == "improving",
        "Isolated numbness that is improving: a benign course is likely.",
        ("Reassure the patient.", "Monitor for resolution within days."),
        "000",
    ),
    Rule(
        "IM-4", IM, "sensory deficit or numbness, no motor deficit, trend stable or unknown, "
        "t <= 48 h", Level.OBSERVE,
        lambda c: c.numb_or_sensory and not c.motor
        and (c.symptoms.trend or "unknown") in ("stable", "unknown") and c.t <= 48,
        "Isolated numbness, not yet improving, within 48 h.",
        ("Document the deficit precisely.", "Re-assess for progression over 24-48 h."),
        "000",
    ),
    Rule(
        "IM-5", IM, "sensory deficit or numbness, no motor deficit, and (trend worsening, or "
        "t > 48 h and not improving)", Level.NOTIFY,
        lambda c: c.numb_or_sensory and not c.motor and (
            c.symptoms.trend == "worsening"
            or (c.t > 48 and c.symptoms.trend != "improving")
        ),
        "Numbness that is worsening, or not improving after 48 h: not a benign course.",
        ("Prescriber review now.",),
        "000",
    ),
    Rule(
        "IM-6", IM, "radicular pain, onset not immediate", Level.NOTIFY,
        lambda c: c.symptoms.radicular_pain is True and c.symptoms.onset != "immediate",
        "Shooting pain after the injection: nerve irritation possible.",
        ("Prescriber review.",),
        "000",
    ),
    # NONE is evaluated after the rules above; its condition is filled in by `assess`.
    Rule(
        "NONE", ANY, "no rule above fired", Level.OBSERVE,
        lambda c: False,
        "No neurological deficit found.",
        ("Routine care.",),
        "protocol",
    ),
    # Follow-up and prevention advice: added to next steps, never changes the level.
    Rule(
        "FU-EMG", IM, "numbness or any deficit, t > 60 days (1440 h)", None,
        lambda c: c.t > 1440 and (c.numb_or_sensory or c.motor),
        "Symptoms persist beyond 60 days after the injection.",
        ("Electrodiagnostic studies (needle EMG); before 60 days EMG can be falsely "
         "reassuring.",),
        "000",
    ),
    Rule(
        "FU-FOOTDROP", ANY, "foot drop on either side", None,
        lambda c: bool(c.findings.foot_drop),
        "Foot drop (ankle dorsiflexion MRC 2 or below).",
        ("Ankle-foot orthosis now.",
         "Physiotherapy 2-3 sessions a week for 6-12 weeks; electrical stimulation may help.",
         "Surgical opinion if no improvement after 3-6 months."),
        "003",
    ),
    Rule(
        "FU-SCIATIC", IM, "gluteal site and overall level urgent or higher", None,
        lambda c: c.procedure.site in GLUTEAL_SITES
        and c.level is not None and c.level >= Level.URGENT,
        "Suspected sciatic nerve injury after a gluteal injection.",
        ("Physician may consider an early transsacral block with methylprednisolone.",
         "Surgical exploration / neurolysis within 3 months if needed.",
         "Neuropathic pain treatment, physiotherapy and assistive devices."),
        "000",
    ),
    Rule(
        "FU-RADIAL", IM, "deltoid site and wrist or finger extension below 5", None,
        lambda c: c.procedure.site == "deltoid" and any(
            isinstance(g := c.document.exam.grade(f"motor.{m}.{s}"), int) and g < 5
            for m in ("wrist_extension", "finger_extension") for s in ("left", "right")
        ),
        "Weak wrist or finger extension after a deltoid injection.",
        ("Radial nerve injury suspected: wrist splint and physician review.",),
        "000",
    ),
    Rule(
        "FU-SEDATION", BLOCK, "sedation recorded (anything but none)", None,
        lambda c: bool((c.procedure.sedation or "").strip())
        and c.procedure.sedation.strip().lower() != "none",
        "Sedation was given with the block.",
        ("Sedation does not change how post-block symptoms are read.",),
        "002",
    ),
    Rule(
        "PR-SITE", IM, "dorsogluteal site", None,
        lambda c: c.procedure.site == "dorsogluteal",
        "Dorsogluteal injection site.",
        ("For future injections prefer the ventrogluteal site or the anterolateral thigh; "
         "avoid gluteal injections when an alternative exists.",),
        "000",
    ),
    Rule(
        "PR-VOLUME", BLOCK, "volume per level above 0.5 mL", None,
        lambda c: c.procedure.volume_ml_per_level is not None
        and c.procedure.volume_ml_per_level > 0.5,
        "Volume per level above the usual 0.25-0.5 mL.",
        ("Volumes of 0.5 mL or more spread beyond the target; 0.25 mL per level is the "
         "minimum effective volume.",),
        "002",
    ),
    Rule(
        "PR-CONC", BLOCK, "anaesthetic concentration 2% or more", None,
        lambda c: c.procedure.concentration_percent is not None
        and c.procedure.concentration_percent >= 2,
        "Local anaesthetic at 2% or more.",
        ("1% causes fewer transient neurological events than 2%.",),
        "002",
    ),
    Rule(
        "PR-FLUORO", BLOCK, "fluoroscopy with contrast recorded as not used", None,
        lambda c: c.procedure.fluoroscopy_contrast is False,
        "No real-time fluoroscopy with contrast.",
        ("Real-time fluoroscopy with contrast and aspiration reduce vascular uptake.",),
        "002",
    ),
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
