"""Benchmark: from a grade typed in the wizard to the live panel repainted, against a frame.

`python -m desktop_app.bench.ui_bench [--changes N] [--size WxH]`

The wizard is opened at 1366x768 (Qt offscreen) on a medial branch block 6 h after the
procedure, with an earlier exam in the episode, every item graded. Then N changes are typed
as a nurse types them: a digit key on a motor cell, chosen so that every change moves the
assessment and the panel must repaint (one muscle down to 3 and back to 5, muscle after
muscle, flips the level between observe and emergency, the worst case for the panel). For
each change the clock runs from the key press until the panel's last paint event of the
repaint that follows it; the median and the worst are compared with one frame at 60 Hz
(16.7 ms). The floor, measured in the same run, is a bare QLabel set to a new text and
repainted; the share of `assess` alone is shown too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

FRAME_MS = 1000 / 60
CHANGES = 1_000
MUSCLES = ("hip_flexion", "knee_extension", "ankle_dorsiflexion", "great_toe_extension",
           "ankle_plantarflexion")


def _document() -> dict:
    """A block 6 h ago, every required item graded, with one earlier exam (all normal)."""
    from desktop_app.domain import Exam, Symptoms
    from desktop_app.domain.model import RED_FLAG_SYMPTOMS, exam_to_document
    from desktop_app.domain.scales import GRID

    normal = {"sensory": 2, "motor": 5, "straight_leg_raise": True, "reflexes": "2+"}
    grades = {item.path: normal[item.group] for item in GRID
              if item.group in normal and item.lower_limb}
    no_red_flags = Symptoms(**dict.fromkeys(RED_FLAG_SYMPTOMS, False))

    def exam(at: str) -> dict:
        return exam_to_document(Exam(datetime.fromisoformat(at), no_red_flags, dict(grades)))

    return {
        "format": "neuro-exam/1",
        "patient": {"mrn": "BENCH-1", "name": "Bench Patient"},
        "procedure": {"kind": "medial_branch_block", "performed_at": "2026-05-04T08:00:00+01:00",
                      "side": "left", "anticoagulated": "no"},
        "exam": exam("2026-05-04T14:00:00+01:00"),
        "previous_exams": [exam("2026-05-04T11:00:00+01:00")],
    }


class PaintClock:
    """Records when the widgets it watches receive paint events."""

    def __init__(self, panel) -> None:
        from PySide6.QtCore import QEvent, QObject
        from PySide6.QtWidgets import QApplication, QWidget

        clock = self

        class Filter(QObject):
            def eventFilter(self, watched, event):  # noqa: N802 (Qt naming)
                # Every widget of the panel, also the rule lines it adds as rules fire.
                if event.type() == QEvent.Type.Paint and isinstance(watched, QWidget) and (
                        watched is panel or panel.isAncestorOf(watched)):
                    clock.last = time.perf_counter()
                    clock.count += 1
                return False

        self.filter = Filter()
        self.last = 0.0
        self.count = 0
        QApplication.instance().installEventFilter(self.filter)

    def wait_for_paint(self, since_count: int, timeout: float = 2.0) -> float:
        """Process events until a repaint has happened and no more paint events come."""
        from PySide6.QtCore import QCoreApplication

        deadline = time.perf_counter() + timeout
        while self.count == since_count:
            QCoreApplication.processEvents()
            if time.perf_counter() > deadline:
                raise RuntimeError("the panel did not repaint")
        # A label that grows re-lays the panel out and paints again: wait until it is quiet.
        quiet = 0
        while quiet < 2:
            seen = self.count
            QCoreApplication.processEvents()
            quiet = quiet + 1 if self.count == seen else 0
        return self.last


def run(*, changes: int = CHANGES, size: tuple[int, int] = (1366, 768)) -> dict[str, object]:
    """Time `changes` grade changes; returns milliseconds (median, p95, worst, floor)."""
    from PySide6.QtTest import QTest

    from desktop_app.bench.common import scratch_record
    from desktop_app.domain import assess
    from desktop_app.domain.model import RED_FLAG_SYMPTOMS
    from desktop_app.ui.app import set_up_application
    from desktop_app.ui.exam_state import ExamSession
    from desktop_app.ui.main_window import MainWindow
    from desktop_app.ui.widgets import ChoiceRow

    app = set_up_application()
    folder = tempfile.TemporaryDirectory()
    record = scratch_record(Path(folder.name))
    document = _document()
    earlier = record.finish_exam(record.signed_in_user(),
                                 dict(document, exam=document["previous_exams"][0],
                                      previous_exams=[]))
    window = MainWindow(record)
    window.resize(*size)
    window.show()
    QTest.qWaitForWindowActive(window)
    session = ExamSession.next_exam(earlier.episode_id,
                                    record.episode_exams(earlier.episode_id))
    wizard = window.open_wizard(session)
    for path, value in load_exam(document).items():
        session.set_value(path, value)
    for name in RED_FLAG_SYMPTOMS:  # answered no, as on the symptoms page
        session.set_value(f"symptoms.{name}", False)
    session.set_value("exam.performed_at",
                      datetime.fromisoformat(document["exam"]["performed_at"]))
    for page in wizard.pages:
        page.load()
    wizard.go(3)  # the motor page
    app.processEvents()
    clock = PaintClock(wizard.panel)
    cells = [wizard.findChild(ChoiceRow, f"motor.{m}.{side}")
             for m in MUSCLES for side in ("left", "right")]

    times, assess_times, levels = [], [], set()
    for index in range(changes):
        # Down to 3 and back to 5, muscle after muscle: each change moves the assessment
        # (observe with every muscle at 5, emergency with one weaker than last time).
        cell = cells[(index // 2) % len(cells)]
        key = "3" if cell.value() == 5 else "5"
        cell.setFocus()
        app.processEvents()
        before = clock.count
        start = time.perf_counter()
        QTest.keyClicks(cell, key)
        painted = clock.wait_for_paint(before)
        times.append((painted - start) * 1000)
        levels.add(wizard.panel.level.text().split()[-1])
        begin = time.perf_counter()
        assess(session.document, session.policy)
        assess_times.append((time.perf_counter() - begin) * 1000)

    floor = _label_floor(app)
    window.close()
    app.processEvents()
    record.close()
    folder.cleanup()
    ordered = sorted(times)
    return {
        "changes": changes,
        "median_ms": statistics.median(times),
        "p95_ms": ordered[int(0.95 * (len(ordered) - 1))],
        "p99_ms": ordered[int(0.99 * (len(ordered) - 1))],
        "worst_ms": ordered[-1],
        "assess_median_ms": statistics.median(assess_times),
        "floor_median_ms": floor,
        "frame_ms": FRAME_MS,
        "levels": sorted(levels),
    }


def load_exam(document: dict) -> dict:
    """path -> grade of the document's current exam."""
    from desktop_app.domain import load_document

    return dict(load_document(document).exam.grades)


def _label_floor(app, repeat: int = 200) -> float:
    """A bare QLabel given a new text and repainted: the least a repaint can cost here."""
    from PySide6.QtWidgets import QLabel

    label = QLabel("0")
    label.resize(300, 40)
    label.show()
    clock = PaintClock(label)
    app.processEvents()
    times = []
    for index in range(repeat):
        before = clock.count
        start = time.perf_counter()
        label.setText(str(index + 1))
        times.append((clock.wait_for_paint(before) - start) * 1000)
    label.close()
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m desktop_app.bench.ui_bench",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=CHANGES)
    parser.add_argument("--size", default="1366x768", help="window size, WxH")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    result = run(changes=args.changes, size=(width, height))
    rows = [
        ("grade change -> panel repainted, median", result["median_ms"]),
        ("grade change -> panel repainted, 95th percentile", result["p95_ms"]),
        ("grade change -> panel repainted, worst", result["worst_ms"]),
        ("  of which assess() alone, median", result["assess_median_ms"]),
        ("floor: bare QLabel text -> repainted, median", result["floor_median_ms"]),
    ]
    width_ = max(len(name) for name, _ in rows)
    print(f"{result['changes']} grade changes at {args.size} (Qt {os.environ['QT_QPA_PLATFORM']}),"
          f" one frame at 60 Hz = {FRAME_MS:.1f} ms; levels shown: {', '.join(result['levels'])}")
    for name, value in rows:
        print(f"{name.ljust(width_)}  {value:7.2f} ms  {value / FRAME_MS:6.2f} frames")
    within = result["worst_ms"] <= FRAME_MS
    print("every change repainted within one frame" if within else
          f"median within a frame: {result['median_ms'] <= FRAME_MS}; "
          f"worst {result['worst_ms'] / FRAME_MS:.1f} frames")
    return 0


if __name__ == "__main__":
    sys.exit(main())
