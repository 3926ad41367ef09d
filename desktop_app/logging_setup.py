"""Logging to a rotating file in the data folder's logs/ folder.

Every module logs through its own `logging.getLogger(__name__)`. Log lines carry record
IDs (exam 12, episode 3, user 2), levels and counts, never a patient identifier: no MRN,
no name, no birth date, and no exam-document error text (it may quote the value).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from desktop_app.paths import log_dir

LOG_FILE_NAME = "neurocheck.log"
MAX_BYTES = 2_000_000
BACKUP_COUNT = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d]: %(message)s"


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose files are created readable by the owner only."""

    def _open(self):  # type: ignore[override]
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)  # noqa: SIM115


def setup_logging(data_dir: Path, *, level: int = logging.INFO) -> Path:
    """Send the application's log records to data_dir/logs/neurocheck.log (rotating).

    Calling it again (another data folder, a test) replaces the previous file handler.
    Returns the log file's path.
    """
    path = log_dir(Path(data_dir)) / LOG_FILE_NAME
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, PrivateRotatingFileHandler):
            root.removeHandler(handler)
            handler.close()
    handler = PrivateRotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT,
                                         encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(level)
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    logging.captureWarnings(True)
    return path
