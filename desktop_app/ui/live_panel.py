"""The live assessment panel beside every wizard page.

It shows what the domain's `assess` says about the exam as it stands: the level (colour,
symbol and word), every rule that fired with its ID and reason, the next steps, the flags
and when the next check is due. It is refreshed after every change.

The level is one fixed-size label; everything else is one read-only text document of fixed
width. A change re-lays out that document only, never the window around it, so the panel
repaints within a frame (`python -m desktop_app.bench.ui_bench`).
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent, QColor, QPalette
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from desktop_app.domain import FLAG_WORDS, Assessment, Level
from desktop_app.domain.model import LEVEL_ACTIONS
from desktop_app.ui.theme import level_style
from desktop_app.ui.widgets import set_shown

PANEL_WIDTH = 340


def due_text(due: datetime, exam_time: datetime) -> str:
    """`14:15 (15 min after this exam)`, or with the date when it is another day."""
    local = due.astimezone()
    minutes = round((due - exam_time).total_seconds() / 60)
    after = f"{minutes} min" if minutes < 120 else f"{minutes / 60:.1f} h"
    when = local.strftime("%H:%M") if local.date() == exam_time.astimezone().date() \
        else local.strftime("%d %b %H:%M")
    return f"{when} ({after} after this exam)"


def rule_html(fired) -> str:
    level = fired.level.value.upper() if fired.level is not None else "advice"
    return f"<p><b>{fired.id}</b> \u00b7 {level}<br>{escape(fired.reason)}</p>"


class LivePanel(QFrame):
    """The assessment of the current exam, always beside the page."""

    recordCallRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("assessment")
        self.setAccessibleName("Live assessment")
        self.setFixedWidth(PANEL_WIDTH)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setSpacing(6)

        self.level = QLabel()
        self.level.setObjectName("assessment.level")
        self.level.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.level.setFixedHeight(56)
        self.level.setAutoFillBackground(True)  # coloured by palette: no style-sheet polish
        font = self.level.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.level.setFont(font)
        layout.addWidget(self.level)

        self.record_call = QPushButton("Record the call\u2026")
        self.record_call.setObjectName("assessment.record_call")
        self.record_call.setAccessibleName("Record whom you called")
        self.record_call.clicked.connect(self.recordCallRequested)
        layout.addWidget(self.record_call)

        self.details = QTextBrowser()
        self.details.setObjectName("assessment.details")
        self.details.setAccessibleName("Assessment: what the level asks, flags, next check, "
                                       "rules that fired and next steps")
        self.details.setFrameShape(QFrame.Shape.NoFrame)
        self.details.setOpenLinks(False)
        self.details.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.details.document().setDefaultStyleSheet(
            "p { margin: 0 0 6px 0; } h4 { margin: 8px 0 2px 0; }"
            ".pending { color: #4e342e; font-style: italic; }"
            ".flags { background: #fff3e0; color: #000000; font-weight: bold; }"
        )
        layout.addWidget(self.details, 1)

        self.shown_level: Level | None = None
        self._key: object = object()
        self._pending = ""
        self._body = ""
        self.show_problem("choose the procedure first")

    # showing ---------------------------------------------------------------------------
    def show_assessment(self, result: Assessment, exam_time: datetime,
                        escalation_missing: bool) -> None:
        key = (result.level, tuple(result.rule_ids), result.flags, result.next_check_due,
               round(result.findings.hours_since_procedure, 2), escalation_missing,
               tuple(result.next_steps))
        if key == self._key:
            return
        self._key = key
        raised = self.shown_level is None or result.level > self.shown_level
        self.shown_level = result.level
        self._paint_level(result.level)
        set_shown(self.record_call, result.level >= Level.NOTIFY)
        self.record_call.setText("\u260e Record the call (required)" if escalation_missing
                                 else "\u260e Record another call")
        flags = "<br>".join(f"\u2716 {escape(FLAG_WORDS[f])}" for f in result.flags)
        parts = [f"<p>{escape(LEVEL_ACTIONS[result.level])}</p>"]
        if flags:
            parts.append(f"<table class='flags' width='100%' cellpadding='4' border='1'>"
                         f"<tr><td>{flags}</td></tr></table>")
        parts.append(
            f"<p>{result.findings.hours_since_procedure:.1f} h since the procedure.<br>"
            f"<b>Next check due:</b> {due_text(result.next_check_due, exam_time)}</p>"
        )
        parts.append("<h4>Rules that fired</h4>")
        parts.extend(rule_html(f) for f in (*result.level_rules, *result.advice))
        parts.append("<h4>Next steps</h4><p>"
                     + "".join(f"\u2022 {escape(step)}<br>" for step in result.next_steps)
                     + "</p>")
        self._body = "".join(parts)
        self._render()
        if raised and result.level >= Level.URGENT:
            self._announce(f"Level {result.level.value}. {LEVEL_ACTIONS[result.level]}")

    def show_problem(self, problem: str) -> None:
        """No assessment can be made yet (no procedure, impossible times)."""
        key = ("problem", problem)
        if key == self._key:
            return
        self._key = key
        self.shown_level = None
        self._paint_level(None)
        set_shown(self.record_call, False)
        self._body = f"<p>No assessment yet: {escape(problem)}.</p>"
        self._render()

    def show_pending(self, missing_items: int, unanswered_red_flags: int) -> None:
        """Say the level is provisional while required findings are still to come."""
        parts = []
        if unanswered_red_flags:
            parts.append(f"{unanswered_red_flags} red-flag question"
                         f"{'s' if unanswered_red_flags > 1 else ''} not answered")
        if missing_items:
            parts.append(f"{missing_items} required item{'s' if missing_items > 1 else ''} "
                         "not graded")
        pending = f"Provisional: {' and '.join(parts)}." if parts else ""
        if pending != self._pending:
            self._pending = pending
            self._render()

    def text(self) -> str:
        """Everything the panel says, as plain text (level first)."""
        return f"{self.level.text()}\n{self.details.toPlainText()}"

    def _render(self) -> None:
        pending = f"<p class='pending'>{escape(self._pending)}</p>" if self._pending else ""
        self.details.setHtml(pending + self._body)

    def _paint_level(self, level: Level | None) -> None:
        style = level_style(level)
        self.level.setText(f"{style.symbol} {style.word}")
        self.level.setAccessibleName(f"Level: {style.word.lower()}")
        palette = self.level.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor(style.background))
        palette.setColor(QPalette.ColorRole.WindowText, QColor(style.foreground))
        self.level.setPalette(palette)

    def _announce(self, text: str) -> None:
        event = QAccessibleAnnouncementEvent(self.level, text)
        event.setPoliteness(QAccessible.AnnouncementPoliteness.Assertive)
        QAccessible.updateAccessibility(event)
