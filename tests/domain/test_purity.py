"""The domain layer stays pure: no Qt, no SQLite, no PDF code (STYLE.md)."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import ROOT

FORBIDDEN = ("PySide6", "sqlite3", "sqlite_utils", "reportlab", "pyhanko", "desktop_app.store",
             "desktop_app.report", "desktop_app.ui")


def test_domain_sources_import_nothing_forbidden():
    offenders = []
    for source in (ROOT / "desktop_app" / "domain").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{source.name}: {n}" for n in names if n.startswith(FORBIDDEN)]
    assert offenders == []


def test_importing_the_domain_loads_nothing_forbidden():
    code = (
        "import sys, desktop_app.domain\n"
        f"print(sorted(m for m in sys.modules if m.startswith({FORBIDDEN!r})))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
