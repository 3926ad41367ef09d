"""Usable at 1366x768 (and bigger): every page fits its width, the live panel stays in
view, and the grade buttons are touch-sized."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QScrollArea, QWidget

from desktop_app.domain import Level
from desktop_app.ui.theme import LEVEL_STYLES, NOT_YET_ASSESSED, TOUCH_TARGET
from desktop_app.ui.widgets import ChoiceRow
from tests.conftest import CASES
from tests.ui.driver import enter, fill_patient_page, find, press


@pytest.mark.parametrize("kind", ["medial_branch_block", "im_injection"])
@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_every_page_fits_beside_the_live_panel(qtbot, window, kind, size):
    window.resize(*size)
    qtbot.mouseClick(find(window, QPushButton, "main.new_episode"), Qt.MouseButton.LeftButton)
    wizard = window.wizard
    wizard.session.set_value("procedure.kind", kind)
    wizard.session.set_value("symptoms.saddle_anaesthesia", True)  # escalation page shown
    screen = QRect(0, 0, *size)
    for index, page in enumerate(wizard.pages):
        wizard.go(index)
        qtbot.wait(1)
        panel = wizard.panel
        top_left = panel.mapTo(window, panel.rect().topLeft())
        assert screen.contains(QRect(top_left, panel.size())), page.page_id
        scroll = wizard.stack.currentWidget()
        assert isinstance(scroll, QScrollArea)
        assert not scroll.horizontalScrollBar().isVisible(), f"{page.page_id} is too wide"
        for cell in page.findChildren(ChoiceRow):
            if cell.isVisibleTo(page):
                for button in cell.buttons:
                    assert button.height() >= TOUCH_TARGET, cell.path
                    assert button.width() >= 30, cell.path


@pytest.mark.parametrize("size", [(960, 540), (1366, 728)])
def test_the_words_of_an_emergency_fit_the_banner(qtbot, window, size):
    """960x540 is 1920x1080 at 200 %; 1366x728 is 1366x768 less the taskbar. The larger
    bold font of an urgent level must not push the banner's last line out of sight."""
    window.resize(*size)
    qtbot.mouseClick(find(window, QPushButton, "main.new_episode"), Qt.MouseButton.LeftButton)
    wizard = window.wizard
    fill_patient_page(qtbot, wizard, json.loads(
        (CASES / "mbb-normal-1h.json").read_text(encoding="utf-8")))
    enter(qtbot)
    press(qtbot, find(wizard, ChoiceRow, "symptoms.saddle_anaesthesia"), True)
    qtbot.wait(1)
    alarm = find(window, QLabel, "wizard.alarm")
    assert alarm.text().startswith("\u26a0 EMERGENCY")
    needed = alarm.heightForWidth(alarm.width())
    banner = find(window, QFrame, "wizard.banner")
    assert needed <= banner.contentsRect().height() - 2, (needed, banner.height())
    assert alarm.height() >= needed


def test_the_step_bar_never_makes_the_window_wider_than_200_percent_allows(qtbot, window):
    """At 200 % on 1920x1080 (960x540) the widest step bar, with two pages marked optional,
    the escalation step shown and every other step counting what it lacks, still fits."""
    window.resize(960, 540)
    qtbot.mouseClick(find(window, QPushButton, "main.new_episode"), Qt.MouseButton.LeftButton)
    wizard = window.wizard
    wizard.session.set_value("procedure.kind", "im_injection")
    wizard.session.set_value("procedure.site", "deltoid")
    wizard.session.set_value("procedure.performed_at", datetime(2026, 5, 4, 8, 0, tzinfo=UTC))
    wizard.session.set_value("exam.performed_at", datetime(2026, 5, 4, 10, 0, tzinfo=UTC))
    wizard.session.set_value("motor.wrist_extension.left", 2)  # wrist drop: urgent
    for index in range(len(wizard.pages)):
        wizard.go(index)  # leaving a page reveals what it lacks: the step counts it
    wizard.go(0)
    qtbot.wait(1)
    shown = [b.text() for b in wizard.step_buttons if b.isVisible()]
    assert sum("\u2022" in text for text in shown) >= 3, shown
    assert sum("(optional)" in text for text in shown) == 2, shown
    assert any("Escalation" in text for text in shown), shown
    assert window.minimumSizeHint().width() <= 960, (window.minimumSizeHint().width(), shown)
    assert window.width() <= 960


def test_the_panel_text_keeps_its_width_when_the_panel_grows_past_its_height(qtbot, window):
    """The panel's lines never re-wrap under the nurse's eyes because a scroll bar came in:
    the width of its text is the same when everything fits and when it has to scroll."""
    qtbot.mouseClick(find(window, QPushButton, "main.new_episode"), Qt.MouseButton.LeftButton)
    wizard = window.wizard
    body = find(wizard.panel, QWidget, "assessment.body")
    bar = find(wizard.panel, QScrollArea, "assessment.scroll").verticalScrollBar()
    qtbot.wait(1)
    assert bar.maximum() == 0  # nothing to scroll yet
    short = body.width()
    fill_patient_page(qtbot, wizard, json.loads(
        (CASES / "mbb-normal-1h.json").read_text(encoding="utf-8")))
    enter(qtbot)
    press(qtbot, find(wizard, ChoiceRow, "symptoms.saddle_anaesthesia"), True)
    qtbot.waitUntil(lambda: bar.maximum() > 0)  # an emergency says more than fits
    assert body.width() == short


@pytest.mark.parametrize("answer", [True, False])
def test_the_banner_words_are_in_the_level_colours(qtbot, window, answer):
    """White words on the red of an emergency (and the level's own text colour on every
    banner), as in the panel: not the black of the style sheet on a dark red."""
    qtbot.mouseClick(find(window, QPushButton, "main.new_episode"), Qt.MouseButton.LeftButton)
    wizard = window.wizard
    fill_patient_page(qtbot, wizard, json.loads(
        (CASES / "mbb-normal-1h.json").read_text(encoding="utf-8")))
    enter(qtbot)
    press(qtbot, find(wizard, ChoiceRow, "symptoms.saddle_anaesthesia"), answer)
    qtbot.wait(1)
    banner = find(window, QFrame, "wizard.banner")
    background = banner.palette().window().color().name()
    words = LEVEL_STYLES[Level.EMERGENCY] if answer else NOT_YET_ASSESSED
    assert background == words.background
    for name in ("wizard.alarm", "wizard.header"):
        label = find(window, QLabel, name)
        assert label.palette().windowText().color().name() == words.foreground, name


@pytest.mark.parametrize("kind", ["medial_branch_block", "im_injection"])
def test_at_200_percent_no_page_scrolls_sideways_and_right_still_comes_first(
        qtbot, window, kind):
    """960x540 is 1920x1080 at 200 %: the grids put Left under Right, each side named,
    rather than scroll sideways or cut the buttons' words."""
    window.resize(960, 540)
    qtbot.mouseClick(find(window, QPushButton, "main.new_episode"), Qt.MouseButton.LeftButton)
    wizard = window.wizard
    wizard.session.set_value("procedure.kind", kind)
    wizard.session.set_value("symptoms.saddle_anaesthesia", True)  # escalation page shown
    pairs = 0
    for index, page in enumerate(wizard.pages):
        wizard.go(index)
        qtbot.wait(1)
        scroll = wizard.stack.currentWidget()
        assert not scroll.horizontalScrollBar().isVisible(), f"{page.page_id} is too wide"
        viewport = scroll.viewport()
        for path, cell in page.cells.items():
            other = page.cells.get(path.replace(".right", ".left"))
            if ".right" not in path or other is None or not cell.isVisible():
                continue
            right, left = (c.mapTo(page, QPoint(0, 0)) for c in (cell, other))
            assert right.y() < left.y() or right.x() < left.x(), f"{path}: left first"
            for shown in (cell, other):
                edge = shown.mapTo(viewport, QPoint(shown.width(), 0)).x()
                assert edge <= viewport.width(), f"{shown.path} is cut off"
                for button in shown.buttons:
                    assert button.width() >= button.sizeHint().width() - 2, (
                        f"{shown.path}: {button.text()} squeezed")
            pairs += 1
    assert pairs >= 5 * 2 + 5 + 1 + 2  # sensory rows x 2, legs, straight-leg raise, reflexes


def test_every_level_colour_reads_at_wcag_aa_contrast():
    """The word on each level's colour (banner, board, panel) at 4.5:1 or better."""
    from desktop_app.ui.theme import LEVEL_STYLES, NO_LEVEL, NOT_YET_ASSESSED, PROVISIONAL_OBSERVE

    def luminance(colour: str) -> float:
        def channel(value: int) -> float:
            c = value / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)

    for style in (*LEVEL_STYLES.values(), NO_LEVEL, NOT_YET_ASSESSED, PROVISIONAL_OBSERVE):
        light, dark = sorted((luminance(style.background), luminance(style.foreground)),
                             reverse=True)
        assert (light + 0.05) / (dark + 0.05) >= 4.5, style.word
