"""Every rule and advice ID of the protocol has at least one test that names it."""

from __future__ import annotations

from desktop_app.domain import RULES
from tests.conftest import ROOT
from tests.traceability import MATRIX_KEY, collect_full_matrix, markdown


def test_every_rule_has_a_test(request):
    session_files = {item.path for item in request.session.items}
    all_files = set((ROOT / "tests").rglob("test_*.py"))
    # A run that collected only part of the suite collects the whole of it in a subprocess.
    whole = all_files <= session_files
    matrix = request.config.stash[MATRIX_KEY] if whole else collect_full_matrix()
    untested = [rule.id for rule in RULES if not matrix.get(rule.id)]
    assert untested == [], f"rules with no test: {untested}"
    out = ROOT / "out"
    out.mkdir(exist_ok=True)
    (out / "traceability.md").write_text(markdown(matrix) + "\n", encoding="utf-8")


def test_marks_name_only_rules_of_the_protocol(request):
    known = {rule.id for rule in RULES}
    unknown = set(request.config.stash[MATRIX_KEY]) - known
    assert unknown == set()
