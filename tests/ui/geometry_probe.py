"""Measure the ward screens on a given screen, in a process of its own (the screen and the
scale factor are fixed when Qt starts): `python -m tests.ui.geometry_probe WIDTH HEIGHT
[SCALE] [PNG_DIR]` prints one JSON object: the available geometry, the main window's
frame, and for the lock screen, the board, the note viewer and each exam page the controls
that are cut off and whether the content needs scrolling sideways. With PNG_DIR it saves
what it measured there, to be looked at.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path


def configure(width: int, height: int, scale: float) -> Path:
    """The offscreen platform with one screen of `width` x `height` device pixels."""
    config = Path(tempfile.mkdtemp()) / "screen.json"
    config.write_text(json.dumps({"screens": [{
        "name": "ward", "x": 0, "y": 0, "width": width, "height": height,
        "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}), encoding="utf-8")
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    os.environ["QT_SCALE_FACTOR"] = f"{scale:g}"
    return config


def clipped(root, area=None) -> list[str]:
    """Visible controls of `root` that are not wholly inside their window and the screen's
    available area (`area`, the primary screen's by default), or are cut by a parent (a
    scroll area's viewport excepted: what it hides, it scrolls to)."""
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractScrollArea,
        QApplication,
        QComboBox,
        QLabel,
        QLineEdit,
        QWidget,
    )

    window = root.window()
    screen = area if area is not None else QApplication.primaryScreen().availableGeometry()
    cut = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, QAbstractButton | QComboBox | QLineEdit | QLabel):
            continue
        if not widget.isVisible() or widget.width() <= 0:
            continue
        if isinstance(widget, QLabel) and not widget.text().strip():
            continue
        inside_scroll = False
        parent = widget.parentWidget()
        while parent is not None and parent is not window:
            if isinstance(parent.parentWidget(), QAbstractScrollArea) and \
                    parent is parent.parentWidget().viewport():
                inside_scroll = True
                break
            parent = parent.parentWidget()
        if inside_scroll:
            continue
        top_left = widget.mapTo(window, QPoint(0, 0))
        box = QRect(top_left, widget.size())
        if not window.rect().contains(box):
            cut.append(f"{widget.objectName() or type(widget).__name__}: outside the window")
            continue
        if not screen.contains(QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())):
            cut.append(f"{widget.objectName() or type(widget).__name__}: off the screen")
            continue
        if isinstance(widget, QLabel) and widget.wordWrap() and \
                widget.height() < widget.heightForWidth(widget.width()):
            cut.append(f"{widget.objectName() or 'label'}: text cut off")
            continue
        if widget.height() < widget.minimumSizeHint().height() - 1 or \
                widget.width() < min(widget.minimumSizeHint().width(), 40):
            cut.append(f"{widget.objectName() or type(widget).__name__}: squeezed")
    return sorted(set(cut))


def sideways(root) -> list[str]:
    """Scroll areas of `root` whose content is wider than what they show."""
    from PySide6.QtWidgets import QAbstractScrollArea

    return sorted({area.objectName() or type(area).__name__
                   for area in [root, *root.findChildren(QAbstractScrollArea)]
                   if isinstance(area, QAbstractScrollArea) and area.isVisible()
                   and area.horizontalScrollBar().maximum() > 0})


def pump(seconds: float) -> None:
    """Handle events for `seconds` (posted layouts, zero timers)."""
    import time

    from PySide6.QtCore import QCoreApplication, QEventLoop

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def a_pdf(folder: Path) -> bytes:
    """A one-page PDF (what the viewer shows does not matter here, its frame does)."""
    from PySide6.QtGui import QPageSize, QPainter, QPdfWriter

    path = folder / "page.pdf"
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    painter = QPainter(writer)
    painter.drawText(200, 200, "Note")
    painter.end()
    return path.read_bytes()


def main(argv: list[str]) -> dict:
    width, height = int(argv[0]), int(argv[1])
    scale = float(argv[2]) if len(argv) > 2 else 1.0
    shots = Path(argv[3]) if len(argv) > 3 else None
    configure(width, height, scale)

    from PySide6.QtWidgets import QApplication

    from desktop_app.record.ward import fill_demo
    from desktop_app.store import open_database
    from desktop_app.store.demo import PASSWORD
    from desktop_app.ui.app import open_main_window, set_up_application
    from desktop_app.ui.ward.session import ScreenState
    from tests.ui.ward.screenshots import wait_until

    app = set_up_application()
    result: dict = {}
    with tempfile.TemporaryDirectory() as folder:
        os.environ["NEUROCHECK_DATA_DIR"] = folder
        db = open_database(Path(folder))
        fill_demo(db, Path(folder))
        window = open_main_window(Path(folder))
        window.show()
        shell = window.ward_shell
        wait_until(lambda: window.isVisible())
        pump(0.2)
        area = app.primaryScreen().availableGeometry()
        result["available"] = [area.width(), area.height()]

        def measure(name: str, root) -> None:
            pump(0.1)
            result[name] = {"clipped": clipped(root), "sideways": sideways(root)}
            if shots is not None:
                shots.mkdir(parents=True, exist_ok=True)
                root.window().grab().save(str(shots / f"{name}.png"))

        frame = window.frameGeometry()
        result["frame"] = [frame.x(), frame.y(), frame.width(), frame.height()]
        result["frame_inside"] = area.contains(frame)
        measure("lock", shell.lock.screen)
        shell.session.sign_in("nurse", PASSWORD)
        wait_until(lambda: shell.session.state is ScreenState.ACTIVE)
        measure("board", shell.board)

        wizard = window.new_episode()
        for index, page in enumerate(wizard.pages):
            wizard.go(index)
            measure(f"page.{page.page_id}", wizard)
        wizard.discard()
        wait_until(lambda: window.wizard is None)

        viewer = window.notes.open_pdf(a_pdf(Path(folder)), 1, title="Signed note")
        wait_until(viewer.isVisible)
        pump(0.2)
        frame = viewer.frameGeometry()
        result["viewer_inside"] = area.contains(frame)
        measure("note_viewer", viewer)
        viewer.close()

        shell.lock.lock("manual")
        measure("lock.locked", shell.lock.screen)
        QApplication.processEvents()
        shell.close()
        window.close()
        db.close()
    return result


if __name__ == "__main__":
    print("GEOMETRY " + json.dumps(main(sys.argv[1:])), flush=True)
