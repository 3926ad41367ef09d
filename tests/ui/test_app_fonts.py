"""The GUI draws names in any script: the bundled Noto fonts stand in for DejaVu's gaps."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics

from desktop_app.ui.app import set_up_application
from desktop_app.ui.theme import FONT_FAMILY

NAMES = {
    "Noto Sans Arabic": "محمد",
    "Noto Sans Hebrew": "שרה",
    "Noto Sans Devanagari": "अनन्या",
    "Noto Sans Thai": "สมชาย",
    "Noto Sans CJK SC": "王小明山田김민준",
}


def test_the_app_font_falls_back_to_the_noto_fonts_for_other_scripts(qapp):
    set_up_application()
    substitutes = QFont.substitutes(FONT_FAMILY)
    for family, sample in NAMES.items():
        assert family in QFontDatabase.families(), family
        assert family.lower() in [s.lower() for s in substitutes], substitutes
        metrics = QFontMetrics(QFont(family, 10))
        assert all(metrics.inFontUcs4(ord(c)) for c in sample), family
