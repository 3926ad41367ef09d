"""A workstation saving exams into one episode, for the concurrency tests:

    python -m tests.store.episode_writer TARGET WORKER SECONDS

TARGET is a data folder or a postgresql:// URL. Saves exams of one patient and one
procedure (so one episode, whoever opens it first), one transaction each, for SECONDS,
printing "EXAM_ID N" after each commit. Worker K's exam N is performed 2 h + (2N + K) s
after the procedure: the workers never claim the same moment.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from tests.store.documents import document

MRN = "SAME-1"


def episode_document(worker: int, index: int) -> dict[str, Any]:
    """The document worker `worker` saves as number `index`."""
    return document(MRN, name="Shared Episode", exam_hours=2 + (2 * index + worker) / 3600)


def main(argv: list[str]) -> int:
    from desktop_app.store import open_database, save_exam
    from desktop_app.store.opening import is_database_url, open_postgres

    target, worker, seconds = argv[0], int(argv[1]), float(argv[2])
    db = open_postgres(target) if is_database_url(target) else open_database(Path(target))
    deadline = time.monotonic() + seconds
    index = 0
    while time.monotonic() < deadline:
        saved = save_exam(db, episode_document(worker, index), actor=f"workstation-{worker}")
        print(saved.exam_id, index, flush=True)
        index += 1
    db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
