"""The review screenshots can be taken (the script a person runs to look at the board and the
charts), and the board holds the whole demo ward readably at 1366x768."""

from __future__ import annotations

from PySide6.QtGui import QFontMetrics, QImage

from desktop_app.store.demo import SCENARIOS
from desktop_app.ui.ward.board import COLUMNS
from tests.ui.ward.conftest import add_episode, sign_in
from tests.ui.ward.screenshots import SIZE, take


def test_the_screenshots_are_taken(qtbot, tmp_path):
    shots = take(tmp_path / "shots")
    assert {"board", "serial-view", "trend-chart", "lock-idle", "audit", "settings"} <= set(shots)
    board = QImage(str(shots["board"]))
    assert (board.width(), board.height()) == SIZE
    locked = QImage(str(shots["lock-idle"]))
    # the lock screen is the cover's colour almost everywhere: nothing of the ward shows
    corner = locked.pixelColor(5, SIZE[1] - 5)
    assert corner.name() == "#263238"


def test_the_demo_ward_fits_the_board_without_cutting_a_word(qtbot, ward, db):
    for index, scenario in enumerate(SCENARIOS):
        if not scenario.closed:
            add_episode(db, index, scenario)
    sign_in(qtbot, ward, "nurse")
    model = ward.board.model
    assert model.rowCount() == 30
    table = ward.board.table
    header = table.horizontalHeader()
    bold = table.font()
    bold.setBold(True)
    metrics = QFontMetrics(bold)
    for row in range(model.rowCount()):
        for column, name in enumerate(COLUMNS):
            text = model.data(model.index(row, column))
            assert header.sectionSize(column) >= metrics.horizontalAdvance(text) + 8, \
                (name, text)
    assert header.length() <= table.viewport().width()  # no sideways scrolling
