"""The live assessment panel beside every wizard page.

It shows what the domain's `assess` says about the exam as it stands: the level (colour,
symbol and word), every rule that fired with its ID and reason, the next steps, the flags
and when the next check is due. It is refreshed after every change; labels are only
re-set when their text changes, so a refresh costs little more than the assessment.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import FLAG_WORDS, Assessment, Level
from desktop_app.domain.model import LEVEL_ACTIONS
from desktop_app.ui.theme import level_style

PANEL_WIDTH = 340


def due_text(due: datetime, exam_time: datetime) -> str:
    """`14:15 (15 min after this exam)`, or with the date when it is another day."""
    local = due.astimezone()
    minutes = round((due - exam_time).total_seconds() / 60)
    after = f"{minutes} min" if minutes < 120 else f"{minutes / 60:.1f} h"
    when = local.strftime("%H:%M") if local.date() == exam_time.astimezone().date() \
        else local.strftime("%d %b %H:%M")
    return f"{when} ({after} after this exam)"


def rule_text(fired) -> str:
    level = f" \u00b7 {fired.level.value.upper()}" if fired.level is not None else " \u00b7 advice"
    return f"<b>{fired.id}</b>{level}<br>{fired.reason}"


class LivePanel(QScrollArea):
    """The assessment of the current exam, always beside the page."""

    recordCallRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("assessment")
        self.setAccessibleName("Live assessment")
        self.setWidgetResizable(True)
        self.setFixedWidth(PANEL_WIDTH)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        self.setWidget(body)
        layout = QVBoxLayout(body)
        layout.setSpacing(6)

        self.level = QLabel()
        self.level.setObjectName("assessment.level")
        self.level.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.level.setMinimumHeight(56)
        font = self.level.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.level.setFont(font)
        layout.addWidget(self.level)

        self.action = self._label("assessment.action", "What the level asks")
        layout.addWidget(self.action)
        self.pending = self._label("assessment.pending", "What is not entered yet")
        self.pending.setStyleSheet("color: #4e342e; font-style: italic;")
        layout.addWidget(self.pending)
        self.record_call = QPushButton("Record the call\u2026")
        self.record_call.setObjectName("assessment.record_call")
        self.record_call.setAccessibleName("Record whom you called")
        self.record_call.clicked.connect(self.recordCallRequested)
        layout.addWidget(self.record_call)

        self.flags = self._label("assessment.flags", "Flags")
        self.flags.setStyleSheet("background: #fff3e0; border: 2px solid #e65100; "
                                 "border-radius: 4px; padding: 4px; font-weight: bold;")
        layout.addWidget(self.flags)
        self.timing = self._label("assessment.timing", "Time since the procedure and next check")
        layout.addWidget(self.timing)

        layout.addWidget(self._heading("Rules that fired"))
        self.rules = self._label("assessment.rules", "Rules that fired, with their reasons")
        self.rules.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.rules)
        layout.addWidget(self._heading("Next steps"))
        self.next_steps = self._label("assessment.next_steps", "Next steps")
        self.next_steps.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.next_steps)
        layout.addStretch(1)

        self.shown_level: Level | None = None
        self.shown_rules: list[str] = []
        self.shown_flags: list[str] = []
        self._key: object = object()
        self.show_problem("choose the procedure first")

    @staticmethod
    def _label(name: str, words: str) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setAccessibleName(words)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    @staticmethod
    def _heading(text: str) -> QLabel:
        label = QLabel(f"<b>{text}</b>")
        label.setAccessibleName(text)
        return label

    # showing ---------------------------------------------------------------------------
    def show_assessment(self, result: Assessment, exam_time: datetime,
                        escalation_missing: bool) -> None:
        flags = list(result.flags)
        key = (result.level, tuple(result.rule_ids), tuple(flags), result.next_check_due,
               round(result.findings.hours_since_procedure, 2), escalation_missing,
               tuple(result.next_steps))
        if key == self._key:
            return
        self._key = key
        raised = self.shown_level is None or result.level > self.shown_level
        self.shown_level = result.level
        self.shown_rules = result.rule_ids
        self.shown_flags = flags
        self._paint_level(result.level)
        self.action.setText(LEVEL_ACTIONS[result.level])
        self.record_call.setVisible(result.level >= Level.NOTIFY)
        self.record_call.setText("\u260e Record the call (required)" if escalation_missing
                                 else "\u260e Record another call")
        self.flags.setText("<br>".join(f"\u2716 {FLAG_WORDS[f]}" for f in flags))
        self.flags.setVisible(bool(flags))
        hours = result.findings.hours_since_procedure
        self.timing.setText(
            f"{hours:.1f} h since the procedure.<br><b>Next check due:</b> "
            f"{due_text(result.next_check_due, exam_time)}"
        )
        self.rules.setText("<br><br>".join(rule_text(f) for f in
                                          (*result.level_rules, *result.advice)))
        self.next_steps.setText("".join(f"\u2022 {step}<br>" for step in result.next_steps))
        if raised and result.level >= Level.URGENT:
            self._announce(f"Level {result.level.value}. {LEVEL_ACTIONS[result.level]}")

    def show_problem(self, problem: str) -> None:
        """No assessment can be made yet (no procedure, impossible times)."""
        key = ("problem", problem)
        if key == self._key:
            return
        self._key = key
        self.shown_level = None
        self.shown_rules = []
        self.shown_flags = []
        self._paint_level(None)
        self.action.setText(f"No assessment yet: {problem}.")
        self.record_call.setVisible(False)
        self.flags.setVisible(False)
        self.timing.clear()
        self.rules.clear()
        self.next_steps.clear()

    def show_pending(self, missing_items: int, unanswered_red_flags: int) -> None:
        """Say the level is provisional while required findings are still to come."""
        parts = []
        if unanswered_red_flags:
            parts.append(f"{unanswered_red_flags} red-flag question"
                         f"{'s' if unanswered_red_flags > 1 else ''} not answered")
        if missing_items:
            parts.append(f"{missing_items} required item{'s' if missing_items > 1 else ''} "
                         "not graded")
        text = f"Provisional: {' and '.join(parts)}." if parts else ""
        if self.pending.text() != text:
            self.pending.setText(text)
            self.pending.setVisible(bool(text))

    def _paint_level(self, level: Level | None) -> None:
        style = level_style(level)
        self.level.setText(f"{style.symbol} {style.word}")
        self.level.setAccessibleName(f"Level: {style.word.lower()}")
        self.level.setStyleSheet(
            f"background: {style.background}; color: {style.foreground}; "
            "border-radius: 6px; padding: 6px;"
        )

    def _announce(self, text: str) -> None:
        event = QAccessibleAnnouncementEvent(self.level, text)
        event.setPoliteness(QAccessible.AnnouncementPoliteness.Assertive)
        QAccessible.updateAccessibility(event)
