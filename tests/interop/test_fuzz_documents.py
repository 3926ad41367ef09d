"""Mutated exam documents: `assess` and `import` answer every one with exit 0, or exit 2 and
one printable line of at most 300 characters, and they agree on which are valid.

A seeded generator mutates the shared cases (values off their scale, odd text, huge or
infinite numbers, deep nesting, times at the edges of the calendar, reordered or too many
previous exams, broken JSON). Every document goes in-process through the functions the
commands use; a sample goes through the real commands in a subprocess.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import os
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from desktop_app.commands.assess import assess_source
from desktop_app.commands.import_documents import refusal_line
from desktop_app.domain import DocumentError
from tests.conftest import CASES, ROOT
from tests.signing_in import make_hashing_quick, with_sign_in

SEED = 20261130
COUNT = 2400
SUBPROCESS_SAMPLE = 48
NOW = datetime(2027, 1, 1, tzinfo=UTC)  # after every shared case: no wall clock involved

# Values a mutation may put anywhere. Strings starting "@@" are replaced in the JSON text
# by what JSON can only carry as text (huge integers, infinity, lone surrogates).
RAW = {
    "@@BIGINT@@": "9" * 4400,
    "@@NEGBIG@@": "-" + "1" * 4301,
    "@@INF@@": "1e309",
    "@@NEGINF@@": "-1e999",
    "@@NAN@@": "NaN",
    "@@SURROGATE@@": '"\\ud800"',
    "@@SURROGATE_TEXT@@": '"Ana \\udfff Lima"',
    "@@LONGFLOAT@@": "0." + "3" * 60,
    "@@DEEP7@@": "[" * 7 + "1" + "]" * 7,
    "@@DEEP20@@": '{"a": ' * 20 + "1" + "}" * 20,
    "@@DEEP990@@": "[" * 990 + "]" * 990,
    "@@DEEPOBJ990@@": '{"a": ' * 990 + "{}" + "}" * 990,
}
VALUES: list[Any] = [
    *RAW, -1, 0, 1, 2, 3, 4, 5, 6, 99, 4.0, 0.5, 1e-300, True, False, None, "NT", "nt", "5",
    "", " ", "2+", "5+", "yes", [], {}, [1, 2], {"left": 5}, "x" * 2001, "x" * 200,
    "line\u2028break", "bidi\u202eevil", "tab\tand\nnewline", "\x00nul", "Zoë Ngô-Ærøe",
    "李小龍", "محمد", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00",
    "2026-11-21T08:00:00+01:60", "2026-11-21T08:00:00+24:00", "2026-11-21T08:00:00",
    "2026-02-30T10:00:00+01:00", "2026-11-21T10:30:00Z", "2026-11-21T07:00:00+01:00",
    "2999-01-01T00:00:00+00:00", "1958-02-28", "2999-01-01", "A1234567", "a-1", "A" * 21,
    "im_injection", "medial_branch_block", "deltoid", "left", "bilateral", "neuro-exam/1",
]
KEYS = ["numbnes", "extra", "k" * 3000, "ab\u2028cd", "\u202e", "", "format", "exam",
        "motor", "left", "performed_at", "previous_exams", "sensory", "L2"]


def shared_documents() -> list[tuple[str, dict[str, Any]]]:
    """Every shared case that parses as a JSON object (valid and invalid ones)."""
    found = []
    for path in sorted(CASES.glob("*.json")):
        if path.name.endswith(".expected.json"):
            continue
        raw = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(raw, dict):
            found.append((path.stem, raw))
    return found


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (tuple of keys and indexes) to a node under `node`."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _node(root: Any, path: tuple) -> Any:
    for part in path:
        root = root[part]
    return root


def _parent(root: Any, path: tuple) -> Any:
    return _node(root, path[:-1])


def _mutate_tree(rng: random.Random, doc: dict[str, Any]) -> None:
    paths = [p for p in _paths(doc) if p]
    kind = rng.randrange(10)
    path = rng.choice(paths)
    parent = _parent(doc, path)
    if kind <= 3:  # a value replaced
        parent[path[-1]] = copy.deepcopy(rng.choice(VALUES))
    elif kind == 4 and isinstance(parent, dict):  # a key dropped
        del parent[path[-1]]
    elif kind == 5:  # a key added
        objects = [p for p in [(), *paths] if isinstance(_node(doc, p), dict)]
        _node(doc, rng.choice(objects))[rng.choice(KEYS)] = copy.deepcopy(rng.choice(VALUES))
    elif kind == 6:  # nesting far deeper than the format
        parent[path[-1]] = rng.choice(["@@DEEP7@@", "@@DEEP20@@", "@@DEEP990@@",
                                       "@@DEEPOBJ990@@"])
    elif kind == 7:  # earlier exams: copies, reordered, at the same moment
        exam = doc.get("exam") if isinstance(doc.get("exam"), dict) else {}
        previous = doc.get("previous_exams")
        previous = list(previous) if isinstance(previous, list) else []
        choice = rng.randrange(4)
        if choice == 0:
            previous.reverse()
        elif choice == 1:
            previous.append(copy.deepcopy(exam))
        elif choice == 2:  # an earlier copy half an hour before, in order
            earlier = copy.deepcopy(exam)
            with contextlib.suppress(TypeError, ValueError):
                moment = datetime.fromisoformat(earlier["performed_at"])
                earlier["performed_at"] = (moment - timedelta(minutes=30)).isoformat()
            previous.append(earlier)
        else:
            previous = previous * rng.choice([2, 3])
        doc["previous_exams"] = previous
    elif kind == 8:  # a time shifted by minutes (order, future, before the procedure)
        times = [p for p in paths if p[-1] == "performed_at"]
        if times:
            where = rng.choice(times)
            text = _parent(doc, where)[where[-1]]
            if isinstance(text, str):
                try:
                    moment = datetime.fromisoformat(text)
                except ValueError:
                    return
                shifted = moment + timedelta(minutes=rng.choice([-600, -90, -1, 1, 90, 600]))
                _parent(doc, where)[where[-1]] = shifted.isoformat()
    else:  # a whole subtree replaced by another one of the document
        parent[path[-1]] = copy.deepcopy(_node(doc, rng.choice(paths)))


def _mutate_text(rng: random.Random, text: str) -> bytes:
    kind = rng.randrange(8)
    if kind == 0 and text:  # cut short
        return text[: rng.randrange(len(text))].encode("utf-8")
    if kind == 1:  # a character dropped or inserted
        at = rng.randrange(len(text) + 1)
        if rng.random() < 0.5:
            return (text[:at] + text[at + 1:]).encode("utf-8")
        return (text[:at] + rng.choice('{}[]",:0-e\\\u2028') + text[at:]).encode("utf-8")
    if kind == 2:  # a key twice
        return text.replace('"format"', '"format": "neuro-exam/1", "format"', 1).encode()
    if kind == 3:  # not UTF-8
        data = text.encode("utf-8")
        at = rng.randrange(len(data) + 1)
        return data[:at] + b"\xff\xfe" + data[at:]
    if kind == 4:  # a byte-order mark, or trailing garbage
        return ("\ufeff" + text if rng.random() < 0.5 else text + " x").encode("utf-8")
    if kind == 5:  # nested past any parser's stack
        return ("[" * rng.choice([990, 5000]) + "]" * 10).encode()
    return text.encode("utf-8")


def _three_thousand_previous(doc: dict[str, Any]) -> None:
    exam = doc.get("exam")
    if isinstance(exam, dict):
        doc["previous_exams"] = [copy.deepcopy(exam) for _ in range(3000)]


def generate(count: int = COUNT, seed: int = SEED) -> list[tuple[str, bytes]]:
    """`count` mutated documents (name, bytes), the same for the same seed."""
    rng = random.Random(seed)
    bases = shared_documents()
    documents = []
    for index in range(count):
        name, base = bases[index % len(bases)]
        doc = copy.deepcopy(base)
        if index % 400 == 7:
            _three_thousand_previous(doc)
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            with contextlib.suppress(KeyError, IndexError, TypeError):
                _mutate_tree(rng, doc)  # may find its path gone after an earlier one
        text = json.dumps(doc, ensure_ascii=False)
        for marker, literal in RAW.items():
            text = text.replace(json.dumps(marker), literal)
        data = _mutate_text(rng, text) if rng.random() < 0.25 else text.encode("utf-8")
        documents.append((f"{index:04d}-{name}", data))
    return documents


@functools.cache
def documents() -> list[tuple[str, bytes]]:
    """The documents every test here reads (generated once, on first use)."""
    return generate()


def assert_refusal_line(line: str) -> None:
    assert "\n" not in line and line, repr(line[:400])
    assert len(line) <= 300 and line.isprintable(), repr(line[:400])


@pytest.fixture
def pinned_now(monkeypatch):
    from desktop_app.domain import document

    monkeypatch.setattr(document, "now_utc", lambda: NOW)


def test_the_generator_is_seeded_and_varied():
    assert generate(50) == generate(50)
    assert len(documents()) >= 2000
    sizes = {len(data) for _name, data in documents()}
    assert max(sizes) > 1_000_000 and min(sizes) < 1000  # too large and cut short, too


def test_assess_and_import_answer_every_document_in_one_line_and_agree(pinned_now, tmp_path):
    from desktop_app.store import ImportRefused, import_documents, open_database, prepare_exam

    outcomes = {"valid": 0, "invalid": 0}
    db = open_database(tmp_path / "record")
    try:
        for name, data in documents():
            status, output, problem = assess_source(data)
            assert status in (0, 2), name
            if status == 0:
                assert problem == "" and json.loads(output)["level"], name
            else:
                assert output == "", name
                assert_refusal_line(problem)
            # `import` validates with prepare_exam before any write, then saves.
            try:
                prepare_exam(data)
            except DocumentError as error:
                assert status == 2, f"{name}: import refuses what assess accepts: {error}"
                assert_refusal_line(refusal_line(ImportRefused(name, str(error))))
                outcomes["invalid"] += 1
                continue
            assert status == 0, f"{name}: import accepts what assess refuses: {problem}"
            outcomes["valid"] += 1
            try:
                saved = import_documents(db, [(name, data)], actor="fuzz")
            except ImportRefused as refused:  # a conflict with an exam saved before
                assert not isinstance(refused.__cause__, DocumentError), name
                assert_refusal_line(refusal_line(refused))
            else:
                assert len(saved) == 1
    finally:
        db.close()
    # Both kinds in number: the mutations neither all break nor all miss.
    assert outcomes["valid"] > 300 and outcomes["invalid"] > 1000, outcomes


def test_a_sample_through_the_real_commands(tmp_path, monkeypatch):
    make_hashing_quick(monkeypatch)  # the test account's hash, checked by the subprocesses
    rng = random.Random(SEED + 1)
    sample = rng.sample(documents(), SUBPROCESS_SAMPLE)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for index, (name, data) in enumerate(sample):
        path = tmp_path / f"{index}.json"
        path.write_bytes(data)
        command = "import" if index % 4 == 0 else "assess"
        # A record of its own for each import: a refusal is then the document's, never a
        # clash with an earlier document's patient.
        signed, stdin = with_sign_in(["--data-dir", str(tmp_path / f"record-{index}"),
                                      command, str(path)])
        result = subprocess.run([sys.executable, "-m", "desktop_app", *signed],
                                input=stdin.encode(), capture_output=True, timeout=60,
                                cwd=ROOT, env=env)
        err = result.stderr.decode("utf-8")
        assert result.returncode in (0, 2), f"{name} ({command}): {err[-2000:]}"
        if command == "import":  # import and assess agree on what is a valid document
            assert result.returncode == assess_source(data)[0], f"{name}: {err[-500:]}"
        if result.returncode == 0:
            assert err == "", name
        else:
            assert result.stdout == b"", name
            assert err.endswith("\n"), name
            assert_refusal_line(err[:-1])


def test_the_known_crashers_are_refused_in_one_line(pinned_now):
    base = json.loads((CASES / "mbb-slr-failed.json").read_text(encoding="utf-8"))
    text = json.dumps(base)
    performed = base["procedure"]["performed_at"]
    crashers = {
        "deep": '{"format": "neuro-exam/1", "x": ' + "[" * 990 + "]" * 990 + "}",
        "bigint": text.replace(performed, performed, 1).replace('"format"',
                                                                '"n": ' + "9" * 4400 + ', "format"'),
        "surrogate": text.replace('"patient": {', '"patient": {"name": "\\ud800", ', 1),
        "year-one": text.replace(performed, "0001-01-01T00:00:00+01:00"),
        "infinity": text.replace('"format"', '"x": 1e309, "format"'),
        "offset": text.replace(performed, performed[:-6] + "+01:60"),
        "separator": text.replace('"format"', '"a\u2028b": 1, "format"'),
        "long-key": text.replace('"format"', '"' + "k" * 1_000_000 + '": 1, "format"'),
        "many-previous": json.dumps({**base, "previous_exams": [base["exam"]] * 3000}),
    }
    for name, document in crashers.items():
        status, output, problem = assess_source(document.encode("utf-8"))
        assert status == 2 and output == "", name
        assert_refusal_line(problem)
        assert "\u2028" not in problem


def test_documents_of_the_shared_cases_still_pass(pinned_now):
    for path in sorted(CASES.glob("*.expected.json")):
        case = path.with_name(path.name.replace(".expected.json", ".json"))
        expected = json.loads(path.read_text(encoding="utf-8"))
        status, output, _problem = assess_source(case.read_bytes())
        assert (status == 0) == ("level" in expected), case.name

