"""DejaVu fonts for the note: one family that prints Latin, Greek, Cyrillic and Vietnamese
names as typed (reportlab's built-in Helvetica would drop most of them)."""

from __future__ import annotations

from functools import cache

from desktop_app.paths import resource_path

SANS = "DejaVuSans"
SANS_BOLD = "DejaVuSans-Bold"
MONO = "DejaVuSansMono"


@cache
def register_fonts() -> None:
    """Register the bundled DejaVu fonts with reportlab (once per process).

    `<b>` in paragraph markup maps to the bold face; DejaVu ships no oblique face here, so
    `<i>` falls back to the upright one rather than to a font without the name's letters.
    """
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name, file_name in (
        (SANS, "DejaVuSans.ttf"),
        (SANS_BOLD, "DejaVuSans-Bold.ttf"),
        (MONO, "DejaVuSansMono.ttf"),
    ):
        pdfmetrics.registerFont(TTFont(name, str(resource_path("fonts", file_name))))
    addMapping(SANS, 0, 0, SANS)
    addMapping(SANS, 1, 0, SANS_BOLD)
    addMapping(SANS, 0, 1, SANS)
    addMapping(SANS, 1, 1, SANS_BOLD)
    addMapping(SANS_BOLD, 0, 0, SANS_BOLD)
    addMapping(SANS_BOLD, 1, 0, SANS_BOLD)
    addMapping(MONO, 0, 0, MONO)
    addMapping(MONO, 1, 0, MONO)
