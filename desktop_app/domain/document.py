"""Reading an exam document: strict JSON, the published JSON Schema, then the checks a
schema cannot express. Every refusal is a `DocumentError` naming the field and the problem.
"""

from __future__ import annotations

import json
import math
import re
import string
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from desktop_app.domain.model import (
    BLOCK_ONLY_KEYS,
    FORMAT,
    IM_INJECTION,
    IM_ONLY_KEYS,
    MEDIAL_BRANCH_BLOCK,
    PROCEDURE_KIND_WORDS,
    SYMPTOM_KEYS,
    Exam,
    ExamDocument,
    Patient,
    Procedure,
    Symptoms,
)
from desktop_app.domain.scales import GRID, GRID_BY_PATH
from desktop_app.paths import resource_path

MRN_MAX_LENGTH = 20
MRN_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-")  # a wristband barcode
MRN_PATTERN = re.compile(rf"[A-Za-z0-9-]{{1,{MRN_MAX_LENGTH}}}")
FUTURE_TOLERANCE = timedelta(minutes=5)
# Limits of the format (README, schema): far above any real exam, low enough that every
# refusal is quick.
MAX_DOCUMENT_BYTES = 1_000_000
MAX_TEXT_LENGTH = 2_000  # any text value or key
MAX_PREVIOUS_EXAMS = 500  # 15-minute checks for five days
MAX_DEPTH = 8  # the format needs 6: document, previous_exams, exam, sensory, L5, left
MAX_NUMBER_CHARACTERS = 30  # no field holds a number written longer
ERROR_LINE_LENGTH = 240  # a refusal plus the command's prefix stays within 300 characters
FIELD_NAME_LENGTH = 80
_BRACKETS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_OFFSET = re.compile(r"[+-](?P<hours>[0-9]{2}):?(?P<minutes>[0-9]{2})$")
_SURROGATE = re.compile("[\ud800-\udfff]")
_GRID_PREFIXES = {
    ".".join(item.path.split(".")[:end])
    for item in GRID
    for end in range(1, len(item.path.split(".")) + 1)
}


def one_line(text: str, limit: int = 300) -> str:
    """`text` safe to print as one line of at most `limit` characters: line breaks, control,
    format and separator characters (U+2028, a bidi override) and lone surrogates escaped,
    the end cut off with an ellipsis."""
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
    if len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    return text


class DocumentError(ValueError):
    """An exam document that must be refused. `str()` is one line: `field: problem`, at
    most 240 printable characters (a long field name is cut, odd characters escaped)."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        shown = one_line(field, FIELD_NAME_LENGTH)
        super().__init__(one_line(f"{shown}: {problem}" if field else problem,
                                  ERROR_LINE_LENGTH))


def now_utc() -> datetime:
    return datetime.now(UTC)


def parse_json(text: str | bytes) -> Any:
    """Strict JSON: duplicate keys, NaN and Infinity are refused."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in pairs:
            if key in seen:
                raise DocumentError(key, "appears twice in the same object")
            seen[key] = value
        return seen

    def no_constant(name: str) -> Any:
        raise DocumentError("", f"{name} is not a number a document may carry")

    def integer(literal: str) -> int:
        return int(_short(literal))

    def number(literal: str) -> float:
        value = float(_short(literal))
        if not math.isfinite(value):
            raise DocumentError("", f"{literal} is not a finite number")
        return value

    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_DOCUMENT_BYTES:
        raise DocumentError("", f"the document is larger than {MAX_DOCUMENT_BYTES:,} bytes")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise DocumentError("", "the file is not UTF-8 text (is it an exam document?)") from error
    _refuse_deep_nesting(text)
    try:
        return json.loads(text, object_pairs_hook=no_duplicates, parse_constant=no_constant,
                          parse_int=integer, parse_float=number)
    except json.JSONDecodeError as error:
        raise DocumentError(
            "", f"not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from error
    except RecursionError as error:  # the scan above makes this unreachable; never a traceback
        raise DocumentError("", "the document is nested too deeply") from error


def _short(literal: str) -> str:
    if len(literal) > MAX_NUMBER_CHARACTERS:
        raise DocumentError("", f"a number has more digits than any field can hold "
                            f"(at most {MAX_NUMBER_CHARACTERS} characters)")
    return literal


def _refuse_deep_nesting(text: str) -> None:
    """Refuse nesting deeper than the format needs before the parser recurses into it."""
    depth = 0
    for match in _BRACKETS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise DocumentError("", f"the document is nested deeper than the format needs "
                                    f"(at most {MAX_DEPTH} levels)")
        elif token in "]}":
            depth -= 1


def _refuse_values_out_of_bounds(raw: Any) -> bool:
    """What the schema cannot bound or would take long over: nesting, text length, lone
    surrogates, numbers too large or not finite, the number of previous exams.

    Returns whether jsonschema itself must judge the document: it holds a float with an
    integral value (4.0), which the compiled validator follows JSON Schema in calling an
    integer and this format refuses, or a value JSON does not have (a tuple, a date)."""
    full_check = False
    previous = raw.get("previous_exams") if isinstance(raw, dict) else None
    if isinstance(previous, list) and len(previous) > MAX_PREVIOUS_EXAMS:
        raise DocumentError("previous_exams", f"holds {len(previous)} exams; at most "
                            f"{MAX_PREVIOUS_EXAMS} are allowed")
    stack: list[tuple[Any, str, int]] = [(raw, "", 1)]
    while stack:
        node, field, depth = stack.pop()
        if isinstance(node, dict):
            if depth > MAX_DEPTH:
                raise DocumentError(field, "is nested deeper than the format needs")
            for key, value in node.items():
                if not isinstance(key, str):
                    raise DocumentError(field, "has a key that is not text")
                name = f"{field}.{key}" if field else key
                _check_text(key, name, "key")
                stack.append((value, name, depth + 1))
        elif isinstance(node, list):
            if depth > MAX_DEPTH:
                raise DocumentError(field, "is nested deeper than the format needs")
            stack.extend((value, f"{field}[{i}]", depth + 1) for i, value in enumerate(node))
        elif isinstance(node, str):
            _check_text(node, field, "text")
        elif isinstance(node, float):
            if not math.isfinite(node):
                raise DocumentError(field, "is not a finite number")
            full_check = full_check or node.is_integer()
        elif isinstance(node, int) and abs(node) >= 10 ** MAX_NUMBER_CHARACTERS:
            raise DocumentError(field, "has more digits than any field can hold")
        elif node is not None and not isinstance(node, int):
            full_check = True
    return full_check


def _check_text(text: str, field: str, what: str) -> None:
    if len(text) > MAX_TEXT_LENGTH:
        raise DocumentError(field, f"the {what} is longer than {MAX_TEXT_LENGTH:,} characters")
    if _SURROGATE.search(text):
        raise DocumentError(field, f"the {what} holds a lone surrogate (not a character)")


@cache
def exam_schema() -> dict[str, Any]:
    """The published JSON Schema of the exam document."""
    return json.loads(resource_path("exam.schema.json").read_text(encoding="utf-8"))


@cache
def _compiled_validator() -> Any:
    """The schema compiled by jsonschema_rs (about 100 times faster), or None without it."""
    try:
        import jsonschema_rs
    except ImportError:
        return None
    return jsonschema_rs.validator_for(exam_schema())


def schema_errors(raw: Any, *, full_check: bool = True) -> list[Any]:
    """The schema's errors for a parsed document (jsonschema's, best first); empty when it
    is valid. A document the compiled validator passes is valid to jsonschema too, so only
    one it refuses, or one `_refuse_values_out_of_bounds` sends to a `full_check`, is walked
    by jsonschema (for the error a nurse reads)."""
    compiled = _compiled_validator()
    if compiled is not None and not full_check:
        try:
            if compiled.is_valid(raw):
                return []
        except Exception:  # noqa: BLE001 - a value it cannot read: jsonschema decides
            pass
    return sorted(_validator().iter_errors(raw), key=_error_order)


@cache
def _validator() -> Any:
    import jsonschema

    base = jsonschema.Draft202012Validator
    # JSON Schema calls 4.0 an integer; a grade typed as 4.0 is a slip we refuse.
    strict_types = base.TYPE_CHECKER.redefine(
        "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)
    )
    strict = jsonschema.validators.extend(base, type_checker=strict_types)
    return strict(exam_schema())


def load_document(source: str | bytes | dict[str, Any], *, now: datetime | None = None) -> ExamDocument:
    """Validate an exam document (text or parsed) and return it as an `ExamDocument`.

    Raises `DocumentError` for anything EXAM_FORMAT.md or PROTOCOL.md section 6 refuses.
    """
    raw = parse_json(source) if isinstance(source, (str, bytes)) else source
    if not isinstance(raw, dict):
        raise DocumentError("", "an exam document is a JSON object")
    full_check = _refuse_values_out_of_bounds(raw)
    _refuse_other_kind_keys(raw)
    errors = schema_errors(raw, full_check=full_check)
    if errors:
        raise _explain(errors[0])
    return _build(raw, now or now_utc())


def _refuse_other_kind_keys(raw: dict[str, Any]) -> None:
    # The schema refuses these too, but its error does not name the key.
    procedure = raw.get("procedure")
    if not isinstance(procedure, dict):
        return
    kind = procedure.get("kind")
    if not isinstance(kind, str):
        return  # the schema names what is wrong with it
    foreign = {IM_INJECTION: BLOCK_ONLY_KEYS, MEDIAL_BRANCH_BLOCK: IM_ONLY_KEYS}.get(kind, ())
    for key in procedure:
        if key in foreign:
            words = PROCEDURE_KIND_WORDS[procedure["kind"]]
            raise DocumentError(
                f"procedure.{key}", f"does not belong to this kind of procedure (a {words})"
            )


def _error_order(error: Any) -> tuple[int, str]:
    # The deepest, first-listed field is the one a reader looks for.
    return (-len(error.absolute_path), ".".join(str(p) for p in error.absolute_path))


def _field_name(path: Any) -> str:
    parts = []
    for part in path:
        if isinstance(part, int):
            parts[-1] = f"{parts[-1]}[{part}]" if parts else f"[{part}]"
        else:
            parts.append(str(part))
    return ".".join(parts)


def _explain(error: Any) -> DocumentError:
    """One schema error in a nurse's words."""
    field = _field_name(error.absolute_path)
    title = error.schema.get("title") if isinstance(error.schema, dict) else None
    value = json.dumps(error.instance, ensure_ascii=False)
    if len(value) > 40:
        value = value[:37] + "..."
    kind = error.validator
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        name = f"{field}.{extra[0]}" if field else extra[0]
        return DocumentError(name, "unknown field (check the spelling; nothing is guessed)")
    if kind == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        name = f"{field}.{missing[0]}" if field and missing else (missing[0] if missing else field)
        return DocumentError(name, "is required but missing")
    if kind is False or kind == "false" or error.schema is False:
        return DocumentError(field, "does not belong to this kind of procedure")
    if kind in {"enum", "const", "type"} and title:
        return DocumentError(field, f"{value} is not allowed here; expected {title}")
    if kind == "pattern" and title:
        return DocumentError(field, f"{value} is not {title}")
    if kind in {"exclusiveMinimum", "minimum", "maximum"} and title:
        return DocumentError(field, f"{value} is out of range; expected {title}")
    if kind == "type":
        return DocumentError(field, f"{value} has the wrong type; expected {error.validator_value}")
    if kind == "minLength":
        return DocumentError(field, "must not be empty")
    if kind == "maxLength":
        return DocumentError(field, f"is too long (at most {error.validator_value} characters)")
    return DocumentError(field, error.message)


def parse_time(text: str, field: str) -> datetime:
    """An ISO 8601 time that must carry its UTC offset."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise DocumentError(field, f"{text!r} is not a real date and time") from error
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise DocumentError(field, "the time has no UTC offset (add e.g. +01:00 or Z)")
    offset = _OFFSET.search(text)
    if offset and (int(offset["hours"]) > 23 or int(offset["minutes"]) > 59):
        raise DocumentError(field, f"{offset.group()} is not a UTC offset (minutes 00-59)")
    try:
        moment.astimezone(UTC)
    except OverflowError as error:  # 0001-01-01T00:00+01:00 is before year 1 in UTC
        raise DocumentError(field, f"{text!r} is outside the dates a record can hold") from error
    return moment


def _build(raw: dict[str, Any], now: datetime) -> ExamDocument:
    if raw.get("format") != FORMAT:  # the schema says so too; keep the message exact
        raise DocumentError("format", f'must be exactly "{FORMAT}"')
    patient = _patient(raw["patient"], now)
    procedure = _procedure(raw["procedure"])
    exam = _exam(raw["exam"], "exam", procedure, now)
    previous: list[Exam] = []
    for index, item in enumerate(raw.get("previous_exams", [])):
        field = f"previous_exams[{index}]"
        earlier = _exam(item, field, procedure, now)
        # A reordered list would hide a decline from the progression finding.
        if previous and earlier.performed_at <= previous[-1].performed_at:
            raise DocumentError(f"{field}.performed_at", "is not later than the exam before it "
                                "(previous exams are listed oldest first, one per moment)")
        previous.append(earlier)
    if previous and previous[-1].performed_at >= exam.performed_at:
        raise DocumentError(f"previous_exams[{len(previous) - 1}].performed_at",
                            "is not earlier than the current exam")
    return ExamDocument(patient, procedure, exam, previous)


def _patient(raw: dict[str, Any], now: datetime) -> Patient:
    mrn = raw["mrn"]
    if not MRN_PATTERN.fullmatch(mrn):  # `$` in the schema pattern lets a newline through
        raise DocumentError("patient.mrn", "must be 1 to 20 ASCII letters, digits or hyphens")
    birth_date = None
    if "birth_date" in raw:
        try:
            birth_date = date.fromisoformat(raw["birth_date"])
        except ValueError as error:
            raise DocumentError("patient.birth_date", f"{raw['birth_date']!r} is not a real date") from error
        if birth_date > now.astimezone().date():
            raise DocumentError("patient.birth_date", "is in the future")
    return Patient(mrn=mrn, name=raw.get("name"), birth_date=birth_date)


def _procedure(raw: dict[str, Any]) -> Procedure:
    values = dict(raw)
    values["performed_at"] = parse_time(raw["performed_at"], "procedure.performed_at")
    if "levels" in values:
        values["levels"] = list(values["levels"])
    return Procedure(**values)


def _exam(raw: dict[str, Any], field: str, procedure: Procedure, now: datetime) -> Exam:
    performed_at = parse_time(raw["performed_at"], f"{field}.performed_at")
    if performed_at < procedure.performed_at:
        raise DocumentError(f"{field}.performed_at", "is before the procedure")
    if performed_at > now + FUTURE_TOLERANCE:
        raise DocumentError(f"{field}.performed_at", "is more than 5 minutes in the future")
    symptoms = Symptoms(**{k: raw.get("symptoms", {}).get(k) for k in SYMPTOM_KEYS})
    grades: dict[str, Any] = {}
    for path in GRID_BY_PATH:
        node: Any = raw
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                break
            node = node[part]
        else:
            grades[path] = node
    if procedure.is_im and any(p.startswith("bromage.") for p in grades):
        raise DocumentError(f"{field}.bromage", "the Bromage score is for a medial branch block")
    reasons = dict(raw.get("not_tested_reasons", {}))
    for key in reasons:
        if key not in _GRID_PREFIXES:
            raise DocumentError(
                f"{field}.not_tested_reasons.{key}", "names no item of the exam grid"
            )
    return Exam(performed_at, symptoms, grades, reasons)
