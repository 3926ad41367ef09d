"""The main window: the ward's open episodes, new episode, new exam, an episode's history,
and the exam wizard when one is open. An unfinished exam left by a crash is offered back."""

from __future__ import annotations

import logging
from datetime import datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import FLAG_WORDS, Level
from desktop_app.domain.model import PROCEDURE_KIND_WORDS, RED_FLAG_SYMPTOMS
from desktop_app.record.reads import storage_errors
from desktop_app.ui import dialogs
from desktop_app.ui.exam_state import AUTOSAVE_MS, ExamSession, recorded_calls
from desktop_app.ui.signing import NoteDesk, NoteServices
from desktop_app.ui.theme import level_style
from desktop_app.ui.widgets import heading, note_label, text_label

if TYPE_CHECKING:
    from desktop_app.record import WardRecord
    from desktop_app.record.reads import Draft, SavedExam, WardEntry
    from desktop_app.ui.wizard import ExamWizard


log = logging.getLogger(__name__)


def _local(moment: datetime | str | None, pattern: str = "%d %b %H:%M") -> str:
    """A moment (or its ISO 8601 text) in the workstation's time zone; a dash for none."""
    if not moment:
        return "\u2014"
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone().strftime(pattern)


PATIENT_ROLE = Qt.ItemDataRole.UserRole + 1  # an episode list item: whose episode it is


def episode_patient(episode: WardEntry) -> str:
    """Whose episode it is: the patient, the MRN and the procedure."""
    kind = PROCEDURE_KIND_WORDS.get(episode.procedure_kind, "procedure")
    return (f"{episode.name or 'Name not recorded'} ({episode.mrn}) \u00b7 {kind} "
            f"{_local(episode.procedure_at)}")


def episode_line(episode: WardEntry) -> str:
    """One line of the episode list (level as word, never colour alone)."""
    level = level_style(Level(episode.level) if episode.level else None)
    return (f"{episode_patient(episode)} \u00b7 {level.symbol} {level.word} "
            f"\u00b7 next check {_local(episode.next_check_due)}")


def provisional_level(session: ExamSession | None) -> Level | None:
    """The level the exam reads so far: a red flag answered yes is an emergency at once,
    whatever else is missing; otherwise the assessment's (None while there is none)."""
    if session is None:
        return None
    if any(getattr(session.exam.symptoms, name) is True for name in RED_FLAG_SYMPTOMS):
        return Level.EMERGENCY
    result = session.assessment()
    return result.level if result is not None else None


def discarded_line(trace) -> str:
    """A discarded exam on the board: why, whose, at what level, by whom, when."""
    words = dialogs.DISCARD_REASONS.get(trace.reason, trace.reason).split(" (")[0]
    if trace.details:
        words += f": {trace.details}"
    patient = trace.patient
    who = f"{patient.get('name') or 'Name not recorded'} ({patient.get('mrn') or 'no MRN'})"
    level = level_style(Level(trace.level)).word if trace.level else "not assessed"
    when = trace.discarded_at.astimezone().strftime("%d %b %H:%M")
    return (f"\u26a0 Exam discarded: {words} \u00b7 {who} \u00b7 provisional {level} "
            f"\u00b7 by {trace.discarded_by} {when}")


def discard_failure_words(error: BaseException) -> str:
    """A discard the record could not write (a full disk, an I/O error), in one line: the
    exam and its draft are as they were."""
    from desktop_app.ui.failures import storage_failure_words

    return ("The exam was not discarded: " + storage_failure_words(error, "discard again")
            + "; it is kept as it was.")


def draft_line(draft: Draft) -> str:
    """An unfinished exam: whose, who started it and when, when it was last saved."""
    try:
        who = ExamSession.from_draft(draft.id, draft.content).describe()
    except (ValueError, KeyError, TypeError):
        who = "an exam that cannot be read"
    started = (f"started by {draft.user_name} {_local(draft.started_at)}"
               if draft.user_name else f"started {_local(draft.started_at)}"
               if draft.started_at else "")
    return " \u00b7 ".join(p for p in (who, started, f"saved {_local(draft.saved_at)}") if p)


class MainWindow(QMainWindow):
    """The ward workstation's window."""

    def __init__(self, record: WardRecord, parent: QWidget | None = None, *,
                 autosave_ms: int = AUTOSAVE_MS) -> None:
        super().__init__(parent)
        self.setObjectName("main")
        # Closed means gone: the window must not outlive the QApplication (Python would
        # otherwise free it at interpreter exit, after Qt is torn down, and crash).
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle("NeuroCheck \u2014 post-procedure neuro check")
        self.record = record  # the workstation's one record, shared with the ward
        self.autosave_ms = autosave_ms
        self.wizard: ExamWizard | None = None
        self.question: QMessageBox | None = None
        self._drafts: list[Draft] = []
        self._close_confirmed = False
        # Signed notes: the record and the signing keys beside it.
        self.notes = NoteDesk(NoteServices.for_record(record), self)
        self.notes.noteStored.connect(lambda _exam_id: self.show_history())
        self.notes.editRequested.connect(self.edit_exam)
        self.setAcceptDrops(True)  # a signed note dropped on the window is verified

        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        home = QWidget()
        home.setObjectName("home")
        self.stack.addWidget(home)
        outer = QVBoxLayout(home)

        self.drafts_bar = QFrame()
        self.drafts_bar.setObjectName("drafts")
        self.drafts_bar.setStyleSheet("#drafts { background: #fff8e1; border: 2px solid #f9a825;"
                                      " border-radius: 4px; }")
        bar = QHBoxLayout(self.drafts_bar)
        texts = QVBoxLayout()
        self.drafts_label = QLabel()
        self.drafts_label.setObjectName("drafts.label")
        self.drafts_label.setWordWrap(True)
        texts.addWidget(self.drafts_label)
        # Every unfinished exam of the ward, whoever started it: any nurse may resume one.
        self.drafts_list = QListWidget()
        self.drafts_list.setObjectName("drafts.list")
        self.drafts_list.setAccessibleName("Unfinished exams of the ward")
        self.drafts_list.setWordWrap(True)
        self.drafts_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.drafts_list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.drafts_list.currentRowChanged.connect(lambda _row: self._describe_draft())
        self.drafts_list.itemActivated.connect(lambda _item: self.resume_draft())
        texts.addWidget(self.drafts_list)
        bar.addLayout(texts, 1)
        self.resume_button = QPushButton("Resume this exam")
        self.resume_button.setObjectName("main.resume_draft")
        self.resume_button.clicked.connect(self.resume_draft)
        self.discard_draft_button = QPushButton("Discard it")
        self.discard_draft_button.setObjectName("main.discard_draft")
        self.discard_draft_button.clicked.connect(self.ask_discard_draft)
        bar.addWidget(self.resume_button)
        bar.addWidget(self.discard_draft_button)
        outer.addWidget(self.drafts_bar)

        # Exams discarded although they asked for a call: on the board until dealt with.
        self.discarded_bar = QFrame()
        self.discarded_bar.setObjectName("discarded")
        self.discarded_bar.setStyleSheet("#discarded { background: #ffebee; border: 2px solid "
                                         "#b71c1c; border-radius: 4px; }")
        strip = QHBoxLayout(self.discarded_bar)
        self.discarded_list = QListWidget()
        self.discarded_list.setObjectName("discarded.list")
        self.discarded_list.setAccessibleName("Exams discarded at notify or above")
        self.discarded_list.setWordWrap(True)  # a long line wraps, never scrolls sideways
        self.discarded_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.discarded_list.setResizeMode(QListWidget.ResizeMode.Adjust)
        strip.addWidget(self.discarded_list, 1)
        self.dismiss_button = QPushButton("Dealt with…")
        self.dismiss_button.setObjectName("main.dismiss_discarded")
        self.dismiss_button.setToolTip("The patient was examined again or the discard was "
                                       "checked: take it off the board (audited).")
        self.dismiss_button.clicked.connect(self.ask_dismiss_discarded)
        strip.addWidget(self.dismiss_button, 0, Qt.AlignmentFlag.AlignTop)
        self.discarded_bar.setVisible(False)
        outer.addWidget(self.discarded_bar)

        columns = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(heading("Open episodes on the ward"))
        self.episodes = QListWidget()
        self.episodes.setObjectName("episodes")
        self.episodes.setAccessibleName("Open episodes")
        self.episodes.setWordWrap(True)  # a long line wraps: its next check stays in view
        self.episodes.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.episodes.currentItemChanged.connect(lambda *_: self.show_history())
        self.episodes.itemActivated.connect(lambda _item: self.new_exam())
        left.addWidget(self.episodes, 1)
        buttons = QHBoxLayout()
        self.new_episode_button = self._button("main.new_episode", "New episode (Ctrl+N)",
                                               self.new_episode)
        self.new_exam_button = self._button("main.new_exam", "New exam for the episode",
                                            self.new_exam)
        self.history_button = self._button("main.history", "History", self.show_history)
        for button in (self.new_episode_button, self.new_exam_button, self.history_button):
            buttons.addWidget(button)
        left.addLayout(buttons)
        columns.addLayout(left, 3)

        right = QVBoxLayout()
        right.addWidget(heading("History of the episode"))
        self.history = text_label("history", "History of the selected episode")
        self.history.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.history.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.history.linkActivated.connect(self.notes.follow_link)  # sign, open, reprint...
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.history)
        right.addWidget(scroll, 1)
        columns.addLayout(right, 2)
        outer.addLayout(columns, 1)
        outer.addWidget(note_label("Enter on an episode starts its next exam. A new exam copies "
                                   "the episode's patient and procedure forward."))
        QShortcut(QKeySequence("Ctrl+N"), self, activated=self.new_episode)
        self.refresh()

    def _button(self, name: str, text: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAccessibleName(text)
        button.clicked.connect(slot)
        return button

    # the home page ---------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the open episodes and the drafts waiting to be resumed."""
        selected = self.selected_episode()
        self.episodes.clear()
        for episode in self.record.open_episodes():
            item = QListWidgetItem(episode_line(episode))
            item.setData(Qt.ItemDataRole.UserRole, episode.episode_id)
            item.setData(PATIENT_ROLE, episode_patient(episode))
            self.episodes.addItem(item)
            if episode.episode_id == selected:
                self.episodes.setCurrentItem(item)
        if self.episodes.currentItem() is None and self.episodes.count():
            self.episodes.setCurrentRow(0)
        self.new_exam_button.setEnabled(self.episodes.count() > 0)
        self.history_button.setEnabled(self.episodes.count() > 0)
        self._offer_drafts()
        self._show_discarded()
        self.show_history()

    def _show_discarded(self) -> None:
        from desktop_app.record.reads import discarded_exams

        found = discarded_exams(self.record.db)
        self.discarded_list.clear()
        for trace in found:
            item = QListWidgetItem(discarded_line(trace))
            item.setData(Qt.ItemDataRole.UserRole, trace.id)
            self.discarded_list.addItem(item)
        if found:
            self.discarded_list.setCurrentRow(0)
            rows = min(len(found), 2)
            self.discarded_list.setFixedHeight(
                sum(self.discarded_list.sizeHintForRow(r) + 2 for r in range(rows)) + 6)
        self.discarded_bar.setVisible(bool(found))

    def ask_dismiss_discarded(self) -> None:
        item = self.discarded_list.currentItem()
        if item is None or self.question is not None:
            return
        trace_id = item.data(Qt.ItemDataRole.UserRole)

        def answered(yes: bool) -> None:
            self.question = None
            if yes:
                self.record.dismiss_discarded(self.record.signed_in_user(), trace_id)
                self.refresh()

        self.question = dialogs.ask(
            self, "Take the discarded exam off the board?",
            f"{item.text()}\n\nThe patient was examined again, or the discard was checked? "
            "It leaves the board; the audit log keeps your name.", answered,
            yes="Dealt with", no="Keep it on the board")

    def selected_episode(self) -> int | None:
        item = self.episodes.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def show_history(self) -> None:
        episode_id = self.selected_episode()
        if episode_id is None:
            self.history.setText("No episode selected.")
            return
        parts = []
        exams = self.record.episode_exams(episode_id)
        for exam in exams:
            result = exam.assessment
            style = level_style(Level(result["level"]))
            flags = ", ".join(FLAG_WORDS[f].split(":")[0] for f in result.get("flags", []))
            parts.append(
                f"<p><b>{_local(exam.document['exam']['performed_at'])}</b> "
                f"\u00b7 {style.symbol} {style.word} \u00b7 {', '.join(result['rules'])}"
                + (f"<br>{escape(flags)}" if flags else "")
                + self.notes.history_actions(exam.id) + "</p>"
            )
        for call in recorded_calls(exams, self.record.episode_escalations(episode_id)):
            parts.append(f"<p>\u260e {_local(call.called_at)}: {escape(call.role)} "
                         f"{escape(call.name)}: {escape(call.response)}</p>")
        # Whose history it is, first: a note is signed from here.
        whose = self.episodes.currentItem().data(PATIENT_ROLE) or ""
        self.history.setText(f"<p><b>{escape(whose)}</b></p>"
                             + ("".join(parts) or "<p>No exam yet.</p>"))

    def _offer_drafts(self) -> None:
        """List every unfinished exam of the ward, with who started it and when."""
        try:
            drafts = self.record.pending_drafts() if self.wizard is None else []
        except storage_errors() as error:  # the record out of reach: the
            log.warning("unfinished exams not read (%s)", type(error).__name__)  # list stays
            return
        self._drafts = drafts
        self.drafts_bar.setVisible(bool(drafts))
        selected = self._selected_draft_key()
        self.drafts_list.blockSignals(True)
        self.drafts_list.clear()
        for draft in drafts:
            item = QListWidgetItem(draft_line(draft))
            item.setData(Qt.ItemDataRole.UserRole, draft.id)
            self.drafts_list.addItem(item)
        keys = [d.id for d in drafts]
        self.drafts_list.setCurrentRow(keys.index(selected) if selected in keys else 0)
        self.drafts_list.blockSignals(False)
        self.drafts_list.setVisible(len(drafts) > 1)
        if len(drafts) > 1:  # two rows at most: the board keeps the room (scrolls for more)
            rows = min(len(drafts), 2)
            self.drafts_list.setFixedHeight(rows * (self.drafts_list.sizeHintForRow(0) + 2) + 6)
        self._describe_draft()

    def _describe_draft(self) -> None:
        draft = self._latest_draft()
        if draft is None:
            return
        count = len(self._drafts)
        if count > 1:  # the list names each one (the chosen one highlighted)
            self.drafts_label.setText(
                f"<b>{count} unfinished exams</b> on the ward. Choose one, then resume it "
                "(any nurse signed in may) or discard it.")
            return
        self.drafts_label.setText(
            f"<b>Unfinished exam</b> of {escape(draft_line(draft))}. "
            "Any nurse signed in may resume it, or discard it.")

    def _selected_draft_key(self) -> str | None:
        item = self.drafts_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _latest_draft(self) -> Draft | None:
        """The draft chosen in the list (the newest when none is)."""
        try:
            drafts = self.record.pending_drafts()  # now: another nurse may have taken one
        except storage_errors() as error:
            from desktop_app.ui.failures import storage_failure_words

            self.statusBar().showMessage("\u26a0 The record cannot be reached: "
                                         f"{storage_failure_words(error, 'try again')}")
            return None
        key = self._selected_draft_key()
        chosen = next((d for d in drafts if d.id == key), None)
        return chosen or (drafts[0] if drafts else None)

    def resume_draft(self) -> ExamWizard | None:
        draft = self._latest_draft()
        if draft is None or self.wizard is not None:
            return None
        try:
            session = ExamSession.from_draft(draft.id, draft.content)
        except (ValueError, KeyError, TypeError):
            self.statusBar().showMessage("This draft cannot be read; discard it.")
            return None
        return self.open_wizard(session)

    def ask_discard_draft(self) -> None:
        draft = self._latest_draft()
        if draft is None or self.question is not None:
            return
        try:
            session = ExamSession.from_draft(draft.id, draft.content)
        except (ValueError, KeyError, TypeError):
            session = None

        def discarded() -> None:
            self.record.discard_draft(draft.id)
            self.refresh()

        self.ask_discard(session, discarded, draft_key=draft.id,
                         generic=("Discard the unfinished exam?", "The unfinished exam will be "
                                  "deleted. This cannot be undone.", "Keep it"))

    # discarding an exam ----------------------------------------------------------------
    def request_discard(self, wizard: ExamWizard) -> None:
        """Esc in the exam: discard it, asking why when its level asks for a call."""
        if wizard.question is not None:
            return

        def discarded() -> None:
            wizard.question = None
            wizard.discard()

        wizard.question = self.ask_discard(
            wizard.session, discarded, draft_key=wizard.session.draft_key,
            generic=("Discard this exam?", f"Discard the exam of {wizard.session.describe()}? "
                     "Nothing of it will be saved.", "Keep editing"),
            closed=lambda: setattr(wizard, "question", None))

    def ask_discard(self, session: ExamSession | None, discard, *, draft_key: str | None,
                    generic: tuple[str, str, str], closed=None) -> QWidget:
        """Ask before an exam in progress is thrown away. At notify or above (its provisional
        level) a reason is required, and the discard is audited and stays on the board;
        otherwise a plain question. `discard()` runs once confirmed; `closed()` either way."""
        level = provisional_level(session)
        if level is not None and level >= Level.NOTIFY:
            style = level_style(level)
            dialog = dialogs.DiscardReasonDialog(self, style.word, session.describe())

            def chosen(reason: str, details: str) -> None:
                try:
                    self._record_discard(session, draft_key, level, reason, details)
                except storage_errors() as error:
                    dialog.refuse(discard_failure_words(error))
                    return
                discard()

            dialog.chosen.connect(chosen)
            if closed is not None:
                dialog.finished.connect(lambda _r: closed())
            dialog.open()
            return dialog

        title, text, keep = generic

        def answered(yes: bool) -> None:
            if closed is not None:
                closed()
            self.question = None if self.question is box else self.question
            if yes:
                try:
                    self.record.discard_exam(
                        self.record.signed_in_user(), draft_key, "below_notify",
                        level=level.value if level else None,
                        episode_id=session.episode_id if session else None)
                except storage_errors() as error:
                    self.statusBar().showMessage("\u26a0 " + discard_failure_words(error))
                    return
                discard()

        box = dialogs.ask(self, title, text, answered, yes="Discard", no=keep)
        if closed is None:
            self.question = box
        return box

    def _record_discard(self, session: ExamSession, draft_key: str | None, level: Level,
                        reason: str, details: str) -> None:
        self.record.discard_exam(
            self.record.signed_in_user(), draft_key, reason, level=level.value,
            details=details, episode_id=session.episode_id,
            patient={"mrn": session.patient.mrn or "", "name": session.patient.name or ""})
        self.statusBar().showMessage("Exam discarded; it stays on the board as discarded.",
                                     8000)

    # exams -----------------------------------------------------------------------------
    def new_episode(self) -> ExamWizard | None:
        if self.wizard is not None:
            return None
        return self.open_wizard(ExamSession.new_episode())

    def new_exam(self) -> ExamWizard | None:
        episode_id = self.selected_episode()
        if self.wizard is not None or episode_id is None:
            return None
        history = self.record.episode_exams(episode_id)
        session = ExamSession.next_exam(
            episode_id, history,
            recorded_calls(history, self.record.episode_escalations(episode_id)))
        return self.open_wizard(session)

    def edit_exam(self, exam_id: int | str) -> ExamWizard | None:
        """Open a saved exam of the selected episode in the wizard, to correct it before it
        is signed; finishing replaces it (the record refuses a signed exam)."""
        episode_id = self.selected_episode()
        if self.wizard is not None or episode_id is None:
            return None
        history = self.record.episode_exams(episode_id)
        exam = next((r for r in history if r.id == int(exam_id)), None)
        if exam is None:
            self.statusBar().showMessage("That exam is not in the selected episode.", 8000)
            return None
        calls = recorded_calls(history, self.record.episode_escalations(episode_id))
        return self.open_wizard(ExamSession.edit(exam, calls))

    def open_wizard(self, session: ExamSession) -> ExamWizard:
        self.drafts_bar.setVisible(False)
        shown = self.findChild(QStatusBar)  # (asking statusBar() would add an empty one)
        if shown is not None:
            shown.clearMessage()  # "Exam saved." was about the exam before this one
        from desktop_app.ui.wizard import ExamWizard  # the exam screens load on first use

        wizard = ExamWizard(session, self.record, autosave_ms=self.autosave_ms)
        wizard.finished.connect(self._exam_saved)
        wizard.discarded.connect(self._close_wizard)
        wizard.discard_handler = lambda: self.request_discard(wizard)
        self.wizard = wizard
        self.stack.addWidget(wizard)
        self.stack.setCurrentWidget(wizard)
        wizard.go(wizard.current)  # focus the first field now that it is visible
        return wizard

    def _exam_saved(self, saved: SavedExam) -> None:
        edited = self.wizard is not None and self.wizard.session.is_edit
        self.statusBar().showMessage("Exam corrected." if edited else "Exam saved.", 8000)
        sign = self.wizard is not None and self.wizard.sign_after_finish
        self._close_wizard()
        for row in range(self.episodes.count()):
            if self.episodes.item(row).data(Qt.ItemDataRole.UserRole) == saved.episode_id:
                self.episodes.setCurrentRow(row)
        if sign:  # the exam is stored: its note can be signed
            self.notes.sign_exam(saved.exam_id)

    # a signed note dropped on the window -------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt naming)
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt naming)
        files = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if not files:
            super().dropEvent(event)
            return
        event.acceptProposedAction()
        self.verify_dropped(files[0])

    def verify_dropped(self, path: Path) -> None:
        """Verify the signature of a file dropped on the window and say what was found."""
        self.notes.verify_file(path)

    def _close_wizard(self) -> None:
        wizard, self.wizard = self.wizard, None
        self.stack.setCurrentIndex(0)
        if wizard is not None:
            self.stack.removeWidget(wizard)
            wizard.deleteLater()
        self.refresh()
        self.episodes.setFocus()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt naming)
        # Closing with an exam open keeps it as a draft, offered to whoever signs in next,
        # and says so before the window goes (no patient named: the screen may be locked).
        if self.wizard is not None and not self.wizard.closed:
            self.wizard.save_draft()
            if not self._close_confirmed:
                event.ignore()
                if self.question is None:
                    self.question = dialogs.ask(
                        self, "Close NeuroCheck?",
                        "The exam in progress is kept as an unfinished exam (a draft). At the "
                        "next sign-in it is listed on the board and any nurse can resume it.",
                        self._close_answered, yes="Close, keep the draft",
                        no="Back to the exam")
                return
            log.info("window closed with an exam in progress; its draft is kept")
        super().closeEvent(event)

    def _close_answered(self, close: bool) -> None:
        self.question = None
        if close:
            self._close_confirmed = True
            self.close()
