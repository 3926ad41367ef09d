"""The clinical core: exam model, scales, document loader, protocol rules, schedule.

Pure Python: no Qt, no SQLite, no PDF code, so it is importable and testable alone.
"""

from desktop_app.domain.assessment import (
    DO_NOT_DISCHARGE,
    FLAG_WORDS,
    NO_MOBILIZATION,
    Assessment,
    FiredRule,
    assess,
    not_part_of_exam,
    required_items,
    signing_gap_words,
    signing_gaps,
    unanswered_red_flags,
)
from desktop_app.domain.document import DocumentError, load_document, parse_json
from desktop_app.domain.escalation import (
    EscalationEntry,
    EscalationError,
    check_escalation,
    check_escalations,
)
from desktop_app.domain.findings import Findings
from desktop_app.domain.model import Exam, ExamDocument, Level, Patient, Procedure, Symptoms
from desktop_app.domain.rules import RULES, RULES_BY_ID, SOURCES, Rule
from desktop_app.domain.schedule import DEFAULT_POLICY, SchedulePolicy, next_check_due

__all__ = [
    "DEFAULT_POLICY",
    "DO_NOT_DISCHARGE",
    "FLAG_WORDS",
    "NO_MOBILIZATION",
    "RULES",
    "RULES_BY_ID",
    "SOURCES",
    "Assessment",
    "DocumentError",
    "EscalationEntry",
    "EscalationError",
    "Exam",
    "ExamDocument",
    "FiredRule",
    "Findings",
    "Level",
    "Patient",
    "Procedure",
    "Rule",
    "SchedulePolicy",
    "Symptoms",
    "assess",
    "check_escalation",
    "check_escalations",
    "load_document",
    "next_check_due",
    "not_part_of_exam",
    "parse_json",
    "required_items",
    "signing_gap_words",
    "signing_gaps",
    "unanswered_red_flags",
]
