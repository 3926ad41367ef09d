"""The assessment: every rule that fired, the level, flags, next steps, next check due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from desktop_app.domain.findings import Findings, derive
from desktop_app.domain.model import (
    GLUTEAL_SITES,
    RED_FLAG_SYMPTOMS,
    SYMPTOM_WORDS,
    ExamDocument,
    Level,
    format_time,
    level_action,
)
from desktop_app.domain.rules import RULES, RULES_BY_ID, Case, Rule
from desktop_app.domain.scales import (
    DERMATOMES,
    GRID,
    GRID_BY_PATH,
    LOWER_LIMB_MUSCLES,
    NT,
    REFLEXES,
    SENSORY_MODALITIES,
    SIDES,
    WRIST_MUSCLES,
)
from desktop_app.domain.schedule import DEFAULT_POLICY, SchedulePolicy, next_check_due

DO_NOT_DISCHARGE = "do_not_discharge"
NO_MOBILIZATION = "no_mobilization"
FLAG_WORDS = {
    DO_NOT_DISCHARGE: "Do not discharge",
    NO_MOBILIZATION: "No mobilization: fall risk, keep in a monitored setting until motor "
    "function returns",
}


@dataclass(frozen=True)
class FiredRule:
    """A rule or advice that applies to this exam, with what it says here."""

    rule: Rule
    level: Level | None
    next_steps: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.rule.id

    @property
    def reason(self) -> str:
        return self.rule.reason


@dataclass(frozen=True)
class Assessment:
    level: Level
    fired: tuple[FiredRule, ...]
    flags: tuple[str, ...]
    findings: Findings
    next_check_due: datetime
    not_tested_reasons: dict[str, str]
    procedure_kind: str | None = None

    @property
    def action(self) -> str:
        """What the level asks for, naming whom to notify for this procedure."""
        return level_action(self.level, self.procedure_kind)

    @property
    def rule_ids(self) -> list[str]:
        return [f.id for f in self.fired]

    @property
    def level_rules(self) -> tuple[FiredRule, ...]:
        """Fired rules that set a level, highest level first."""
        rules = [f for f in self.fired if f.level is not None]
        return tuple(sorted(rules, key=lambda f: -f.level.rank))  # type: ignore[union-attr]

    @property
    def advice(self) -> tuple[FiredRule, ...]:
        return tuple(f for f in self.fired if f.level is None)

    @property
    def acting_rules(self) -> tuple[FiredRule, ...]:
        """The fired rules whose steps are actions at this level, highest level first.

        Steps of observe-level rules (reassure, re-check, monitor) would contradict a
        notify level or above: those rules stay in the basis, their steps are no action.
        Advice is always listed; notify steps stand beside urgent and emergency ones.
        """
        return tuple(
            f for f in (*self.level_rules, *self.advice)
            if f.level is None or f.level != Level.OBSERVE or self.level == Level.OBSERVE
        )

    @property
    def withheld_rules(self) -> tuple[FiredRule, ...]:
        """Fired rules (in the basis) whose steps are not actions at this level."""
        acting = set(map(id, self.acting_rules))
        return tuple(f for f in self.level_rules if id(f) not in acting)

    @property
    def next_steps(self) -> list[str]:
        """What the nurse does now: the steps of `acting_rules`, each once."""
        steps: list[str] = []
        for fired in self.acting_rules:
            for step in fired.next_steps:
                if step not in steps:
                    steps.append(step)
        return steps

    def to_json(self) -> dict[str, Any]:
        """The `assess` output of EXAM_FORMAT.md."""
        return {
            "level": self.level.value,
            "rules": self.rule_ids,
            "flags": list(self.flags),
            "hours_since_procedure": round(self.findings.hours_since_procedure, 4),
            "findings": self.findings.to_json(),
            "not_tested": list(self.findings.not_tested),
            "next_steps": self.next_steps,
            "next_check_due": format_time(self.next_check_due),
        }


def assess(document: ExamDocument, policy: SchedulePolicy = DEFAULT_POLICY) -> Assessment:
    """Apply every rule of the protocol to the current exam of `document`."""
    findings = derive(document)
    case = Case(document, findings)
    fired: list[FiredRule] = []
    for rule in RULES:
        if rule.is_advice or rule.id == "NONE":
            continue
        if rule.applies(case):
            fired.append(FiredRule(rule, rule.level_in(case), rule.steps_in(case)))
    if not fired:
        none = RULES_BY_ID["NONE"]
        fired.append(FiredRule(none, none.level, none.next_steps))
    level = max((f.level for f in fired if f.level is not None), key=lambda lv: lv.rank)
    advice_case = Case(document, findings, level)
    for rule in RULES:
        if rule.is_advice and rule.applies(advice_case):
            fired.append(FiredRule(rule, None, rule.steps_in(advice_case)))
    flags = []
    if findings.slr_failed or findings.significant_weakness or level >= Level.URGENT:
        flags.append(DO_NOT_DISCHARGE)
    if findings.lower_limb_motor_deficit or findings.slr_failed:
        flags.append(NO_MOBILIZATION)
    due = next_check_due(document.procedure, document.exam.performed_at, level, policy)
    return Assessment(level, tuple(fired), tuple(flags), findings, due,
                      dict(document.exam.not_tested_reasons), document.procedure.kind)


def required_items(document: ExamDocument) -> tuple[str, ...]:
    """Grid items that must be tested (or carry a not-tested reason) before signing."""
    procedure = document.procedure
    lower_limb_sensory = [
        f"sensory.{d}.{s}.{m}" for d in DERMATOMES for s in SIDES for m in SENSORY_MODALITIES
    ]
    lower_limb_motor = [f"motor.{m}.{s}" for m in LOWER_LIMB_MUSCLES for s in SIDES]
    slr = [f"straight_leg_raise.{s}" for s in SIDES]
    reflexes = [f"reflexes.{r}.{s}" for r in REFLEXES for s in SIDES]
    wrist = [f"motor.{m}.{s}" for m in WRIST_MUSCLES for s in SIDES]
    if procedure.is_block:
        wanted = lower_limb_sensory + lower_limb_motor + slr + reflexes
    elif procedure.site == "deltoid":
        wanted = wrist
    elif procedure.site in (*GLUTEAL_SITES, "vastus_lateralis"):
        wanted = lower_limb_sensory + lower_limb_motor + slr
    else:
        # Site other or not recorded: the nerve at risk is unknown, so both distributions.
        wanted = lower_limb_sensory + lower_limb_motor + slr + wrist
    order = {item.path: index for index, item in enumerate(GRID)}
    return tuple(sorted(set(wanted), key=order.__getitem__))


def not_part_of_exam(document: ExamDocument) -> tuple[str, ...]:
    """Items not tested, without a reason, that the protocol does not require for this
    procedure (the leg items after a deltoid injection): not part of this exam, unlike a
    required item left untested."""
    exam = document.exam
    required = set(required_items(document))
    return tuple(
        path for path in derive(document).not_tested
        if path not in required and not exam.reason_for(path) and path not in exam.grades
    )


def unanswered_red_flags(document: ExamDocument) -> list[str]:
    """The red-flag questions of the current exam left "not asked", as `symptoms.NAME`
    paths. A note is never signed with one of them unanswered, however the exam came in."""
    symptoms = document.exam.symptoms
    return [f"symptoms.{name}" for name in RED_FLAG_SYMPTOMS
            if getattr(symptoms, name) is None]


def signing_gaps(document: ExamDocument) -> list[str]:
    """What stops a note being signed: red-flag questions not asked (`symptoms.NAME`),
    then required items untested without a reason and any item marked NT without a
    reason (grid paths). Empty when the exam may be signed."""
    exam = document.exam
    gaps = []
    for path in required_items(document):
        if not exam.is_tested(path) and not exam.reason_for(path):
            gaps.append(path)
    for path, value in exam.grades.items():
        if value == NT and path not in gaps and not exam.reason_for(path):
            gaps.append(path)
    order = {item.path: index for index, item in enumerate(GRID)}
    return unanswered_red_flags(document) + sorted(gaps, key=order.__getitem__)


def signing_gap_words(path: str) -> str:
    """A signing gap in the ward's words ("Saddle anaesthesia (...): not asked")."""
    if path.startswith("symptoms."):
        name = path.split(".", 1)[1]
        return f"{SYMPTOM_WORDS.get(name, name)}: not asked"
    item = GRID_BY_PATH.get(path)
    return item.words if item else path
