"""The exam wizard: the pages in order, the live assessment beside them, and finishing.

The pages load from and write to one `ExamSession`; the wizard keeps the live panel, the
alarm bar and the problems in step with it after every change, autosaves a draft a moment
after the last change, and persists only in `finish()`. Enter moves on (a call typed on
the escalation page is recorded first, or what it lacks is said), Ctrl+Enter finishes, Esc
asks before discarding. The wheel never changes an input the nurse did not focus, the
focused field is kept in view, and a key a choice does not take is said on the status line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import DocumentError, Level
from desktop_app.domain.model import PROCEDURE_KIND_WORDS
from desktop_app.record.drafts import DraftKeptHere
from desktop_app.record.reads import StoreError, storage_errors
from desktop_app.ui import dialogs
from desktop_app.ui.exam_state import AUTOSAVE_MS, AssessmentView, ExamSession, Problem
from desktop_app.ui.failures import (
    RECORD_RETRY_MS,
    storage_failure_words,
    write_failure_words,
)
from desktop_app.ui.labels import alert_label, set_message
from desktop_app.ui.live_panel import LivePanel, banner_text
from desktop_app.ui.page import WizardPage
from desktop_app.ui.pages.escalation import EscalationPage
from desktop_app.ui.pages.motor import MotorPage
from desktop_app.ui.pages.patient_procedure import PatientProcedurePage
from desktop_app.ui.pages.reflexes import ReflexesPage
from desktop_app.ui.pages.review import ReviewPage
from desktop_app.ui.pages.sensory import SensoryPage
from desktop_app.ui.pages.symptoms import SymptomsPage
from desktop_app.ui.theme import LevelStyle
from desktop_app.ui.widgets import ChoiceRow, GradeCell, guard_wheel, set_shown

if TYPE_CHECKING:
    from desktop_app.record import WardRecord
    from desktop_app.record.reads import SavedExam

log = logging.getLogger(__name__)

# Problems shown as soon as they arise; the others once the nurse tries to move on.
SHOWN_AT_ONCE = ("exam.performed_at", "patient.birth_date")


class ExamWizard(QWidget):
    """One exam, from the patient's wristband to the saved record."""

    finished = Signal(object)  # SavedExam
    discarded = Signal()
    draftSaved = Signal(str)  # the draft key

    def __init__(self, session: ExamSession, record: WardRecord,
                 parent: QWidget | None = None, *, autosave_ms: int = AUTOSAVE_MS) -> None:
        super().__init__(parent)
        self.setObjectName("wizard")
        self.setAccessibleName("Exam")
        self.session = session
        self.record = record  # the workstation's record, written as whoever is signed in
        session.policy = record.schedule_policy()
        self.question: QMessageBox | None = None
        self.closed = False
        self.sign_after_finish = False  # "Finish and sign": the window signs once saved
        self.discard_handler: Callable[[], None] | None = None  # Esc asks the window
        self.revealed: set[int] = set()  # pages whose problems are shown
        self.input_problems: dict[str, str] = {}

        self.pages: list[WizardPage] = [
            PatientProcedurePage(session, record.find_patient),
            SymptomsPage(session),
            SensoryPage(session),
            MotorPage(session),
            ReflexesPage(session),
            EscalationPage(session),
            ReviewPage(session, self.go_to_path),
        ]
        self.patient_page = self.pages[0]
        self.escalation_page = self.pages[5]
        self.review_page = self.pages[-1]

        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.setSpacing(4)
        # The level banner keeps its height whatever it says: a level that changes while the
        # nurse taps grades must not shift the page under the finger.
        self.banner = QFrame()
        self.banner.setObjectName("wizard.banner")
        # Three lines of the larger font an urgent level is shown in, so that even at 200 %
        # the last line of an emergency's words is never cut off.
        self.banner.setFixedHeight(QFontMetrics(self._alarm_font(True)).lineSpacing() * 3 + 12)
        self.banner.setAutoFillBackground(True)
        banner = QHBoxLayout(self.banner)
        banner.setContentsMargins(10, 2, 10, 2)
        self.alarm = QLabel()
        self.alarm.setObjectName("wizard.alarm")
        self.alarm.setWordWrap(True)
        banner.addWidget(self.alarm, 1)
        self.header = QLabel()
        self.header.setObjectName("wizard.header")
        self.header.setAccessibleName("Patient and procedure of this exam")
        self.header.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        banner.addWidget(self.header)
        outer.addWidget(self.banner)
        self._banner_level: object = ()

        steps = QHBoxLayout()
        steps.setSpacing(2)
        self.step_buttons: list[QToolButton] = []
        for index, page in enumerate(self.pages):
            button = QToolButton()
            button.setObjectName(f"step.{page.page_id}")
            button.setProperty("role", "step")
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab stays inside the page
            button.clicked.connect(lambda _=False, i=index: self.go(i))
            steps.addWidget(button)
            self.step_buttons.append(button)
        steps.addStretch(1)
        outer.addLayout(steps)

        body = QHBoxLayout()
        self.stack = QStackedWidget()
        for page in self.pages:
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setWidget(page)
            self.stack.addWidget(scroll)
        body.addWidget(self.stack, 1)
        self.panel = LivePanel()
        self.panel.recordCallRequested.connect(lambda: self.go(self.pages.index(
            self.escalation_page)))
        body.addWidget(self.panel)
        outer.addLayout(body, 1)

        # While the record cannot be reached: the exam is kept on this workstation, and
        # this line says so (and since when) until a save reaches the record again.
        self.offline = alert_label("wizard.offline")
        outer.addWidget(self.offline)

        footer = QHBoxLayout()
        self.status = QLabel()
        self.status.setObjectName("wizard.status")
        self.status.setWordWrap(True)
        footer.addWidget(self.status, 1)
        self.back_button = self._button("wizard.back", "\u2190 Back", "Previous page")
        self.back_button.clicked.connect(self.back)
        self.next_button = self._button("wizard.next", "Next \u2192", "Next page (Enter)")
        self.next_button.clicked.connect(self.next)
        self.finish_button = self._button("wizard.finish", "Finish and save",
                                          "Finish and save the exam (Ctrl+Enter)")
        self.finish_button.clicked.connect(self.finish)
        self.sign_button = self._button("wizard.finish_sign", "Finish and sign\u2026",
                                        "Finish, save and sign the note (password asked again)")
        self.sign_button.clicked.connect(self.finish_and_sign)
        for button in (self.back_button, self.next_button, self.finish_button,
                       self.sign_button):
            footer.addWidget(button)
        outer.addLayout(footer)
        for sequence in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(sequence), self, activated=self.finish)

        for page in self.pages:
            guard_wheel(page)
            for row in page.findChildren(ChoiceRow):
                row.keyRefused.connect(self._key_refused)
        QApplication.instance().focusChanged.connect(self._focus_moved)

        self.autosave = QTimer(self)
        self.autosave.setSingleShot(True)
        self.autosave.setInterval(autosave_ms)
        self.autosave.timeout.connect(self.save_draft)
        self.retry = QTimer(self)  # while the record cannot be reached: try it again
        self.retry.setSingleShot(True)
        self.retry.setInterval(RECORD_RETRY_MS)
        self.retry.timeout.connect(self.save_draft)
        session.changed.connect(self._changed)
        self.current = 0
        self._changed("")
        self.go(min(session.page_index, len(self.pages) - 1), focus=True)

    def _button(self, name: str, text: str, words: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAccessibleName(words)
        button.setToolTip(words)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Enter, not Tab, moves on
        return button

    # keeping everything in step ------------------------------------------------------
    def _changed(self, path: str) -> None:
        session = self.session
        self.panel.show_session(session)
        self._show_level(self.panel.view)
        for page in self.pages:
            page.refresh(path)
        if self.pages[self.current] is self.review_page:
            guard_wheel(self.review_page)  # its reason rows come and go with the NT items
        problems = self._show_problems()
        self._label_steps(problems)
        header = self._header_text()
        if self.header.text() != header:
            self.header.setText(header)
        if path != "":
            self.autosave.start()

    def _key_refused(self, message: str) -> None:
        """A key that is on no choice is said on the message line, never ignored."""
        self.status.setText(f"\u26a0 {message}")

    def _focus_moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        """The focused row is always in view: the nurse never answers a row she cannot see."""
        if new is None or self.closed:
            return
        scroll = self.stack.currentWidget()
        if not isinstance(scroll, QScrollArea) or not scroll.widget().isAncestorOf(new):
            return
        shown = new.parentWidget() if isinstance(new, ChoiceRow) and isinstance(
            new.parentWidget(), GradeCell) else new  # the grade with its caption
        scroll.ensureWidgetVisible(shown, 20, 20)

    def _show_level(self, view: AssessmentView) -> None:
        """The banner: the level in colour, symbol and word, and what it asks (as the panel
        may say it: not yet assessed, provisional)."""
        style, text = banner_text(view, self.session.exam.performed_at)
        level = view.level
        if level is not None and level >= Level.NOTIFY and self.session.escalation_missing():
            text += "  Record the call on the Escalation page."
        if self.alarm.text() != text:
            self.alarm.setText(text)
            self.alarm.setAccessibleName(text)
        if self._banner_level != style:
            self._banner_level = style
            urgent = level is not None and level >= Level.URGENT
            # Palette and font, not a style sheet: no re-polish, no relayout on a change.
            self._paint_banner()
            self.alarm.setFont(self._alarm_font(urgent))

    def _paint_banner(self) -> None:
        """The level's colours on the banner and on its words (a label polished by the style
        sheet keeps its own palette: black words on a dark red or green banner)."""
        style = self._banner_level
        if not isinstance(style, LevelStyle):
            return
        palette = self.banner.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor(style.background))
        palette.setColor(QPalette.ColorRole.WindowText, QColor(style.foreground))
        for widget in (self.banner, self.alarm, self.header):
            widget.setPalette(palette)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        self._fit_pages()

    def _fit_pages(self) -> None:
        """The page shown puts Left under Right when side by side it would need scrolling
        sideways (1920x1080 at 200 %); judged only once the wizard has its real size."""
        if not self.isVisible() or not hasattr(self, "current"):
            return
        fit = getattr(self.pages[self.current], "fit_width", None)
        scroll = self.stack.currentWidget()
        if fit is None or scroll is None:
            return
        self.layout().activate()
        fit(scroll.width() - scroll.verticalScrollBar().sizeHint().width() - 2)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        # Polishing on the first show replaces palettes set before it: paint again.
        self._paint_banner()
        super().showEvent(event)

    def _alarm_font(self, urgent: bool) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(self.font().pointSizeF() * (1.3 if urgent else 1.1))
        font.setBold(urgent)
        return font

    def all_problems(self) -> list[Problem]:
        """The session's problems plus text a page could not turn into a value."""
        problems = [Problem(path, message, blocks_next=True)
                    for path, message in self.patient_page.input_problems.items()]
        return problems + self.session.problems()

    def _show_problems(self) -> list[Problem]:
        problems = self.all_problems()
        input_paths = set(self.patient_page.input_problems)
        for index, page in enumerate(self.pages):
            shown = [
                p for p in problems
                if index in self.revealed or p.path in SHOWN_AT_ONCE or p.path in input_paths
                or (p.path == "patient.mrn" and self.session.patient.mrn)
            ]
            page.show_problems(shown if index != len(self.pages) - 1 else problems)
        return problems

    def _label_steps(self, problems: list[Problem]) -> None:
        for index, (page, button) in enumerate(zip(self.pages, self.step_buttons, strict=True)):
            owned = [p for p in problems if page.owns(p.path)]
            mark = ""
            if not page.relevant():
                mark = " (optional)"
            elif owned and index in self.revealed:
                mark = f" \u2022{len(owned)}"
            text = f"{index + 1} {page.title}{mark}"
            if button.text() != text:
                button.setText(text)
                button.setAccessibleName(text)
            set_shown(button, page is not self.escalation_page or page.relevant())

    def _header_text(self) -> str:
        patient, procedure = self.session.patient, self.session.procedure
        name = patient.name or "New patient"
        kind = PROCEDURE_KIND_WORDS.get(procedure.kind, "procedure not chosen")
        site = f" ({procedure.site.replace('_', ' ')})" if procedure.site else ""
        mrn = patient.mrn or "\u2014"
        editing = " \u00b7 correcting the saved exam" if self.session.is_edit else ""
        return f"<b>{escape(name)}</b> \u00b7 MRN {escape(mrn)}<br>{kind}{site}{editing}"

    # moving between pages --------------------------------------------------------------
    def go(self, index: int, *, focus: bool = True) -> None:
        if index != self.current:
            self.revealed.add(self.current)  # leaving a page shows what it still lacks
        self.current = index
        self.session.page_index = index
        guard_wheel(self.pages[index])  # inputs a page added since it was last shown
        self.stack.setCurrentIndex(index)
        self._fit_pages()
        self.stack.currentWidget().verticalScrollBar().setValue(0)  # a page opens at its top
        for i, button in enumerate(self.step_buttons):
            button.setChecked(i == index)
        page = self.pages[index]
        is_last = index == len(self.pages) - 1
        self.next_button.setEnabled(not is_last)
        set_shown(self.sign_button, is_last)
        self.back_button.setEnabled(index > 0)
        self._label_steps(self._show_problems())
        if focus:
            target = page.first_focus()
            if target is not None:
                target.setFocus(Qt.FocusReason.OtherFocusReason)
        self.status.setText("Review, then Finish (Ctrl+Enter) to save." if is_last else
                            "Enter: next page \u00b7 Esc: discard")

    def next(self) -> bool:
        """Move to the next page the procedure needs; False if this page blocks."""
        page = self.pages[self.current]
        if page is self.escalation_page and page.form_started():
            # Typed but not recorded: recorded now, or the page says what is missing.
            message = page.record_or_explain()
            self.status.setText(message)
            return False
        blocking = [p for p in self.all_problems()
                    if p.blocks_next and self.pages[self.current].owns(p.path)]
        if blocking:
            self.revealed.add(self.current)
            self._show_problems()
            self.pages[self.current].focus_path(blocking[0].path)
            self.status.setText(f"\u26a0 Cannot go on: {blocking[0].message}")
            return False
        for index in range(self.current + 1, len(self.pages)):
            if self.pages[index].relevant():
                self.go(index)
                return True
        return False

    def back(self) -> None:
        for index in range(self.current - 1, -1, -1):
            if self.pages[index].relevant():
                self.go(index)
                return

    def go_to_path(self, path: str) -> None:
        """Show the page that holds the field of `path` and focus it."""
        for index, page in enumerate(self.pages[:-1]):
            if page.owns(path):
                self.go(index, focus=False)
                page.focus_path(path)
                return

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt naming)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
                event.modifiers() == Qt.KeyboardModifier.NoModifier:
            if self.current == len(self.pages) - 1:
                self.status.setText("Press Finish (or Ctrl+Enter) to save the exam.")
            else:
                self.next()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.request_discard()
            return
        super().keyPressEvent(event)

    # drafts, discarding, finishing -----------------------------------------------------
    def save_draft(self) -> None:
        """Write what has been entered to the draft store (a crash then loses nothing)."""
        if self.closed:
            return
        self.autosave.stop()
        self.retry.stop()
        try:
            self.record.save_draft(self.session.draft_key, self.session.to_draft(),
                                   self.session.episode_id)
        except DraftKeptHere as kept:
            self._show_offline(kept.since)
            self.retry.start()
            return
        except storage_errors() as error:  # not even this workstation could keep it
            self.status.setText("\u26a0 The draft could not be saved: "
                                + storage_failure_words(error, "carry on: it is tried again"))
            self.retry.start()
            return
        self._show_offline(None)
        log.debug("draft saved")
        self.draftSaved.emit(self.session.draft_key)

    def _show_offline(self, since) -> None:
        """Say (or stop saying) that the record cannot be reached and the exam is kept on
        this workstation."""
        set_message(self.offline, "" if since is None else (
            "\u26a0 The record cannot be reached since "
            f"{since.astimezone().strftime('%H:%M')}. This exam is kept on this workstation, "
            "nothing typed is lost; it goes into the record as soon as the record is back, "
            "and Finish saves it then."))

    def request_discard(self) -> None:
        """Esc: ask, and discard the exam (and its draft) only on a yes."""
        if self.question is not None:
            return
        if self.discard_handler is not None:  # the window asks (why, at notify or above)
            self.discard_handler()
            return
        def answered(discard: bool) -> None:
            self.question = None
            if discard:
                self.discard()
        self.question = dialogs.ask(
            self, "Discard this exam?",
            f"Discard the exam of {self.session.describe()}? Nothing of it will be saved.",
            answered, yes="Discard", no="Keep editing",
        )

    def discard(self) -> None:
        self.closed = True
        self.autosave.stop()
        self.retry.stop()
        self.record.discard_draft(self.session.draft_key)
        log.info("exam discarded")
        self.discarded.emit()

    def finish_and_sign(self) -> SavedExam | None:
        """Finish and save, then have the note signed (the window asks the password)."""
        self.sign_after_finish = True
        saved = self.finish()
        if saved is None:
            self.sign_after_finish = False
        return saved

    def finish(self) -> SavedExam | None:
        """Validate the whole exam and save it; otherwise show why not, next to the fields."""
        if self.closed:
            return None
        # A call typed in but not yet recorded is recorded now, or shown as incomplete.
        if self.escalation_page.form_started() and not self.escalation_page.record_call():
            self.go(self.pages.index(self.escalation_page), focus=False)
            self.status.setText("\u26a0 Complete the call (role, name, response), or clear it.")
            return None
        self.revealed.update(range(len(self.pages)))
        problems = self._show_problems()
        self._label_steps(problems)
        if problems:
            self.go(len(self.pages) - 1, focus=False)
            self.review_page.blockers.setFocus()
            self.status.setText(f"\u26a0 Cannot finish yet: {len(problems)} thing"
                                f"{'s' if len(problems) > 1 else ''} to complete "
                                f"(first: {problems[0].message}).")
            return None
        try:
            document = self.session.validated_document()
        except DocumentError as error:
            self.status.setText(f"\u26a0 Cannot finish: {error}")
            self.go_to_path(error.field)
            return None
        self.autosave.stop()
        self.retry.stop()
        try:
            saved = self._record(document.to_document())
        except StoreError as error:  # the record refused it: nothing saved, the draft stays
            self.status.setText(f"\u26a0 Not saved: {error}.")
            return None
        except storage_errors() as error:
            self.save_draft()  # kept here, at least, until the record is back
            self.status.setText(f"\u26a0 Not saved: {write_failure_words(error)}.")
            return None
        self.closed = True
        log.info("exam saved")
        self.finished.emit(saved)
        return saved

    def _record(self, document: dict) -> SavedExam:
        """The exam, the calls made about it and its draft, in one step of the record: a
        correction replaces the saved exam; a new exam finds (or opens) its episode from
        the patient and the procedure in the document."""
        session = self.session
        user = self.record.signed_in_user()
        calls = session.calls_for_record()
        if session.is_edit:
            return self.record.correct_exam(user, session.exam_id, document, escalations=calls,
                                            draft_id=session.draft_key)
        return self.record.finish_exam(user, document, escalations=calls,
                                       location=session.location, draft_id=session.draft_key)
