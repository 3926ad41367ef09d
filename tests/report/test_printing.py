"""Printing through Qt: the note goes through QPrinter page by page, nothing clipped."""

from __future__ import annotations

import io

import pytest

from desktop_app.report.samples import sample_document
from desktop_app.ui.printing import PrintError, page_images, print_note_to_pdf
from tests.report.conftest import render


@pytest.mark.parametrize(("paper", "points"), [("a4", (595, 842)), ("letter", (612, 792))])
def test_printing_to_a_pdf_file_through_qprinter(qapp, tmp_path, paper, points):
    from pypdf import PdfReader

    note = render(sample_document("emergency"), paper=paper)
    target = tmp_path / "printed.pdf"
    printed = print_note_to_pdf(note, target, paper=paper, dpi=100)
    reader = PdfReader(io.BytesIO(target.read_bytes()))
    assert printed == len(reader.pages) == len(PdfReader(io.BytesIO(note)).pages)
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(points, abs=1.5)


def test_printed_pages_carry_the_note_not_blank_paper(qapp, tmp_path):
    note = render(sample_document("normal"))
    target = tmp_path / "printed.pdf"
    print_note_to_pdf(note, target, dpi=120)
    (printed_page, *_) = page_images(target.read_bytes(), dpi=60)
    (source_page, *_) = page_images(note, dpi=60)
    assert printed_page.size() == source_page.size()

    def darkness_map(image, columns: int = 12, rows: int = 16) -> list[float]:
        """Mean darkness of each block of a grid laid over the page."""
        gray = image.convertToFormat(image.Format.Format_Grayscale8)
        width, height = gray.width() // columns, gray.height() // rows
        return [
            sum(255 - gray.pixelColor(x, y).value()
                for y in range(r * height, (r + 1) * height, 2)
                for x in range(c * width, (c + 1) * width, 2)) / (width * height / 4)
            for r in range(rows) for c in range(columns)
        ]

    printed, source = darkness_map(printed_page), darkness_map(source_page)
    assert sum(printed) > 100  # not blank paper
    # The same page, not cropped, shifted or shrunk: the darkness maps agree closely.
    mean_p, mean_s = sum(printed) / len(printed), sum(source) / len(source)
    covariance = sum((p - mean_p) * (q - mean_s) for p, q in zip(printed, source, strict=True))
    spread = (sum((p - mean_p) ** 2 for p in printed) * sum((q - mean_s) ** 2 for q in source))
    assert covariance / spread**0.5 > 0.95


def test_page_images_have_the_page_proportions(qapp):
    images = page_images(render(sample_document("normal"), paper="letter"), dpi=72)
    assert [(i.width(), i.height()) for i in images] == [(612, 792)] * len(images)


def test_a_non_pdf_cannot_be_printed(qapp, tmp_path):
    with pytest.raises(PrintError):
        print_note_to_pdf(b"not a pdf", tmp_path / "x.pdf")


def test_the_report_package_keeps_qt_out_and_printing_loads_it_only_when_it_prints():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import desktop_app.report.note, desktop_app.report.signing, desktop_app.report.verify\n"
        "import desktop_app.report.pki, desktop_app.report.bodymap_drawing\n"
        "import desktop_app.commands.note, desktop_app.commands.verify\n"
        "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt imported'\n"
        "import desktop_app.ui.printing\n"
        "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt at import'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
