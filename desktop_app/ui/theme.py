"""Colours, words and sizes shared by the windows and the body map.

A level is always shown as colour plus word plus symbol, never colour alone; a grade on
the body map is colour plus hatching plus the grade printed in the grid beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop_app.domain import Level
from desktop_app.domain.scales import NT

# Large enough for a finger on a bedside touch screen (about 9 mm at 96 dpi).
TOUCH_TARGET = 40
FONT_FAMILY = "DejaVu Sans"


@dataclass(frozen=True)
class LevelStyle:
    word: str
    symbol: str
    background: str
    foreground: str


LEVEL_STYLES: dict[Level, LevelStyle] = {
    Level.OBSERVE: LevelStyle("OBSERVE", "\u25cf", "#2e7d32", "#ffffff"),
    Level.NOTIFY: LevelStyle("NOTIFY", "\u25b2", "#f9a825", "#000000"),
    Level.URGENT: LevelStyle("URGENT", "\u25c6", "#c43e12", "#ffffff"),
    Level.EMERGENCY: LevelStyle("EMERGENCY", "\u26a0", "#b71c1c", "#ffffff"),
}
NO_LEVEL = LevelStyle("NOT ASSESSED", "\u25cb", "#eceff1", "#263238")
# The exam being entered, before the facts an assessment needs: neutral, no level colour.
NOT_YET_ASSESSED = LevelStyle("NOT YET ASSESSED", "\u25cb", "#eceff1", "#263238")
# An observe while required items are missing: neutral, never the green of an all-clear.
PROVISIONAL_OBSERVE = LevelStyle("OBSERVE", "\u25cc", "#cfd8dc", "#263238")

# Body-map fills by the worse of a dermatome's two sensory grades.
GRADE_FILLS: dict[object, str] = {
    2: "#c8e6c9",  # normal
    1: "#ffcc80",  # altered
    0: "#ef5350",  # absent
    NT: "#b0bec5",  # not testable
}
UNGRADED_FILL = "#ffffff"
SELECTED_OUTLINE = "#1565c0"
PROBLEM_COLOUR = "#b71c1c"

STYLE_SHEET = f"""
QWidget {{ font-family: "{FONT_FAMILY}"; }}
ChoiceRow {{ border: 2px solid transparent; border-radius: 6px; }}
ChoiceRow:focus {{ border: 3px solid {SELECTED_OUTLINE}; background: #e3f2fd; }}
ChoiceRow[selected="true"] {{ background: #bbdefb; }}
ChoiceRow[problem="true"] {{ border: 2px dashed {PROBLEM_COLOUR}; }}
ChoiceRow QToolButton {{
    min-width: 30px; min-height: {TOUCH_TARGET}px; padding: 0 3px;
    border: 1px solid #90a4ae; border-radius: 4px; background: #fafafa;
}}
ChoiceRow QToolButton:checked {{ background: #1565c0; color: white; border-color: #0d47a1; }}
QLabel[role="problem"] {{ color: {PROBLEM_COLOUR}; font-weight: bold; }}
QLabel[role="note"] {{ color: #37474f; }}
QLabel[role="heading"] {{ font-size: 13pt; font-weight: bold; }}
QGroupBox {{ font-weight: bold; }}
QListWidget::item {{ min-height: {TOUCH_TARGET}px; }}
QGroupBox#redflags {{ border: 3px solid {PROBLEM_COLOUR}; border-radius: 6px;
    margin-top: 14px; padding: 8px; background: #fff5f5; }}
QGroupBox#redflags::title {{ color: {PROBLEM_COLOUR}; subcontrol-origin: margin; left: 10px; }}
QPushButton, QLineEdit, QComboBox, QAbstractSpinBox {{ min-height: {TOUCH_TARGET - 6}px; }}
QPushButton {{ padding: 0 14px; }}
QPushButton#wizard\\.finish {{ font-weight: bold; }}
QScrollArea[role="panel"] QScrollBar:vertical {{ background: #eceff1; width: 12px; margin: 0; }}
QScrollArea[role="panel"] QScrollBar::handle:vertical {{ background: #78909c;
    min-height: 30px; border-radius: 4px; margin: 1px; }}
QScrollArea[role="panel"] QScrollBar::handle:vertical:disabled {{ background: #eceff1; }}
QScrollArea[role="panel"] QScrollBar::add-line:vertical,
QScrollArea[role="panel"] QScrollBar::sub-line:vertical {{ height: 0; }}
QToolButton[role="step"] {{ min-height: 34px; padding: 0 5px; border: none;
    border-bottom: 3px solid transparent; }}
QToolButton[role="step"]:checked {{ border-bottom: 3px solid {SELECTED_OUTLINE};
    background: #e3f2fd; }}
"""


def level_style(level: Level | None) -> LevelStyle:
    return NO_LEVEL if level is None else LEVEL_STYLES[level]


def shown_style(level: Level | None, *, provisional: bool) -> LevelStyle:
    """How a level is shown while the exam is entered: not yet assessed, or a level; a
    provisional observe is never the green of an all-clear."""
    if level is None:
        return NOT_YET_ASSESSED
    if provisional and level == Level.OBSERVE:
        return PROVISIONAL_OBSERVE
    return LEVEL_STYLES[level]
