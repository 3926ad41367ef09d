"""The published CodeSystem: valid FHIR, in step with the domain tables, complete."""

from __future__ import annotations

import json

from fhir.resources.R4B.codesystem import CodeSystem

from desktop_app.domain import RULES, Level
from desktop_app.domain.scales import GRID
from desktop_app.interop.codes import CODESYSTEM_URL, codesystem_path, codesystem_text


def test_the_published_file_is_what_the_domain_tables_give() -> None:
    # After a change to GRID, RULES or a scale: `python -m desktop_app.interop.codes`.
    assert codesystem_path().read_text(encoding="utf-8") == codesystem_text()


def test_it_is_a_valid_codesystem_with_unique_codes() -> None:
    published = json.loads(codesystem_path().read_text(encoding="utf-8"))
    parsed = CodeSystem.model_validate(published)
    assert parsed.url == CODESYSTEM_URL
    codes = [c["code"] for c in published["concept"]]
    assert len(codes) == len(set(codes)) == published["count"]


def test_every_item_grade_level_and_rule_has_a_concept() -> None:
    codes = {c["code"] for c in json.loads(codesystem_path().read_text())["concept"]}
    assert {item.path for item in GRID} <= codes
    assert {rule.id for rule in RULES} <= codes
    assert {level.value for level in Level} <= codes
    grades = {f"mrc-{g}" for g in range(6)} | {f"sensory-{g}" for g in range(3)}
    grades |= {"reflex-0", "reflex-1+", "reflex-2+", "reflex-3+", "reflex-4+", "NT"}
    grades |= {f"bromage-{g}" for g in range(4)}
    assert grades <= codes

