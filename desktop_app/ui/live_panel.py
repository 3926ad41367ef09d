"""The live assessment panel beside every wizard page.

It shows what the domain's `assess` says about the exam as it stands, but never reassures
before the facts (`ExamSession.assessment_view`): a neutral NOT YET ASSESSED, with what it
waits for, until the red-flag questions are answered and the procedure time is known; a
level with required items missing is marked PROVISIONAL (an observe then is never green); on
a re-check the last exam's level stays in view. Then the level (colour, symbol and word),
every rule that fired with its reason and source (its full text on demand), the next steps,
the flags, when the next check is due, and what is still needed before signing.

Everything is a fixed set of labels; a change sets only the texts that changed, so the
panel repaints within a frame (`python -m desktop_app.bench.ui_bench`).
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent, QColor, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import FLAG_WORDS, SOURCES, Assessment, FiredRule, Level
from desktop_app.domain.elapsed import format_elapsed
from desktop_app.domain.model import LEVEL_ACTIONS
from desktop_app.domain.rules import APPLIES_WORDS
from desktop_app.ui.exam_state import AssessmentView, ExamSession
from desktop_app.ui.theme import LevelStyle, level_style, shown_style
from desktop_app.ui.widgets import set_shown

PANEL_WIDTH = 340
FLAG_BACKGROUND = "#fff3e0"
NOT_YET_REASSURING = ("Complete the exam (see Still needed before signing) before you "
                      "reassure the patient.")


def due_text(due: datetime, exam_time: datetime) -> str:
    """`14:15 (15 min after this exam)`, or with the date when it is another day."""
    local = due.astimezone()
    after = since_text((due - exam_time).total_seconds() / 3600)
    when = local.strftime("%H:%M") if local.date() == exam_time.astimezone().date() \
        else local.strftime("%d %b %H:%M")
    return f"{when} ({after} after this exam)"


def since_text(hours: float) -> str:
    """`5 h 12 min`, `48 h 20 min`, `60 days 3 h`: the domain's exact wording (never rounded
    onto a boundary of the protocol), as the note prints it."""
    return format_elapsed(max(0.0, hours))


def source_text(source: str) -> str:
    """`002: Leg numbness after a lumbar medial branch block`, as the note prints it."""
    title = SOURCES.get(source, "")
    return f"{source}: {title}" if title else source


def rule_heading(fired: FiredRule) -> str:
    level = fired.level.value.upper() if fired.level is not None else "advice"
    return f"{fired.id} \u00b7 {level}"


def rule_full_text(fired: FiredRule) -> str:
    """Everything the protocol table says about the rule, for reading on demand."""
    rule = fired.rule
    applies = APPLIES_WORDS.get(rule.applies_to, rule.applies_to)
    steps = " ".join(rule.next_steps)
    return f"Applies to: {applies}, when {rule.when}. Steps in the protocol: {steps}"


class RuleLine(QWidget):
    """One fired rule: ID and level, reason, source; Space or a click shows its full text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.setSpacing(1)
        self.toggle = QToolButton()
        self.toggle.setCheckable(True)
        self.toggle.setAutoRaise(True)
        self.toggle.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        font = self.toggle.font()
        font.setBold(True)
        self.toggle.setFont(font)
        self.toggle.toggled.connect(self._expand)
        layout.addWidget(self.toggle)
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        layout.addWidget(self.reason)
        self.full = QLabel()
        self.full.setWordWrap(True)
        self.full.setProperty("role", "note")
        self.full.hide()
        layout.addWidget(self.full)
        self.fired: FiredRule | None = None

    def show_rule(self, fired: FiredRule) -> None:
        if fired == self.fired:
            return
        self.fired = fired
        heading = rule_heading(fired)
        self.setObjectName(f"assessment.rule.{fired.id}")
        self.toggle.setObjectName(f"assessment.rule.{fired.id}.more")
        self._expand(self.toggle.isChecked())
        self.toggle.setAccessibleName(f"Rule {heading}: show its full text")
        self.reason.setText(f"{fired.reason}\nSource {source_text(fired.rule.source)}")
        self.full.setText(rule_full_text(fired))
        self.toggle.setToolTip(f"{heading}: {fired.reason}\n{rule_full_text(fired)}\n"
                               f"Source {source_text(fired.rule.source)}")

    def _expand(self, shown: bool) -> None:
        if self.fired is not None:
            arrow = "\u25be" if shown else "\u25b8"
            self.toggle.setText(f"{arrow} {rule_heading(self.fired)}")
        set_shown(self.full, shown)

    def text(self) -> str:
        if self.fired is None:
            return ""
        lines = [rule_heading(self.fired), self.reason.text()]
        if self.full.isVisibleTo(self):
            lines.append(self.full.text())
        return "\n".join(lines)


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

        # The banner: state word over the level, both on the level's colour.
        self.banner = QFrame()
        self.banner.setObjectName("assessment.banner")
        self.banner.setAutoFillBackground(True)  # coloured by palette: no style-sheet polish
        banner = QVBoxLayout(self.banner)
        banner.setContentsMargins(6, 4, 6, 4)
        banner.setSpacing(0)
        self.state = QLabel()
        self.state.setObjectName("assessment.state")
        self.state.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.state.font()
        font.setBold(True)
        self.state.setFont(font)
        self.state.setFixedHeight(self.state.fontMetrics().height() + 2)
        banner.addWidget(self.state)
        self.level = QLabel()
        self.level.setObjectName("assessment.level")
        self.level.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.level.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.level.setFont(font)
        self.level.setFixedHeight(self.level.fontMetrics().height() + 8)
        banner.addWidget(self.level)
        layout.addWidget(self.banner)

        # On a re-check: the last exam's level, in its colour, until this one has its own.
        self.last_box = QFrame()
        self.last_box.setObjectName("assessment.last_box")
        self.last_box.setAutoFillBackground(True)
        last_layout = QVBoxLayout(self.last_box)
        last_layout.setContentsMargins(6, 4, 6, 4)
        self.last = QLabel()
        self.last.setObjectName("assessment.last")
        self.last.setWordWrap(True)
        last_layout.addWidget(self.last)
        self.last_box.hide()
        layout.addWidget(self.last_box)

        self.record_call = QPushButton("Record the call\u2026")
        self.record_call.setObjectName("assessment.record_call")
        self.record_call.setAccessibleName("Record whom you called")
        self.record_call.clicked.connect(self.recordCallRequested)
        layout.addWidget(self.record_call)

        body = QWidget()
        body.setObjectName("assessment.body")
        self.body = QVBoxLayout(body)
        self.body.setContentsMargins(0, 0, 4, 0)
        self.body.setSpacing(6)
        self.last_rules = self._label("assessment.last_rules")
        self.summary = self._label("assessment.summary")
        self.flags = self._label("assessment.flags")
        self.flags.setAutoFillBackground(True)
        self.flags.setContentsMargins(6, 4, 6, 4)
        palette = self.flags.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor(FLAG_BACKGROUND))
        palette.setColor(QPalette.ColorRole.WindowText, QColor("#000000"))
        self.flags.setPalette(palette)
        font = self.flags.font()
        font.setBold(True)
        self.flags.setFont(font)
        # What to do comes before why: the next steps and what is still needed stay in view
        # on a small screen, the rules that fired (the reasons) follow below them.
        self.steps_heading = self._label("assessment.steps_heading", bold=True)
        self.steps_heading.setText("Next steps")
        self.steps = self._label("assessment.next_steps")
        self.needed_heading = self._label("assessment.still_needed_heading", bold=True)
        self.needed_heading.setText("Still needed before signing")
        self.needed = self._label("assessment.still_needed")
        self.needed.setAccessibleName("Still needed before signing")
        self.timing = self._label("assessment.timing")
        self.rules_heading = self._label("assessment.rules_heading", bold=True)
        self.rules_heading.setText("Rules that fired")
        self.rules = QVBoxLayout()
        self.rules.setSpacing(2)
        self.body.addLayout(self.rules)
        self.rule_lines: list[RuleLine] = []
        self.required = self._label("assessment.required")
        self.required.setProperty("role", "note")
        self.body.addStretch(1)
        # Reorder: the rules' layout sits after the heading, not at the end.
        self.body.removeItem(self.rules)
        self.body.insertLayout(self.body.indexOf(self.rules_heading) + 1, self.rules)

        scroll = QScrollArea()
        scroll.setObjectName("assessment.scroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # The vertical bar always takes its room: a bar that came and went with the length
        # of what is said would re-wrap every line of the panel on a change.
        scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        # A flat bar from the style sheet (theme): repainted on every change of length, the
        # platform style's bar alone cost more than the rest of the panel.
        scroll.setProperty("role", "panel")
        bar = scroll.verticalScrollBar()  # no handle drawn when there is nothing to scroll
        bar.rangeChanged.connect(lambda low, high: bar.setEnabled(high > low))
        bar.setEnabled(False)
        scroll.setWidget(body)
        layout.addWidget(scroll, 1)

        self.shown_level: Level | None = None
        self._style: LevelStyle | None = None
        self._last_style: LevelStyle | None = None
        self.view: AssessmentView | None = None
        self._exam_time: datetime | None = None
        self._paint(shown_style(None, provisional=False))
        self._show_nothing("choose the procedure first")
        for widget in (self.needed_heading, self.needed, self.required):
            widget.hide()

    def _label(self, name: str, *, bold: bool = False) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        if bold:
            font = label.font()
            font.setBold(True)
            label.setFont(font)
        self.body.addWidget(label)
        return label

    # showing ---------------------------------------------------------------------------
    def show_session(self, session: ExamSession) -> None:
        """Show what may be said about `session`'s exam now (called after every change)."""
        self.show_view(session.assessment_view(), session.exam.performed_at,
                       session.escalation_missing())

    def show_view(self, view: AssessmentView, exam_time: datetime,
                  escalation_missing: bool) -> None:
        self.view = view
        self._exam_time = exam_time
        result = view.assessment
        raised = result is not None and (self.shown_level is None
                                         or result.level > self.shown_level)
        self.shown_level = result.level if result else None
        style = shown_style(view.level, provisional=view.provisional)
        self._paint(style)
        if result is None:
            state = ""
        elif view.provisional:
            state = "PROVISIONAL \u00b7 exam not complete"
        else:
            state = "act now \u00b7 exam not complete" if view.incomplete else "complete exam"
        _set(self.state, state)
        self._show_last(view)

        if result is None:
            self._show_nothing("; ".join(view.waiting_for) or "the exam is not complete",
                               keep_last=True)
        else:
            set_shown(self.record_call, result.level >= Level.NOTIFY)
            self.record_call.setText("\u260e Record the call (required)" if escalation_missing
                                     else "\u260e Record another call")
            summary = LEVEL_ACTIONS[result.level]
            if result.level == Level.OBSERVE and view.provisional:
                summary = ("Nothing found so far that needs more than observing; the exam "
                           "is not complete, so do not reassure yet.")
            if view.lower_than_last:
                summary += f" Lower than the {self._last_words(view)}."
            _set(self.summary, summary)
            self._show_flags(result)
            if view.time_known:
                _set(self.timing,
                     f"t = {since_text(result.findings.hours_since_procedure)} after the "
                     f"procedure.\nNext check due: {due_text(result.next_check_due, exam_time)}")
            else:
                _set(self.timing, f"Time since the procedure not known ({view.time_problem}): "
                                  "the red flags are read as more than 4 h after it, where "
                                  "they weigh most.")
            fired = (*result.level_rules, *result.advice)
            steps = result.next_steps
            if view.provisional and result.level == Level.OBSERVE:
                # Nothing reassures before the facts: no "no deficit found", no "routine
                # care" until the exam is complete; advice stands.
                fired = tuple(f for f in fired if f.id != "NONE")
                steps = [NOT_YET_REASSURING, *(s for f in result.advice for s in f.next_steps)]
            self._show_rules(fired)
            _set(self.rules_heading, "Rules that fired" if fired else
                 "Rules that fired: none so far")
            _set(self.steps, "\n".join(f"\u2022 {step}" for step in steps))
            for widget in (self.timing, self.rules_heading, self.steps_heading, self.steps):
                set_shown(widget, True)
        self._show_needed(view)
        # Lay out now, before the paint: one paint per change, not a paint then a relayout.
        self.body.activate()
        self.layout().activate()
        if raised and result is not None and result.level >= Level.URGENT:
            self._announce(f"Level {result.level.value}. {LEVEL_ACTIONS[result.level]}")

    def _show_nothing(self, waiting: str, *, keep_last: bool = False) -> None:
        if not keep_last:
            set_shown(self.last_box, False)
            set_shown(self.last_rules, False)
        set_shown(self.record_call, False)
        _set(self.summary, f"No assessment yet: {waiting}.")
        self._set_flags("")
        for widget in (self.timing, self.rules_heading, self.steps_heading, self.steps):
            set_shown(widget, False)
        self._show_rules(())

    def _show_last(self, view: AssessmentView) -> None:
        last = view.last
        shown = last is not None and (view.assessment is None or view.lower_than_last)
        set_shown(self.last_box, shown)
        if not shown or last is None:
            set_shown(self.last_rules, False)
            return
        words = f"Last exam, {self._last_time(view)}: {self._last_words(view, time=False)}"
        _set(self.last, words)
        self.last.setAccessibleName(words)
        if view.assessment is None:  # until this exam has its own: the last one's rules
            _set(self.last_rules, "The last exam's rules:\n" + "\n".join(
                f"{f.id}: {f.reason}" for f in last.assessment.level_rules))
        set_shown(self.last_rules, view.assessment is None)
        style = level_style(last.level)
        if style != self._last_style:
            self._last_style = style
            _paint_widgets(style, self.last_box, self.last)

    def _last_words(self, view: AssessmentView, *, time: bool = True) -> str:
        """`⚠ EMERGENCY`, or `last exam: EMERGENCY, 10:42` with its time."""
        style = level_style(view.last.level)  # type: ignore[union-attr]
        if not time:
            return f"{style.symbol} {style.word}"
        return f"last exam: {style.word}, {self._last_time(view)}"

    def _last_time(self, view: AssessmentView) -> str:
        return last_exam_time(view, self._exam_time)

    def _show_flags(self, result: Assessment) -> None:
        self._set_flags("\n".join(f"\u2716 {FLAG_WORDS[f]}" for f in result.flags))

    def _set_flags(self, text: str) -> None:
        _set(self.flags, text)
        set_shown(self.flags, bool(text))

    def _show_rules(self, fired: tuple[FiredRule, ...]) -> None:
        while len(self.rule_lines) < len(fired):
            line = RuleLine()
            self.rules.addWidget(line)
            self.rule_lines.append(line)
        for line, rule in zip(self.rule_lines, fired, strict=False):
            line.show_rule(rule)
            set_shown(line, True)
        for line in self.rule_lines[len(fired):]:
            set_shown(line, False)

    def _show_needed(self, view: AssessmentView) -> None:
        set_shown(self.needed_heading, True)
        set_shown(self.needed, True)
        set_shown(self.required, True)
        _set(self.needed, "\n".join(f"\u2022 {item}" for item in view.still_needed)
             or "Nothing: every required item is recorded.")
        _set(self.required, f"Required for this procedure: {view.required}")

    def text(self) -> str:
        """Everything the panel says, as plain text (level first)."""
        parts = [self.level.text(), self.state.text()]
        if self.last_box.isVisibleTo(self):
            parts.append(self.last.text())
        for widget in (self.last_rules, self.summary, self.flags, self.steps_heading,
                       self.steps, self.needed_heading, self.needed, self.timing,
                       self.rules_heading):
            if widget.isVisibleTo(self):
                parts.append(widget.text())
        parts += [line.text() for line in self.rule_lines if line.isVisibleTo(self)]
        if self.required.isVisibleTo(self):
            parts.append(self.required.text())
        return "\n".join(p for p in parts if p)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        # Polishing on the first show replaces palettes set before it: paint again.
        for widget, style in ((self.banner, self._style), (self.last_box, self._last_style)):
            if style is not None:
                _paint_widgets(style, widget, *widget.findChildren(QLabel))
        super().showEvent(event)

    def _paint(self, style: LevelStyle) -> None:
        _set(self.level, f"{style.symbol} {style.word}")
        self.level.setAccessibleName(f"Level: {style.word.lower()}")
        if style == self._style:
            return
        self._style = style
        _paint_widgets(style, self.banner, self.level, self.state)

    def _announce(self, text: str) -> None:
        event = QAccessibleAnnouncementEvent(self.level, text)
        event.setPoliteness(QAccessible.AnnouncementPoliteness.Assertive)
        QAccessible.updateAccessibility(event)


def _paint_widgets(style: LevelStyle, *widgets: QWidget) -> None:
    """A level's colours by palette (no style sheet: no re-polish, no relayout)."""
    palette = widgets[0].palette()
    palette.setColor(QPalette.ColorRole.Window, QColor(style.background))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(style.foreground))
    for widget in widgets:
        widget.setPalette(palette)


def _set(label: QLabel, text: str) -> None:
    """Set a label's text only when it changed (a change re-lays out its parent)."""
    if label.text() != text:
        label.setText(text)


def last_exam_time(view: AssessmentView, exam_time: datetime | None) -> str:
    """When the last exam was: `10:42`, or `03 May 22:10` on another day."""
    last = view.last.performed_at.astimezone()  # type: ignore[union-attr]
    if exam_time is not None and last.date() == exam_time.astimezone().date():
        return last.strftime("%H:%M")
    return last.strftime("%d %b %H:%M")


def banner_text(view: AssessmentView, exam_time: datetime) -> tuple[LevelStyle, str]:
    """The wizard's banner: the style and the words of what may be said now."""
    if view.assessment is None:
        style = shown_style(None, provisional=False)
        waiting = "; ".join(view.waiting_for) or "the exam is not complete"
        text = f"{style.symbol} {style.word}: {waiting}."
        if view.last is not None:
            text += (f" Last exam: {view.last.level.value.upper()}, "
                     f"{last_exam_time(view, exam_time)}.")
        return style, text
    level = view.assessment.level
    style = shown_style(level, provisional=view.provisional)
    if view.provisional and level == Level.OBSERVE:
        action = "nothing found so far; the exam is not complete, so do not reassure yet."
    else:
        action = LEVEL_ACTIONS[level]
    prefix = "PROVISIONAL " if view.provisional else ""
    text = f"{prefix}{style.symbol} {style.word}: {action}"
    if view.lower_than_last:
        last = view.last.level.value.upper()  # type: ignore[union-attr]
        text += f" (last exam: {last}, {last_exam_time(view, exam_time)})"
    return style, text
