"""Signing an exam's note from the GUI, and everything done with a signed note afterwards.

21 CFR Part 11 asks for the password again at the moment of signing: `SignDialog` asks for
it (user name prefilled with whoever is signed in), then a worker thread checks the
account, unlocks the signing key (scrypt, about half a second), renders and signs the note
and stores it, while the dialog shows that it is busy; the window never freezes. A signed
exam is never signed again: a correction is an addendum, signed the same way.

`NoteDesk` is what the main window holds: it opens the sign dialog, the note viewer
(`desktop_app.ui.note_viewer`), prints, exports the PDF or the FHIR bundle, and verifies a
PDF dropped on the window. File and printer choices go through `choose_save_path` and
`choose_printer`, small seams that open their dialog without blocking.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlite_utils import Database

from desktop_app.record.actions import NOTE_EXPORT_FHIR, NOTE_EXPORT_PDF, NOTE_PRINT
from desktop_app.record.notes import AlreadySigned, SignedResult
from desktop_app.ui.workers import run_in_background

if TYPE_CHECKING:
    from desktop_app.record import WardRecord

log = logging.getLogger(__name__)



# -- the record side (runs in the worker, on its own connection) ---------------------------------

@dataclass(frozen=True)
class NoteServices:
    """What signing needs of the application: the record, the data folder (signing keys,
    the authority) and who is signed in."""

    db: Database
    data_dir: Path
    actor: Callable[[], str]

    @property
    def address(self) -> Path | str:
        """Where the worker connects: the record's file, or its server's URL."""
        from desktop_app.record.reads import record_address

        return record_address(self.db)

    @classmethod
    def for_record(cls, record: WardRecord) -> NoteServices:
        """From the windows' record: its database, its data folder (the signing keys, the
        authority) and whoever is signed in at the workstation."""
        return cls(record.db, record.data_dir, lambda: record.signed_in)


def gap_words(gaps: list[str]) -> str:
    """Signing gaps (document paths) in the ward's words, as the domain says them (a red
    flag not asked reads "Saddle anaesthesia ...: not asked")."""
    from desktop_app.domain import signing_gap_words

    return ", ".join(signing_gap_words(g) for g in gaps)


def exam_signing_gaps(db: Database, exam_id: int) -> list[str]:
    """What stops the stored exam being signed (empty when it may be)."""
    from desktop_app.domain import load_document, signing_gaps
    from desktop_app.record.reads import get_exam

    return signing_gaps(load_document(get_exam(db, exam_id).document))


def sign_stored_exam(address: Path | str, data_dir: Path, exam_id: int, name: str, password: str,
                     *, amends_row_id: int | None = None,
                     addendum_text: str | None = None) -> SignedResult:
    """Sign the exam's note (or an addendum to note `amends_row_id`) through the record,
    as every door does. Runs in a worker thread: its own connection."""
    from desktop_app.record import add_addendum, sign_exam
    from desktop_app.record.reads import connect_address

    db = connect_address(address)
    try:
        if amends_row_id is not None:
            return add_addendum(db, data_dir, amends_row_id, addendum_text or "", name, password)
        return sign_exam(db, data_dir, exam_id, name, password)
    finally:
        db.close()


def signing_error_words(error: BaseException) -> str:
    """A worker's failure as the nurse should read it (never a patient identifier)."""
    from desktop_app.record.reads import (
        AccountDisabled,
        AccountLocked,
        AuthenticationFailed,
        storage_errors,
    )
    from desktop_app.report import SigningError, SigningGapsError
    from desktop_app.ui.ward.session import locked_message

    if isinstance(error, AuthenticationFailed):
        return "Wrong user name or password. Nothing was signed."
    if isinstance(error, AccountLocked):
        return locked_message(error)
    if isinstance(error, AccountDisabled):
        return "This account is disabled; it cannot sign."
    if isinstance(error, SigningGapsError):
        return ("This exam cannot be signed: these items are neither tested nor given a "
                f"reason: {gap_words(error.gaps)}.")
    if isinstance(error, SigningError):
        text = str(error)
        return f"Cannot sign: {text[:1].lower()}{text[1:]}. Nothing was signed."
    if isinstance(error, AlreadySigned):
        return f"{error}."
    if isinstance(error, storage_errors()):  # a full disk, a lost server
        from desktop_app.ui.failures import storage_failure_words

        return (f"The note could not be stored: {storage_failure_words(error, 'sign again')}. "
                "Nothing was signed.")
    return f"Signing failed ({type(error).__name__}). Nothing was signed; try again."


# -- files and printers: seams the tests patch ---------------------------------------------------

def write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path`, readable and writable by the owner only (0600), atomically
    through an exclusive temporary file (a planted symlink is never followed)."""
    from desktop_app import paths

    paths.write_private(path, data)


def choose_save_path(parent: QWidget, title: str, suggested: str, name_filter: str,
                     on_chosen: Callable[[Path], None]) -> QFileDialog:
    """A save-file dialog opened with `open()`; `on_chosen(path)` if a file was chosen."""
    dialog = QFileDialog(parent, title, suggested, name_filter)
    dialog.setObjectName("save_file")
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.fileSelected.connect(lambda path: path and on_chosen(Path(path)))
    dialog.finished.connect(lambda _r: dialog.deleteLater())
    dialog.open()
    return dialog


def choose_printer(parent: QWidget, paper: str, on_chosen: Callable[[Any], None],
                   on_cancelled: Callable[[], None] | None = None) -> QDialog:
    """The system print dialog, window-modal and not blocking (what `QDialog.open()` does:
    `QPrintDialog.open` takes only its receiver form); `on_chosen(printer)` once accepted,
    `on_cancelled()` otherwise."""
    from PySide6.QtGui import QPageSize
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.Letter if paper == "letter"
                                  else QPageSize.PageSizeId.A4))
    dialog = QPrintDialog(printer, parent)
    dialog.setObjectName("print")

    def answered(result: int) -> None:
        dialog.deleteLater()
        if result == QDialog.DialogCode.Accepted:
            on_chosen(printer)
        elif on_cancelled is not None:
            on_cancelled()

    dialog.finished.connect(answered)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.show()
    return dialog


def show_message(parent: QWidget, title: str, text: str, *,
                 warning: bool = False) -> QMessageBox:
    """A message opened with `open()` (never `exec()`), deleted when closed."""
    box = QMessageBox(QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information,
                      title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("message")
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.finished.connect(lambda _r: box.deleteLater())
    box.open()
    return box


# -- the password dialog ----------------------------------------------------------------------

class SignDialog(QDialog):
    """The password asked again at signing (and, for an addendum, its text), then the
    signing itself in a worker while the dialog says it is busy."""

    signed = Signal(object)  # SignedResult

    def __init__(self, services: NoteServices, exam_id: int, what: str,
                 parent: QWidget | None = None, *, amends_row_id: int | None = None) -> None:
        super().__init__(parent)
        from desktop_app.report.note import signature_meaning

        self.services = services
        self.exam_id = exam_id
        self.amends_row_id = amends_row_id
        self.busy = False
        addendum = amends_row_id is not None
        self.setObjectName("sign")
        self.setWindowTitle("Sign the addendum" if addendum else "Sign the note")
        self.setModal(True)
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"<b>{'Addendum to the signed note of' if addendum else 'Sign the note of'} "
            f"{escape(what)}</b><br>Your signature will read "
            f"\u201c{escape(signature_meaning('amended' if addendum else None))} "
            "<i>your name</i>\u201d, with the date and time. Enter your password again "
            "to sign."
        )
        intro.setObjectName("sign.intro")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.addendum_text: QPlainTextEdit | None = None
        if addendum:
            layout.addWidget(QLabel("Correction or addition (printed on the addendum):"))
            self.addendum_text = QPlainTextEdit()
            self.addendum_text.setObjectName("sign.addendum_text")
            self.addendum_text.setAccessibleName("Addendum text")
            self.addendum_text.setTabChangesFocus(True)
            self.addendum_text.setFixedHeight(self.fontMetrics().lineSpacing() * 5 + 12)
            layout.addWidget(self.addendum_text)
        form = QFormLayout()
        self.user = QLineEdit(services.actor())
        self.user.setObjectName("sign.user")
        self.user.setAccessibleName("User name")
        self.password = QLineEdit()
        self.password.setObjectName("sign.password")
        self.password.setAccessibleName("Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("&User name", self.user)
        form.addRow("&Password", self.password)
        layout.addLayout(form)
        self.progress = QProgressBar()
        self.progress.setObjectName("sign.busy")
        self.progress.setRange(0, 0)  # busy, no percentage: the key check has no steps
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(8)
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        self.status = QLabel()
        self.status.setObjectName("sign.status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("sign.cancel")
        self.cancel_button.clicked.connect(self.reject)
        self.sign_button = QPushButton("Sign addendum" if addendum else "Sign note")
        self.sign_button.setObjectName("sign.sign")
        self.sign_button.setDefault(True)
        self.sign_button.clicked.connect(self.sign)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.sign_button)
        layout.addLayout(buttons)
        first = self.addendum_text if addendum else (self.password if self.user.text()
                                                     else self.user)
        first.setFocus(Qt.FocusReason.OtherFocusReason)

    def _say(self, text: str, *, problem: bool = False) -> None:
        self.status.setText(("\u26a0 " if problem else "") + text)
        self.status.setStyleSheet("color: #b71c1c;" if problem else "")

    def sign(self) -> None:
        """Check what was typed, then sign in the worker."""
        if self.busy:
            return
        name = self.user.text().strip()
        password = self.password.text()
        text = self.addendum_text.toPlainText().strip() if self.addendum_text else None
        if self.addendum_text is not None and not text:
            self._say("Write the correction or addition first.", problem=True)
            self.addendum_text.setFocus()
            return
        if not name or not password:
            self._say("Enter your user name and password.", problem=True)
            (self.password if name else self.user).setFocus()
            return
        self._set_busy(True)
        self._say("Checking the password and signing the note\u2026")
        work = partial(sign_stored_exam, self.services.address, self.services.data_dir,
                       self.exam_id, name, password, amends_row_id=self.amends_row_id,
                       addendum_text=text)
        run_in_background(work, self._signed)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.progress.setVisible(busy)
        for widget in (self.sign_button, self.cancel_button, self.user, self.password):
            widget.setEnabled(not busy)
        if self.addendum_text is not None:
            self.addendum_text.setReadOnly(busy)

    def _signed(self, result: SignedResult | None, error: BaseException | None) -> None:
        if not shiboken6.isValid(self):
            return
        self._set_busy(False)
        if error is not None:
            log.info("signing refused (%s)", type(error).__name__)
            self.password.clear()
            self._say(signing_error_words(error), problem=True)
            self.password.setFocus()
            return
        log.info("note signed for exam %d", result.exam_id)
        self.signed.emit(result)
        self.accept()

    def reject(self) -> None:
        if self.busy:  # the signature is being made: closing now would hide its outcome
            return
        super().reject()


# -- the desk: everything the main window does with notes ---------------------------------------

class NoteDesk(QObject):
    """Signing, viewing, printing, exporting and verifying notes for one window."""

    noteStored = Signal(int)  # the exam ID whose note (or addendum) was stored
    editRequested = Signal(int)  # the exam ID whose "Edit" link was followed (unsigned)
    busyChanged = Signal(bool)

    def __init__(self, services: NoteServices, window: QWidget) -> None:
        super().__init__(window)
        self.services = services
        self.window = window
        self.dialog: SignDialog | None = None
        self.viewers: list[QWidget] = []
        self.message: QMessageBox | None = None
        self.last_verification: Any = None

    # reading the record ------------------------------------------------------------------
    @property
    def db(self) -> Database:
        return self.services.db

    def notes_of(self, exam_id: int) -> list[Any]:
        from desktop_app.record.reads import exam_notes

        return exam_notes(self.db, int(exam_id))

    def latest_note(self, exam_id: int) -> Any | None:
        notes = self.notes_of(exam_id)
        return notes[-1] if notes else None

    def paper(self) -> str:
        from desktop_app.record.reads import PAPER_SIZE, get_setting

        return str(get_setting(self.db, PAPER_SIZE)).lower()

    def _say(self, title: str, text: str, *, warning: bool = False) -> QMessageBox:
        self.message = show_message(self.window, title, text, warning=warning)
        return self.message

    def _exam_words(self, exam_id: int) -> str:
        from desktop_app.record.reads import get_exam

        exam = get_exam(self.db, int(exam_id))
        # The time as the note prints it: with the offset the exam was recorded in.
        moment = datetime.fromisoformat(exam.document["exam"]["performed_at"])
        return f"the exam at {moment:%d %b %Y %H:%M}"

    # signing -----------------------------------------------------------------------------
    def sign_exam(self, exam_id: int | str) -> SignDialog | None:
        """Ask for the password and sign the stored exam's note; a signed exam or one with
        signing gaps is refused here, before any password is asked."""
        exam_id = int(exam_id)
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            return None
        if self.notes_of(exam_id):
            self._say("Already signed", "This exam is already signed; it cannot change. "
                      "Add an addendum to correct or add to it.")
            return None
        gaps = exam_signing_gaps(self.db, exam_id)
        if gaps:
            self._say("Cannot sign yet", "This exam cannot be signed: these items are neither "
                      f"tested nor given a reason: {gap_words(gaps)}.", warning=True)
            return None
        return self._open_sign_dialog(SignDialog(self.services, exam_id,
                                                 self._exam_words(exam_id), self.window))

    def add_addendum(self, note_row_id: int) -> SignDialog | None:
        """Ask for the addendum's text and the password; sign it against note `note_row_id`."""
        from desktop_app.record.reads import get_signed_note

        if self.dialog is not None and shiboken6.isValid(self.dialog):
            return None
        note = get_signed_note(self.db, int(note_row_id))
        return self._open_sign_dialog(SignDialog(
            self.services, note.exam_id, self._exam_words(note.exam_id), self.window,
            amends_row_id=note.id))

    def _open_sign_dialog(self, dialog: SignDialog) -> SignDialog:
        self.dialog = dialog
        dialog.signed.connect(self._signed)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()
        return dialog

    def _signed(self, result: SignedResult) -> None:
        self.dialog = None
        self.noteStored.emit(result.exam_id)
        self.open_pdf(result.pdf, result.note_row_id,
                      title="Signed addendum" if result.addendum_id else "Signed note")

    # viewing -----------------------------------------------------------------------------
    def open_note(self, exam_id: int | str) -> QWidget | None:
        note = self.latest_note(int(exam_id))
        if note is None:
            self._say("No signed note", "This exam has no signed note yet.")
            return None
        return self.open_pdf(bytes(note.pdf), note.id, title="Signed note")

    def open_pdf(self, pdf: bytes, note_row_id: int, *, title: str) -> QWidget:
        from desktop_app.ui.note_viewer import NoteViewer

        viewer = NoteViewer(self, pdf, note_row_id, title=title)
        self.viewers = [v for v in self.viewers if shiboken6.isValid(v)] + [viewer]
        viewer.show()
        return viewer

    # printing and exporting ----------------------------------------------------------------
    def reprint(self, exam_id: int | str) -> None:
        note = self.latest_note(int(exam_id))
        if note is None:
            self._say("No signed note", "This exam has no signed note to print.")
            return
        self.print_pdf(bytes(note.pdf), note.id)

    def print_pdf(self, pdf: bytes, note_row_id: int,
                  done: Callable[[str], None] | None = None) -> None:
        """The print dialog, then the note printed; audited as a print. Printing paints
        with Qt (QtPdf renders, QPainter draws on the QPrinter), so it runs here on the GUI
        thread, under a busy cursor: a note is a page or two."""
        def chosen(printer: Any) -> None:
            from PySide6.QtGui import QGuiApplication

            from desktop_app.ui.printing import print_note

            self.busyChanged.emit(True)
            QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                pages, error = print_note(pdf, printer), None
            except Exception as exc:  # said to the nurse below, and logged
                pages, error = None, exc
            finally:
                QGuiApplication.restoreOverrideCursor()
            printed(pages, error)

        def printed(pages: int | None, error: BaseException | None) -> None:
            from desktop_app.record.events import record_event

            self.busyChanged.emit(False)
            if error is not None:
                log.info("printing failed (%s)", type(error).__name__)
                text = f"The note could not be printed: {error}"
                self._say("Not printed", text, warning=True)
            else:
                record_event(self.db, actor=self.services.actor(), action=NOTE_PRINT,
                             table="signed_notes", record_id=int(note_row_id),
                             detail={"pages": pages})
                text = f"The note was sent to the printer ({pages} page{'s' * (pages != 1)})."
            if done is not None:
                done(text)

        def cancelled() -> None:
            if done is not None:
                done("Not printed: the print dialog was closed.")

        choose_printer(self.window, self.paper(), chosen, cancelled)

    def export_pdf(self, exam_id: int | str) -> None:
        note = self.latest_note(int(exam_id))
        if note is None:
            self._say("No signed note", "This exam has no signed note to export.")
            return
        self.save_pdf(bytes(note.pdf), note.id)

    def save_pdf(self, pdf: bytes, note_row_id: int,
                 done: Callable[[str], None] | None = None) -> None:
        """Ask where, then write the signed PDF unchanged (0600); audited as an export."""
        def chosen(path: Path) -> None:
            from desktop_app.record.events import record_event

            if path.suffix.lower() != ".pdf":
                path = path.with_name(path.name + ".pdf")
            try:
                write_private(path, pdf)
            except OSError as error:
                self._say("Not saved", f"The note could not be written: {error.strerror}.",
                          warning=True)
                return
            record_event(self.db, actor=self.services.actor(), action=NOTE_EXPORT_PDF,
                         table="signed_notes", record_id=int(note_row_id))
            if done is not None:
                done(f"Saved as {path.name}.")

        choose_save_path(self.window, "Save the signed note as PDF",
                         f"note-{note_row_id}.pdf", "PDF files (*.pdf)", chosen)

    def export_fhir(self, exam_id: int | str, done: Callable[[str], None] | None = None) -> None:
        """Ask where, then write the signed exam as a FHIR R4 bundle (JSON, 0600)."""
        from desktop_app.interop.fhir import build_bundle
        from desktop_app.interop.source import SourceError, read_signed_exam

        exam_id = int(exam_id)
        try:
            signed = read_signed_exam(self.db, exam_id)
            bundle = build_bundle(signed.document, signed.assessment(), exam_id=signed.exam_id,
                                  note_pdf=signed.note_pdf, note_id=signed.note_id,
                                  signed_at=signed.signed_at, signer_name=signed.signer_name,
                                  escalations=signed.escalations)
        except SourceError as error:
            self._say("Cannot export", f"The exam cannot be exported: {error}.", warning=True)
            return
        text = json.dumps(bundle, indent=2, ensure_ascii=False).encode("utf-8")

        def chosen(path: Path) -> None:
            from desktop_app.record.events import record_event

            if path.suffix.lower() != ".json":
                path = path.with_name(path.name + ".json")
            try:
                write_private(path, text)
            except OSError as error:
                self._say("Not saved", f"The export could not be written: {error.strerror}.",
                          warning=True)
                return
            record_event(self.db, actor=self.services.actor(), action=NOTE_EXPORT_FHIR,
                         table="exams", record_id=exam_id)
            if hasattr(self.window, "statusBar"):
                self.window.statusBar().showMessage(f"FHIR bundle saved as {path.name}.", 8000)
            if done is not None:
                done(path.name)

        choose_save_path(self.window, "Export the signed exam as FHIR",
                         f"exam-{exam_id}.fhir.json", "FHIR JSON (*.json)", chosen)

    # verifying -----------------------------------------------------------------------------
    def disabled_users(self) -> set[str]:
        from desktop_app.record.reads import list_users

        return {u.name for u in list_users(self.db) if u.disabled}

    def verify_pdf(self, pdf: bytes, on_result: Callable[[Any], None]) -> None:
        """`verify_note` in a worker; `on_result(VerificationResult)` on the GUI thread."""
        from desktop_app.record.notes import signed_note_hashes
        from desktop_app.report import verify_note

        disabled = self.disabled_users()
        issued_here = signed_note_hashes(self.db)  # read here: the worker has no connection
        self.busyChanged.emit(True)

        def verified(result: Any, error: BaseException | None) -> None:
            self.busyChanged.emit(False)
            if error is not None:  # verify_note reports problems; this is unexpected
                log.info("verification failed (%s)", type(error).__name__)
                from desktop_app.report import VerificationResult

                result = VerificationResult(problems=["the note could not be checked"])
            self.last_verification = result
            on_result(result)

        run_in_background(partial(verify_note, pdf, self.services.data_dir, disabled=disabled,
                                  in_record=issued_here.__contains__), verified)

    def verify_file(self, path: Path) -> None:
        """Verify a file (dropped on the window) and say what was found in a message."""
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as error:
            self._say("Cannot verify", f"{path.name} cannot be read: {error.strerror}.",
                      warning=True)
            return
        if data[:5] != b"%PDF-":
            self._say("Not a PDF", f"{path.name} is not a PDF file; only a signed note (PDF) "
                      "can be verified.", warning=True)
            return

        def show(result: Any) -> None:
            self._say("Signature valid" if result.ok else "Signature NOT valid",
                      f"{path.name}\n\n" + "\n".join(result.lines()), warning=not result.ok)

        self.verify_pdf(data, show)

    # the history view -----------------------------------------------------------------------
    def history_actions(self, exam_id: str) -> str:
        """The note links of one exam in the history (rich text; links `note:<action>:<id>`).
        An unsigned exam can still be edited; a signed one only amended."""
        notes = self.notes_of(int(exam_id))

        def link(action: str, words: str, target: int | str = exam_id) -> str:
            return f'<a href="note:{action}:{target}">{words}</a>'

        if not notes:
            return ("<br>Not signed \u00b7 " + link("edit", "Edit") + " \u00b7 "
                    + link("sign", "Sign note\u2026"))
        note = notes[-1]
        when = note.signed_at.astimezone().strftime("%d %b %H:%M")
        from desktop_app.record.reads import note_addenda

        addenda = len(note_addenda(self.db, note.id))
        more = f", {addenda} addend{'a' if addenda > 1 else 'um'}" if addenda else ""
        return (f"<br>\U0001f512 Signed by {escape(note.signed_by)} {when}{more} \u00b7 "
                + " \u00b7 ".join([link("open", "Open note"), link("reprint", "Reprint\u2026"),
                                   link("pdf", "Export PDF\u2026"),
                                   link("fhir", "Export FHIR\u2026"),
                                   link("addendum", "Add addendum\u2026", note.id)]))

    def follow_link(self, href: str) -> object:
        """A history link: `note:<action>:<id>`."""
        kind, _, rest = href.partition(":")
        action, _, target = rest.partition(":")
        if kind != "note" or not target:
            return None
        handlers: dict[str, Callable[[Any], object]] = {
            "sign": self.sign_exam, "open": self.open_note, "reprint": self.reprint,
            "pdf": self.export_pdf, "fhir": self.export_fhir, "addendum": self.add_addendum,
            "edit": self.editRequested.emit,
        }
        handler = handlers.get(action)
        return handler(int(target)) if handler else None
