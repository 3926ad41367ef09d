"""A writer process for the crash and concurrency tests:

    python -m tests.store.writer DATA_DIR PREFIX COUNT

saves COUNT exams (patients PREFIX-0, PREFIX-1, ...) one transaction each, printing
"EXAM_ID INDEX" after each commit. The parent kills it mid-stream, or runs two at once.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tests.store.documents import document


def writer_document(prefix: str, index: int) -> dict[str, Any]:
    """The document the writer saves as number `index` (the parent rebuilds it to compare)."""
    return document(f"{prefix}-{index}", name=f"Writer {prefix} {index}",
                    exam_hours=1 + (index % 3) / 2, base=("mbb-numb-6h", "im-foot-drop")[index % 2])


def main(argv: list[str]) -> int:
    from desktop_app.store import open_database, save_exam

    folder, prefix, count = Path(argv[0]), argv[1], int(argv[2])
    db = open_database(folder)
    for index in range(count):
        saved = save_exam(db, writer_document(prefix, index), actor="writer")
        print(saved.exam_id, index, flush=True)
    db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
