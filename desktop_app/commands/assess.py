"""`assess FILE.json`: print the assessment of an exam document as JSON (exit 0), or one
line naming the field and the problem on standard error (exit 2)."""

from __future__ import annotations

import argparse
import json
import sys

EXIT_INVALID = 2


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE.json", help="exam document, or - for standard input")


def read_source(name: str) -> bytes:
    """The bytes of a file argument (`-` is standard input), read only one byte past the
    largest document the format allows (what is longer is refused as too large)."""
    from desktop_app.domain.document import MAX_DOCUMENT_BYTES

    if name == "-":
        return sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1)
    with open(name, "rb") as handle:
        return handle.read(MAX_DOCUMENT_BYTES + 1)


def assess_source(source: bytes) -> tuple[int, str, str]:
    """What the command answers for a document: (exit status, standard output, the line
    for standard error). Exit 0 with the assessment as JSON, or 2 with one line."""
    from desktop_app.domain import DocumentError, assess, load_document

    try:
        document = load_document(source)
    except DocumentError as error:
        return EXIT_INVALID, "", f"invalid exam document: {error}"
    result = assess(document)
    return 0, json.dumps(result.to_json(), ensure_ascii=False, indent=2), ""


def run(args: argparse.Namespace) -> int:
    from desktop_app.domain.document import one_line

    try:
        source = read_source(args.file)
    except OSError as error:
        print(one_line(f"{args.file}: cannot read the file ({error.strerror})"), file=sys.stderr)
        return EXIT_INVALID
    status, output, problem = assess_source(source)
    if problem:
        print(problem, file=sys.stderr)
    if output:
        print(output)
    return status
