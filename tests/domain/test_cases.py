"""Every shared case through the real `assess` command, as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache

import pytest

from desktop_app.domain import RULES, Level
from tests.conftest import ROOT, case_files


def _params():
    for document in case_files():
        expected = json.loads(document.with_name(document.stem + ".expected.json").read_text())
        marks = [pytest.mark.rule(*expected["rules"])] if "rules" in expected else []
        yield pytest.param(document, expected, id=document.stem, marks=marks)


def run_assess(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", "assess", *args],
        input=stdin, capture_output=True, cwd=ROOT, timeout=60,
    )


@cache
def assess_file(document) -> subprocess.CompletedProcess[bytes]:
    """The command's answer for one case file (each file is run once per test session)."""
    return run_assess(str(document))


@pytest.mark.parametrize(("document", "expected"), list(_params()))
def test_shared_case_through_the_command(document, expected):
    result = assess_file(document)
    if "exit" in expected:
        assert result.returncode == expected["exit"]
        assert result.stdout == b""
        message = result.stderr.decode().strip()
        assert len(message.splitlines()) == 1 and "Traceback" not in message
        return
    assert result.returncode == 0, result.stderr.decode()
    got = json.loads(result.stdout)
    assert got["level"] == expected["level"]
    assert sorted(got["rules"]) == sorted(expected["rules"])
    assert sorted(got["flags"]) == sorted(expected["flags"])


def test_standard_input_is_read_with_a_dash():
    document = case_files()[0]
    by_file = run_assess(str(document))
    by_stdin = run_assess("-", stdin=document.read_bytes())
    assert by_stdin.returncode == by_file.returncode
    assert by_stdin.stdout == by_file.stdout


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("bad-mrc-6", "exam.motor.hip_flexion.left"),
        ("bad-unknown-key", "numbnes"),
        ("bad-time-without-offset", "procedure.performed_at"),
        ("bad-exam-before-procedure", "before the procedure"),
    ],
)
def test_refusals_name_the_field(name, needle):
    document = next(d for d in case_files() if d.stem == name)
    result = run_assess(str(document))
    assert needle in result.stderr.decode()


def test_missing_file_is_refused_plainly(tmp_path):
    result = run_assess(str(tmp_path / "nowhere.json"))
    assert result.returncode == 2
    assert "cannot read" in result.stderr.decode()


def test_assess_imports_no_qt():
    code = (
        "import sys, contextlib, io\n"
        "import desktop_app.cli as cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    cli.main(['assess', {str(case_files()[0])!r}])\n"
        "heavy = ('PySide6', 'reportlab', 'pyhanko', 'sqlite_utils', 'sqlite3')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


OBSERVE_STEPS = {step for rule in RULES if rule.level == Level.OBSERVE for step in rule.next_steps}
ESCALATED = [
    pytest.param(document, id=document.stem) for document, expected in
    ((p.values[0], p.values[1]) for p in _params())
    if expected.get("level", "observe") != "observe"
]


@pytest.mark.parametrize("document", ESCALATED)
def test_at_notify_and_above_next_steps_hold_no_observe_step(document):
    got = json.loads(assess_file(document).stdout)
    assert got["level"] != "observe"
    assert not OBSERVE_STEPS & set(got["next_steps"]), got["rules"]
    assert got["next_steps"]  # the level's own steps are there


def test_escalated_cases_were_found_and_some_fire_an_observe_rule():
    assert len(ESCALATED) >= 10
    fired_observe = [
        d for d in ESCALATED
        if {"MBB-2", "MBB-4", "IM-3", "IM-4"} & set(json.loads(assess_file(d.values[0]).stdout)["rules"])
    ]
    assert fired_observe  # otherwise the test above could not fail
