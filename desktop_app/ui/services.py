"""What the GUI needs from the record, as a small interface.

The windows are given a `Repository` and nothing else of the storage layer, so tests run
them against `InMemoryRepository`, and the application against whatever the integrator
adapts to this interface (the SQLite store). `JsonFileRepository` keeps the same data in
one folder so drafts survive a crash before the store is wired in.

Every document passed in or out is an exam document of EXAM_FORMAT.md (a dict); every
assessment is `Assessment.to_json()`.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class PatientRecord:
    """A patient already on record, found by the MRN on the wristband."""

    mrn: str
    name: str | None = None
    birth_date: str | None = None  # YYYY-MM-DD


@dataclass(frozen=True)
class EpisodeSummary:
    """One line of the ward's open-episode list."""

    episode_id: str
    mrn: str
    patient_name: str | None
    procedure: dict[str, Any]  # the document's `procedure` object
    last_exam_at: str | None
    last_level: str | None
    next_check_due: str | None
    exam_count: int


@dataclass(frozen=True)
class ExamRecord:
    """One saved exam of an episode: the whole document as it was saved, and its result."""

    exam_id: str
    episode_id: str
    document: dict[str, Any]
    assessment: dict[str, Any]
    saved_at: str


@dataclass(frozen=True)
class EscalationRecord:
    """Whom the nurse called, when, and what they answered."""

    role: str
    name: str
    called_at: str  # ISO 8601 with offset
    response: str
    level: str | None = None  # the level that prompted the call


@dataclass(frozen=True)
class DraftRecord:
    """An exam being entered, autosaved so a crash or a power cut loses nothing."""

    key: str
    saved_at: str
    document_json: str


@dataclass(frozen=True)
class SavedExam:
    episode_id: str
    exam_id: str


class Repository(Protocol):
    """The record as the GUI uses it."""

    def open_episodes(self) -> list[EpisodeSummary]: ...

    def find_patient(self, mrn: str) -> PatientRecord | None: ...

    def episode_history(self, episode_id: str) -> list[ExamRecord]:
        """The saved exams of an episode, oldest first."""
        ...

    def save_exam(
        self, document: dict[str, Any], assessment: dict[str, Any], episode_id: str | None = None
    ) -> SavedExam:
        """Save a finished exam; with no episode, register the patient (if new) and open one."""
        ...

    def add_escalation(self, episode_id: str, escalation: EscalationRecord) -> str: ...

    def escalations(self, episode_id: str) -> list[EscalationRecord]: ...

    def save_draft(self, key: str, document_json: str) -> None: ...

    def pending_drafts(self) -> list[DraftRecord]: ...

    def discard_draft(self, key: str) -> None: ...


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class _Episode:
    episode_id: str
    mrn: str
    procedure: dict[str, Any]
    exams: list[ExamRecord] = field(default_factory=list)
    escalations: list[EscalationRecord] = field(default_factory=list)
    closed: bool = False


class InMemoryRepository:
    """The whole record in memory: for tests, demos and the benchmark."""

    def __init__(self) -> None:
        self._patients: dict[str, PatientRecord] = {}
        self._episodes: dict[str, _Episode] = {}
        self._drafts: dict[str, DraftRecord] = {}
        self._lock = threading.Lock()

    # patients and episodes -------------------------------------------------------------
    def add_patient(self, patient: PatientRecord) -> None:
        with self._lock:
            self._patients[patient.mrn] = patient
            self._changed()

    def find_patient(self, mrn: str) -> PatientRecord | None:
        return self._patients.get(mrn)

    def open_episodes(self) -> list[EpisodeSummary]:
        summaries = []
        for episode in self._episodes.values():
            if episode.closed:
                continue
            patient = self._patients.get(episode.mrn)
            last = episode.exams[-1] if episode.exams else None
            summaries.append(
                EpisodeSummary(
                    episode_id=episode.episode_id,
                    mrn=episode.mrn,
                    patient_name=patient.name if patient else None,
                    procedure=dict(episode.procedure),
                    last_exam_at=last.document["exam"]["performed_at"] if last else None,
                    last_level=last.assessment.get("level") if last else None,
                    next_check_due=last.assessment.get("next_check_due") if last else None,
                    exam_count=len(episode.exams),
                )
            )
        return summaries

    def episode_history(self, episode_id: str) -> list[ExamRecord]:
        return list(self._episodes[episode_id].exams)

    def save_exam(
        self, document: dict[str, Any], assessment: dict[str, Any], episode_id: str | None = None
    ) -> SavedExam:
        with self._lock:
            raw_patient = document["patient"]
            known = self._patients.get(raw_patient["mrn"])
            self._patients[raw_patient["mrn"]] = PatientRecord(
                raw_patient["mrn"],
                raw_patient.get("name") or (known.name if known else None),
                raw_patient.get("birth_date") or (known.birth_date if known else None),
            )
            if episode_id is None:
                episode_id = uuid.uuid4().hex
                self._episodes[episode_id] = _Episode(
                    episode_id, raw_patient["mrn"], dict(document["procedure"])
                )
            episode = self._episodes[episode_id]
            record = ExamRecord(uuid.uuid4().hex, episode_id, json.loads(json.dumps(document)),
                                dict(assessment), _now())
            episode.exams.append(record)
            episode.exams.sort(key=lambda r: _instant(r.document["exam"]["performed_at"]))
            self._changed()
            return SavedExam(episode_id, record.exam_id)

    def close_episode(self, episode_id: str) -> None:
        with self._lock:
            self._episodes[episode_id].closed = True
            self._changed()

    # escalations -----------------------------------------------------------------------
    def add_escalation(self, episode_id: str, escalation: EscalationRecord) -> str:
        with self._lock:
            self._episodes[episode_id].escalations.append(escalation)
            self._changed()
            return f"{episode_id}:{len(self._episodes[episode_id].escalations)}"

    def escalations(self, episode_id: str) -> list[EscalationRecord]:
        return list(self._episodes[episode_id].escalations)

    # drafts ----------------------------------------------------------------------------
    def save_draft(self, key: str, document_json: str) -> None:
        with self._lock:
            self._drafts[key] = DraftRecord(key, _now(), document_json)
            self._draft_changed(key)

    def pending_drafts(self) -> list[DraftRecord]:
        return sorted(self._drafts.values(), key=lambda d: d.saved_at)

    def discard_draft(self, key: str) -> None:
        with self._lock:
            self._drafts.pop(key, None)
            self._draft_changed(key)

    # persistence hooks (no-ops in memory) ----------------------------------------------
    def _changed(self) -> None:
        """Called, under the lock, after patients, episodes or escalations change."""

    def _draft_changed(self, key: str) -> None:
        """Called, under the lock, after a draft is saved or discarded."""


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


class JsonFileRepository(InMemoryRepository):
    """`InMemoryRepository` kept in a folder: `record.json` plus one file per draft.

    Every write goes to a temporary file that is synced and then renamed over the old one,
    so a process killed mid-write leaves the previous version, never half a file.
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        super().__init__()
        self.folder = Path(folder)
        self.drafts_folder = self.folder / "drafts"
        self.drafts_folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._load()

    def _load(self) -> None:
        record = self.folder / "record.json"
        if record.exists():
            data = json.loads(record.read_text(encoding="utf-8"))
            for raw in data.get("patients", []):
                patient = PatientRecord(**raw)
                self._patients[patient.mrn] = patient
            for raw in data.get("episodes", []):
                episode = _Episode(
                    raw["episode_id"],
                    raw["mrn"],
                    raw["procedure"],
                    [ExamRecord(**exam) for exam in raw["exams"]],
                    [EscalationRecord(**call) for call in raw["escalations"]],
                    raw.get("closed", False),
                )
                self._episodes[episode.episode_id] = episode
        for path in sorted(self.drafts_folder.glob("*.json")):
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
                self._drafts[raw["key"]] = DraftRecord(**raw)
            except (ValueError, KeyError, TypeError):
                continue  # a draft we cannot read is not offered back, and not deleted

    def _changed(self) -> None:
        data = {
            "patients": [asdict(p) for p in self._patients.values()],
            "episodes": [
                {
                    "episode_id": e.episode_id,
                    "mrn": e.mrn,
                    "procedure": e.procedure,
                    "exams": [asdict(x) for x in e.exams],
                    "escalations": [asdict(c) for c in e.escalations],
                    "closed": e.closed,
                }
                for e in self._episodes.values()
            ],
        }
        _write_atomically(self.folder / "record.json", json.dumps(data, ensure_ascii=False))

    def _draft_changed(self, key: str) -> None:
        path = self.drafts_folder / f"{uuid.UUID(hex=key).hex}.json"
        draft = self._drafts.get(key)
        if draft is None:
            path.unlink(missing_ok=True)
        else:
            _write_atomically(path, json.dumps(asdict(draft), ensure_ascii=False))


def _write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
