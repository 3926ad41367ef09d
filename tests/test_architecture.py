"""The arrows of the architecture, checked on every import statement (function-level ones
too): ui/cli -> record -> domain, store, report; store and report -> domain; the domain
imports none of the others; record imports no Qt and no screen."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "desktop_app"
QT = ("PySide6", "shiboken6")

# part -> what its modules must never import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "domain": ("desktop_app.store", "desktop_app.report", "desktop_app.record",
               "desktop_app.ui", *QT, "sqlite3", "sqlite_utils", "reportlab"),
    "store": ("desktop_app.report", "desktop_app.record", "desktop_app.ui", *QT),
    "report": ("desktop_app.store", "desktop_app.record", "desktop_app.ui", *QT),
    "record": ("desktop_app.ui", *QT),
}

# Known violations still to be moved, each with why; strict: the test fails once fixed.
KNOWN: dict[str, str] = {}


def _imports(path: Path) -> set[str]:
    """Every module named by an import statement in `path` (relative ones resolved)."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    return _imports_in(path.read_text(encoding="utf-8"), package)


def _imports_in(source: str, package: str) -> set[str]:
    tree = ast.parse(source)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            names |= {f"{base}.{alias.name}" for alias in node.names}
    return names


def _modules() -> list[pytest.param]:
    params = []
    for part in FORBIDDEN:
        for path in sorted((PACKAGE / part).rglob("*.py")):
            name = path.relative_to(PACKAGE.parent).as_posix()
            marks = [pytest.mark.xfail(strict=True, reason=KNOWN[name])] if name in KNOWN else []
            params.append(pytest.param(part, path, id=name, marks=marks))
    return params


def _violations(part: str, path: Path) -> list[str]:
    return _banned(part, _imports(path))


def _banned(part: str, names: set[str]) -> list[str]:
    return sorted(name for name in names for banned in FORBIDDEN[part]
                  if name == banned or name.startswith(banned + "."))


@pytest.mark.parametrize(("part", "path"), _modules())
def test_a_module_imports_only_what_its_part_may(part: str, path: Path) -> None:
    assert _violations(part, path) == []


def test_the_check_sees_a_violation_inside_a_function_and_a_relative_one() -> None:
    source = ("import json\n"
              "def f():\n    from PySide6.QtCore import QObject\n"
              "    from ..store import database\n")
    found = _banned("domain", _imports_in(source, "desktop_app.domain"))
    assert "PySide6.QtCore" in found and "desktop_app.store.database" in found
    assert _banned("record", _imports_in("from desktop_app.store import notes\n",
                                         "desktop_app.record")) == []


def test_the_record_loads_without_qt() -> None:
    import subprocess
    import sys

    probe = ("import sys, desktop_app.record, desktop_app.record.accounts, "
             "desktop_app.record.notes, desktop_app.record.ward\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', "
             "'shiboken6') or m.startswith('desktop_app.ui')))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            cwd=PACKAGE.parent, check=True, timeout=60)
    assert result.stdout.strip() == "[]"
