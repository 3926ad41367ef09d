"""The signed note on screen: the PDF itself (QtPdf), and what can be done with it: print,
save as PDF, verify the signature, add a signed addendum."""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import escape
from typing import Any, Protocol

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.dialogs import close_on_escape, fit_to_screen
from desktop_app.ui.widgets import heading

log = logging.getLogger(__name__)


class NoteActions(Protocol):
    """What the viewer asks of its desk (ui.signing.NoteDesk): the viewer shows a note,
    the desk does the work, so the viewer need not know the desk."""

    window: QWidget
    busyChanged: Any  # a Signal(bool): the desk is signing or printing

    def print_pdf(self, pdf: bytes, note_row_id: int,
                  done: Callable[[str], None] | None = None) -> None: ...

    def save_pdf(self, pdf: bytes, note_row_id: int,
                 done: Callable[[str], None] | None = None) -> None: ...

    def verify_pdf(self, pdf: bytes, on_result: Callable[[Any], None]) -> None: ...

    def add_addendum(self, note_row_id: int) -> Any: ...


class NoteViewer(QWidget):
    """One signed note (or addendum) in its own window."""

    def __init__(self, desk: NoteActions, pdf: bytes, note_row_id: int, *, title: str,
                 parent: QWidget | None = None) -> None:
        # A window of its own, owned by the main window: it goes when the main window goes.
        window = getattr(desk, "window", None)
        super().__init__(parent or (window if isinstance(window, QWidget) else None),
                         Qt.WindowType.Window)
        self.setObjectName("note_viewer")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(f"NeuroCheck \u2014 {title}")
        self.desk = desk
        self.pdf = pdf
        self.note_row_id = note_row_id
        fit_to_screen(self, 1366, 768)
        close_on_escape(self)

        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(pdf))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(self)
        self.document.load(self._buffer)
        self.view = QPdfView(self)
        self.view.setObjectName("note_viewer.pdf")
        self.view.setAccessibleName("The signed note")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setPageSpacing(12)

        side = QVBoxLayout()
        side.addWidget(heading(title))
        self.facts = QLabel(self._facts())
        self.facts.setObjectName("note_viewer.facts")
        self.facts.setWordWrap(True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        side.addWidget(self.facts)
        self.print_button = self._button("note_viewer.print", "&Print\u2026", self.print_note)
        self.save_button = self._button("note_viewer.save", "&Save as PDF\u2026", self.save_pdf)
        self.verify_button = self._button("note_viewer.verify", "&Verify signature",
                                          self.verify)
        self.addendum_button = self._button("note_viewer.addendum", "Add &addendum\u2026",
                                            self.add_addendum)
        for button in (self.print_button, self.save_button, self.verify_button,
                       self.addendum_button):
            side.addWidget(button)
        self.progress = QProgressBar()
        self.progress.setObjectName("note_viewer.busy")
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(8)
        self.progress.setVisible(False)
        side.addWidget(self.progress)
        self.status = QLabel()
        self.status.setObjectName("note_viewer.status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        side.addWidget(self.status)
        self.verification = QLabel()
        self.verification.setObjectName("note_viewer.verification")
        self.verification.setWordWrap(True)
        self.verification.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        side.addWidget(self.verification)
        side.addStretch(1)
        close = self._button("note_viewer.close", "Close", self.close)
        side.addWidget(close)
        panel = QWidget()
        panel.setLayout(side)
        panel.setFixedWidth(320)

        layout = QHBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(panel)
        QShortcut(QKeySequence.StandardKey.Print, self, activated=self.print_note)
        desk.busyChanged.connect(self._busy)

    def _button(self, name: str, text: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAccessibleName(text.replace("&", "").rstrip("\u2026"))
        button.clicked.connect(slot)
        return button

    def _facts(self) -> str:
        from desktop_app.interop.source import note_fields

        fields: dict[str, Any] = note_fields(self.pdf)
        lines = [f"Note ID: {escape(str(fields.get('note-id') or 'unknown'))}"]
        if fields.get("amends"):
            lines.append(f"Amends note: {escape(str(fields['amends']))}")
        if fields.get("signer"):
            lines.append(f"Signed by user: {escape(str(fields['signer']))}")
        pages = self.document.pageCount()
        lines.append(f"{pages} page{'s' * (pages != 1)}")
        return "<br>".join(lines)

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)

    def _say(self, text: str) -> None:
        self.status.setText(text)

    def print_note(self) -> None:
        self._say("Choose the printer\u2026")
        self.desk.print_pdf(self.pdf, self.note_row_id, done=self._say)

    def save_pdf(self) -> None:
        self.desk.save_pdf(self.pdf, self.note_row_id, done=self._say)

    def verify(self) -> None:
        self.verification.setText("Checking the signature\u2026")
        self.verify_button.setEnabled(False)
        self.desk.verify_pdf(self.pdf, self._verified)

    def _verified(self, result: Any) -> None:
        import shiboken6

        if not shiboken6.isValid(self):
            return
        self.verify_button.setEnabled(True)
        colour = "#1b5e20" if result.ok else "#b71c1c"
        # A SHA-256 is one unbreakable word: it goes on lines of its own, in halves.
        lines = [escape(line) if not line.startswith("Exam record SHA-256: ") else
                 f"Exam record SHA-256:<br><tt>{line[21:53]}<br>{line[53:]}</tt>"
                 for line in result.lines()]
        self.verification.setText(f"<p style='color:{colour}'><b>{lines[0]}</b></p>"
                                  + "<br>".join(lines[1:]))

    def add_addendum(self) -> None:
        self.desk.add_addendum(self.note_row_id)
