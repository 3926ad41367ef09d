"""Benchmark: start-up to the first window painted (the sign-in screen), and peak memory,
for NeuroCheck against a bare PySide6 window in the same run. Each start is a fresh process.

`python -m desktop_app.bench.startup_bench`
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from desktop_app.bench.common import table

# The floor: the least a PySide6 program does to put a window on screen.
BARE_WINDOW = r"""
import resource, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication(sys.argv)
window = QMainWindow()
window.setCentralWidget(QLabel("bare window"))
window.resize(1366, 768)

class FirstPaint(QObject):
    painted_at = cpu_at = 0.0

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and not self.painted_at:
            self.painted_at = time.monotonic()
            self.cpu_at = time.process_time()
            QTimer.singleShot(0, app.quit)
        return False

spy = FirstPaint()
window.installEventFilter(spy)
window.show()
app.exec()
print("FIRST-PAINT", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
      f"{spy.painted_at:.6f}", f"{spy.cpu_at:.6f}", flush=True)
"""


def _start(command: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Seconds from spawn to the first paint, peak resident memory in MiB, and the CPU
    seconds the process had used by the first paint (0 when it does not say).

    The process says when it painted on the system-wide monotonic clock, so what it does
    after the paint (closing, a worker finishing, interpreter exit) is not counted; without
    that figure, spawn to exit."""
    start = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    elapsed = time.monotonic() - start
    lines = [line for line in result.stdout.splitlines() if line.startswith("FIRST-PAINT")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"start-up failed ({result.returncode}): {result.stderr[-800:]}")
    fields = lines[-1].split()
    if len(fields) > 2 and float(fields[2]) > start:
        elapsed = float(fields[2]) - start
    cpu = float(fields[3]) if len(fields) > 3 else 0.0
    return elapsed, int(fields[1]) / 1024, cpu


def run(repeat: int = 11) -> dict[str, float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", NEUROCHECK_BENCH_FIRST_PAINT="1")
    # An installed app starts from compiled bytecode: compile the checkout as pip would.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    import compileall

    from desktop_app.paths import resource_path

    compileall.compile_dir(str(resource_path().parent / "desktop_app"), quiet=1)
    with tempfile.TemporaryDirectory() as folder:
        app = [sys.executable, "-m", "desktop_app", "--data-dir", folder]
        bare = [sys.executable, "-c", BARE_WINDOW]
        _start(app, env)  # first start creates the database: not a warm start
        _start(bare, env)
        bare_runs, app_runs = [], []
        for _ in range(repeat):  # interleaved: a busy moment falls on both alike
            bare_runs.append(_start(bare, env))
            app_runs.append(_start(app, env))
    figures = {
        "bare_window_start_ms": statistics.median(t for t, _, _ in bare_runs) * 1000,
        "app_start_ms": statistics.median(t for t, _, _ in app_runs) * 1000,
        "bare_window_peak_mib": max(m for _, m, _ in bare_runs),
        "app_peak_mib": max(m for _, m, _ in app_runs),
        # CPU used by the first paint: what other programs on a shared machine change least.
        "bare_window_start_cpu_ms": statistics.median(c for _, _, c in bare_runs) * 1000,
        "app_start_cpu_ms": statistics.median(c for _, _, c in app_runs) * 1000,
    }
    figures["start_ratio"] = figures["app_start_ms"] / figures["bare_window_start_ms"]
    # Each start against the bare window started just before it (the same moment's load),
    # the median of those ratios: steadier than the ratio of the medians on a busy machine.
    figures["start_ratio_paired"] = statistics.median(
        app[0] / bare[0] for bare, app in zip(bare_runs, app_runs, strict=True))
    if figures["bare_window_start_cpu_ms"]:
        figures["start_cpu_ratio"] = (figures["app_start_cpu_ms"]
                                      / figures["bare_window_start_cpu_ms"])
    figures["memory_ratio"] = figures["app_peak_mib"] / figures["bare_window_peak_mib"]
    return figures


def main() -> None:
    f = run()
    print(table([
        ("start-up to first paint", f"{f['app_start_ms']:.0f} ms",
         f"{f['bare_window_start_ms']:.0f} ms",
         f"{f['start_ratio']:.2f}x, paired {f['start_ratio_paired']:.2f}x (target <= 1.5x)"),
        ("peak memory", f"{f['app_peak_mib']:.0f} MiB", f"{f['bare_window_peak_mib']:.0f} MiB",
         f"{f['memory_ratio']:.2f}x (target <= 1.3x)"),
    ]))
    print(json.dumps(f))


if __name__ == "__main__":
    main()
