"""Printing a note, and its pages as images, through Qt (QtPdf renders, QPrinter prints).

The report package draws and signs the note without Qt; printing it, and drawing its pages
as images (the sample notes, the README picture), is the GUI's. Qt is imported inside the
functions. A QGuiApplication (or QApplication) must exist before these are called.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class PrintError(RuntimeError):
    """The note could not be laid out for printing (the message names no patient)."""


def _open(pdf_bytes: bytes) -> tuple[Any, Any]:
    """A loaded QPdfDocument and the buffer it reads from (keep both alive)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtPdf import QPdfDocument

    buffer = QBuffer()
    buffer.setData(QByteArray(pdf_bytes))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    if document.status() != QPdfDocument.Status.Ready or document.pageCount() == 0:
        raise PrintError(f"the note cannot be read as a PDF ({document.error().name})")
    return document, buffer


def _render_page(document: Any, page: int, dpi: float) -> Any:
    """One page as an opaque QImage: QtPdf leaves unpainted paper transparent, so the page
    is laid on white (as paper is) before anyone saves or prints it."""
    from PySide6.QtCore import QSize, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtPdf import QPdfDocumentRenderOptions

    points = document.pagePointSize(page)
    size = QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72))
    rendered = document.render(page, size, QPdfDocumentRenderOptions())
    paper = QImage(size, QImage.Format.Format_RGB32)
    paper.fill(Qt.GlobalColor.white)
    painter = QPainter(paper)
    painter.drawImage(0, 0, rendered)
    painter.end()
    return paper


def page_images(pdf_bytes: bytes, dpi: float = 110) -> list[Any]:
    """Every page of a PDF as an opaque QImage (white paper) at `dpi`."""
    document, _buffer = _open(pdf_bytes)
    return [_render_page(document, page, dpi) for page in range(document.pageCount())]


def save_page_images(pdf_bytes: bytes, folder: Path, stem: str, dpi: float = 110) -> list[Path]:
    """Save every page as `folder/stem-N.png`; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, image in enumerate(page_images(pdf_bytes, dpi), start=1):
        path = folder / f"{stem}-{number}.png"
        if not image.save(str(path), "PNG"):
            raise PrintError(f"cannot write page {number} as an image")
        paths.append(path)
    return paths


def print_note(pdf_bytes: bytes, printer: Any, dpi: int = 300) -> int:
    """Print every page of the note on `printer` (a configured QPrinter); returns the count.

    Each page is rendered at the printer's resolution (at most `dpi`) and scaled to the
    printable page keeping its proportions, so nothing is clipped on A4 or Letter.
    """
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QPainter

    document, _buffer = _open(pdf_bytes)
    painter = QPainter()
    if not painter.begin(printer):
        raise PrintError("the printer could not be started")
    try:
        resolution = min(printer.resolution(), dpi)
        for page in range(document.pageCount()):
            if page:
                printer.newPage()
            image = _render_page(document, page, resolution)
            area = painter.viewport()
            scaled = image.size().scaled(area.size(), _keep_aspect())
            target = QRect(area.x() + (area.width() - scaled.width()) // 2,
                           area.y() + (area.height() - scaled.height()) // 2,
                           scaled.width(), scaled.height())
            painter.drawImage(target, image)
        return document.pageCount()
    finally:
        painter.end()


def print_note_to_pdf(pdf_bytes: bytes, path: Path, paper: str = "a4", dpi: int = 150) -> int:
    """Print the note through QPrinter into a PDF file (what a "print to file" does)."""
    from PySide6.QtGui import QPageLayout, QPageSize
    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setResolution(dpi)
    size = QPageSize.PageSizeId.Letter if paper == "letter" else QPageSize.PageSizeId.A4
    printer.setPageSize(QPageSize(size))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setFullPage(True)
    return print_note(pdf_bytes, printer, dpi)


def _keep_aspect():
    from PySide6.QtCore import Qt

    return Qt.AspectRatioMode.KeepAspectRatio
