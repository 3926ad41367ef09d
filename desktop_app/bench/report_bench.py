"""Benchmark: rendering plus signing one chart note, against an unsigned one-page reportlab
document made in the same warm process (the floor).

`python -m desktop_app.bench.report_bench`
"""

from __future__ import annotations

import io
import json
import tempfile
from datetime import datetime
from pathlib import Path

from desktop_app.bench.common import measure, median_ms, table


def one_page_document() -> bytes:
    """The floor: the least a one-page reportlab document with a heading and a table is."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build([
        Paragraph("Neurological check", styles["Heading1"]),
        Paragraph("A one-page document with a paragraph and a small table.", styles["Normal"]),
        Table([["Item", "Left", "Right"], ["Hip flexion", "5", "5"], ["Knee extension", "4", "5"]]),
    ])
    return buffer.getvalue()


def run(repeat: int = 15) -> dict[str, float]:
    from desktop_app.domain import assess
    from desktop_app.report import pki
    from desktop_app.report.note import render_note
    from desktop_app.report.samples import sample_document
    from desktop_app.report.signing import sign_note, signer_display
    from desktop_app.report.verify import verify_note

    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        pki.setup_authority(data, "admin", "bench-admin-pass")
        pki.enrol_user(data, "nurse", "Zoë Ngô-Ærøe", "RN", "bench-nurse-pass", role="nurse",
                       admin_name="admin", admin_password="bench-admin-pass")
        signer = pki.load_signer(data, "nurse", "bench-nurse-pass")
        document = sample_document("normal")
        assessment = assess(document)

        def render() -> bytes:
            return render_note(document, assessment, note_id="NC-BENCH-1",
                               signer_display=signer_display(signer),
                               signed_at=datetime.now().astimezone(), ward="7B")

        def render_and_sign() -> bytes:
            return sign_note(render(), signer)

        signed = render_and_sign()
        floor = measure(one_page_document, repeat=repeat)
        rendered = measure(render, repeat=repeat)
        both = measure(render_and_sign, repeat=repeat)
        verified = measure(lambda: verify_note(signed, data), repeat=repeat)
    figures = {
        "one_page_floor_ms": median_ms(floor),
        "render_ms": median_ms(rendered),
        "render_and_sign_ms": median_ms(both),
        "verify_ms": median_ms(verified),
    }
    figures["render_and_sign_ratio"] = figures["render_and_sign_ms"] / figures["one_page_floor_ms"]
    figures["render_ratio"] = figures["render_ms"] / figures["one_page_floor_ms"]
    return figures


def main() -> None:
    f = run()
    floor = f"{f['one_page_floor_ms']:.1f} ms"
    print(table([
        ("render one note (unsigned)", f"{f['render_ms']:.1f} ms", floor,
         f"{f['render_ratio']:.1f}x"),
        ("render + sign one note", f"{f['render_and_sign_ms']:.1f} ms", floor,
         f"{f['render_and_sign_ratio']:.1f}x"),
        ("verify one signed note", f"{f['verify_ms']:.1f} ms", floor,
         f"{f['verify_ms'] / f['one_page_floor_ms']:.1f}x"),
    ]))
    print(json.dumps(f))


if __name__ == "__main__":
    main()
