"""The body map beside the sensory grid: coloured as grades are typed, a click selects a
dermatome's cells, hovering names its key sensory point."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QHelpEvent
from PySide6.QtWidgets import QApplication, QPushButton, QToolTip

from desktop_app.domain.scales import KEY_SENSORY_POINTS
from desktop_app.ui.bodymap_view import BodyMapView, worse_grade
from desktop_app.ui.theme import GRADE_FILLS
from desktop_app.ui.widgets import ChoiceRow
from tests.ui.driver import find, focused


def sensory_page(qtbot, window):
    qtbot.mouseClick(find(window, QPushButton, "main.new_episode"), Qt.MouseButton.LeftButton)
    wizard = window.wizard
    wizard.session.set_value("procedure.kind", "medial_branch_block")
    wizard.go(2)
    page = wizard.pages[2]
    assert page.page_id == "sensory"
    return wizard, page


def on_screen(view: BodyMapView, view_id: str, x: float, y: float) -> QPoint:
    box = view._boxes()[view_id]
    return QPointF(box.left() + x * box.width(), box.top() + y * box.height()).toPoint()


def test_worse_grade():
    assert worse_grade(2, 1) == 1
    assert worse_grade("NT", 2) == 2
    assert worse_grade("NT", None) == "NT"
    assert worse_grade(None, None) is None


def test_clicking_a_region_selects_its_cells(qtbot, window):
    wizard, page = sensory_page(qtbot, window)
    view = page.bodymap
    key = view.body.key_point("left", "L3")
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=on_screen(view, key.view, *key.point))
    assert view.selected == ("left", "L3")
    assert focused().objectName() == "sensory.L3.left.light_touch"
    selected = sorted(path for path, cell in page.cells.items() if cell._flags.get("selected"))
    assert selected == ["sensory.L3.left.light_touch", "sensory.L3.left.pinprick"]
    qtbot.keyClicks(focused(), "1")  # then the digits grade the selected cells
    qtbot.keyClicks(focused(), "0")
    assert wizard.session.grade("sensory.L3.left.pinprick") == 0


def test_hovering_names_the_key_sensory_point(qtbot, window):
    wizard, page = sensory_page(qtbot, window)
    view = page.bodymap
    for side in ("left", "right"):
        for dermatome, words in KEY_SENSORY_POINTS.items():
            key = view.body.key_point(side, dermatome)
            region = view.region_at(QPointF(on_screen(view, key.view, *key.point)))
            assert (region.side, region.dermatome) == (side, dermatome)
            assert f"key sensory point {words}" in view.region_text(region)
    key = view.body.key_point("right", "S1")
    at = on_screen(view, key.view, *key.point)
    QApplication.sendEvent(view, QHelpEvent(QEvent.Type.ToolTip, at, view.mapToGlobal(at)))
    assert QToolTip.text().startswith("Right S1: key sensory point lateral heel")
    QToolTip.hideText()


def test_the_map_is_coloured_by_the_grades_as_they_are_typed(qtbot, window):
    wizard, page = sensory_page(qtbot, window)
    view = page.bodymap
    view.resize(600, 400)
    key = view.body.key_point("left", "L4")
    inside = (key.point[0], key.point[1] - 0.08)  # up the medial leg, clear of the dot
    assert view.body.region_at(key.view, *inside).dermatome == "L4"
    at = on_screen(view, key.view, *inside)
    assert view.grab().toImage().pixelColor(at) == QColor("#ffffff")  # not entered yet
    for modality in ("light_touch", "pinprick"):
        cell = find(wizard, ChoiceRow, f"sensory.L4.left.{modality}")
        cell.setFocus()
        qtbot.keyClicks(cell, "2")
    assert view.grab().toImage().pixelColor(at) == QColor(GRADE_FILLS[2])
    cell = find(wizard, ChoiceRow, "sensory.L4.left.pinprick")
    cell.setFocus()
    qtbot.keyClicks(cell, "0")
    assert view.grades[("left", "L4")] == (2, 0)
    assert "left L4 absent" in view.accessibleDescription()
