"""Traceability matrix: rule ID -> source -> tests, from the rule table and the `rule` marks.

`python tests/traceability.py` prints it as Markdown. The suite fails when a rule has no test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MATRIX_KEY = pytest.StashKey[dict]()


def matrix_from_items(items) -> dict[str, list[str]]:
    """rule ID -> node IDs of the collected tests marked with it."""
    matrix: dict[str, list[str]] = defaultdict(list)
    for item in items:
        for mark in item.iter_markers("rule"):
            for rule_id in mark.args:
                matrix[rule_id].append(item.nodeid)
    return dict(matrix)


def collect_full_matrix() -> dict[str, list[str]]:
    """Collect the whole suite in a subprocess (for a run that collected only part of it)."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "--rule-matrix", "-", str(ROOT / "tests")],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    marker = "RULE-MATRIX:"
    lines = [line for line in result.stdout.splitlines() if line.startswith(marker)]
    if not lines:
        raise RuntimeError(f"collection failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return json.loads(lines[-1][len(marker):])


def markdown(matrix: dict[str, list[str]]) -> str:
    from desktop_app.domain import RULES, SOURCES

    lines = ["| rule | level | source | tests |", "|---|---|---|---|"]
    for rule in RULES:
        tests = matrix.get(rule.id, [])
        level = rule.level.value if rule.level else "advice"
        names = sorted({t.split("[")[0].split("::")[-1] for t in tests})
        shown = ", ".join(f"`{n}`" for n in names[:4]) + (" ..." if len(names) > 4 else "")
        lines.append(f"| {rule.id} | {level} | {SOURCES[rule.source]} | "
                     f"{len(tests)}: {shown or '**none**'} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    print(markdown(collect_full_matrix()))
