"""Benchmark: assessing one exam in-process, against parsing the same document as plain JSON.

`python -m desktop_app.bench.domain_bench`
"""

from __future__ import annotations

import json

from desktop_app.bench.common import measure, median_ms, table
from desktop_app.paths import resource_path


def sample_document() -> bytes:
    """The largest shared-format sample: a block with a previous exam."""
    from desktop_app.domain.document import parse_json  # noqa: F401  (warm the import)

    example = resource_path("examples", "mbb-progressive.json")
    return example.read_bytes()


def run() -> dict[str, float]:
    from desktop_app.domain import assess, load_document

    text = sample_document()
    floor = measure(lambda: json.loads(text), repeat=2000)
    load = measure(lambda: load_document(text), repeat=2000)
    document = load_document(text)
    engine = measure(lambda: assess(document), repeat=2000)
    full = measure(lambda: assess(load_document(text)), repeat=2000)
    figures = {
        "json_parse_ms": median_ms(floor),
        "validate_ms": median_ms(load),
        "assess_ms": median_ms(engine),
        "validate_and_assess_ms": median_ms(full),
    }
    figures["validate_and_assess_ratio_to_json_parse"] = (
        figures["validate_and_assess_ms"] / figures["json_parse_ms"]
    )
    return figures


def main() -> None:
    figures = run()
    floor = figures["json_parse_ms"]
    rows = [
        (name.removesuffix("_ms").replace("_", " "), f"{value:.3f} ms", f"{floor:.3f} ms",
         f"{value / floor:.1f}x")
        for name, value in figures.items() if name.endswith("_ms")
    ]
    print(table(rows))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
