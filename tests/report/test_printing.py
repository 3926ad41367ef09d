"""Printing through Qt: the note goes through QPrinter page by page, nothing clipped."""

from __future__ import annotations

import io

import pytest

from desktop_app.report.printing import PrintError, page_images, print_note_to_pdf
from desktop_app.report.samples import sample_document
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
    print_note_to_pdf(note, target, dpi=100)
    (printed_page, *_) = page_images(target.read_bytes(), dpi=40)
    (source_page, *_) = page_images(note, dpi=40)
    assert printed_page.size() == source_page.size()

    def ink(image) -> int:
        gray = image.convertToFormat(image.Format.Format_Grayscale8)
        return sum(1 for y in range(gray.height()) for x in range(gray.width())
                   if gray.pixelColor(x, y).value() < 128)

    # The same amount of dark ink within a tenth: the page was scaled, not cropped.
    assert ink(printed_page) == pytest.approx(ink(source_page), rel=0.1)
    assert ink(printed_page) > 1000


def test_page_images_have_the_page_proportions(qapp):
    images = page_images(render(sample_document("normal"), paper="letter"), dpi=72)
    assert [(i.width(), i.height()) for i in images] == [(612, 792)] * len(images)


def test_a_non_pdf_cannot_be_printed(qapp, tmp_path):
    with pytest.raises(PrintError):
        print_note_to_pdf(b"not a pdf", tmp_path / "x.pdf")


def test_the_report_package_keeps_qt_out_of_everything_but_printing():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import desktop_app.report.note, desktop_app.report.signing, desktop_app.report.verify\n"
        "import desktop_app.report.pki, desktop_app.report.bodymap_drawing\n"
        "import desktop_app.commands.note, desktop_app.commands.verify\n"
        "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt imported'\n"
        "import desktop_app.report.printing\n"
        "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt at import'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
