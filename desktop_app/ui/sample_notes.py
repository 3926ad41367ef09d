"""The sample notes drawn as pages: a look at the layout after a change, and the README
picture.

    python -m desktop_app.ui.sample_notes [FOLDER]   writes PDFs and page PNGs (default out/)
    python -m desktop_app.ui.sample_notes --readme   writes resources/docs/note-example.png
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from desktop_app.report.samples import (
    SAMPLE_ESCALATIONS,
    SCRIPT_NAMES,
    sample_document,
    sample_with_name,
)


def main(argv: list[str]) -> int:
    """Write the sample notes (A4 and Letter, normal and emergency, and the emergency one
    for a patient and a nurse named in each script of `SCRIPT_NAMES`) as PDFs and PNGs."""
    from PySide6.QtGui import QGuiApplication

    from desktop_app.domain import assess
    from desktop_app.report.note import SignerDisplay, render_note
    from desktop_app.ui.printing import save_page_images

    if argv == ["--readme"]:
        return write_readme_image()
    folder = Path(argv[0] if argv else "out")
    folder.mkdir(parents=True, exist_ok=True)
    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 - QtPdf needs it
    signer = SignerDisplay("Mai Trần Thị", "RN, BSN", "mtran")
    for kind in ("normal", "emergency"):
        document = sample_document(kind)
        for paper in ("a4", "letter"):
            pdf = render_note(
                document, assess(document), note_id="NC-20260504-SAMPLE01",
                escalations=SAMPLE_ESCALATIONS if kind == "emergency" else (),
                signer_display=signer,
                signed_at=document.exam.performed_at + timedelta(minutes=12),
                ward="Ward 7B Day Surgery", institution="St Elsewhere General Hospital",
                paper=paper, episode="EP-2026-0042",
            )
            stem = f"sample-{kind}-{paper}"
            (folder / f"{stem}.pdf").write_bytes(pdf)
            for path in save_page_images(pdf, folder, stem, dpi=110):
                print(path)
    for script, name in SCRIPT_NAMES.items():
        document = sample_with_name(name)
        pdf = render_note(
            document, assess(document), note_id="NC-20260504-SAMPLE02",
            escalations=[{**SAMPLE_ESCALATIONS[0], "name": name}],
            signer_display=SignerDisplay(name, "RN", "nurse"),
            signed_at=document.exam.performed_at + timedelta(minutes=12),
            ward="Ward 7B Day Surgery", institution="St Elsewhere General Hospital",
        )
        stem = f"sample-name-{script}"
        (folder / f"{stem}.pdf").write_bytes(pdf)
        for path in save_page_images(pdf, folder, stem, dpi=110):
            print(path)
    return 0


def write_readme_image() -> int:
    """Page 1 of the emergency sample (A4), in grey levels, as the README's picture."""
    from PySide6.QtGui import QGuiApplication, QImage

    from desktop_app.domain import assess
    from desktop_app.paths import resource_path
    from desktop_app.report.note import SignerDisplay, render_note
    from desktop_app.ui.printing import page_images

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 - QtPdf needs it
    document = sample_document("emergency")
    pdf = render_note(
        document, assess(document), note_id="NC-20260504-SAMPLE01",
        escalations=SAMPLE_ESCALATIONS,
        signer_display=SignerDisplay("Mai Trần Thị", "RN, BSN", "mtran"),
        signed_at=document.exam.performed_at + timedelta(minutes=12),
        ward="Ward 7B Day Surgery", institution="St Elsewhere General Hospital",
        episode="EP-2026-0042",
    )
    image = page_images(pdf, dpi=110)[0].convertToFormat(QImage.Format.Format_Grayscale8)
    path = resource_path("docs", "note-example.png")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(str(path), "PNG", 0)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
