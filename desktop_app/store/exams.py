"""Exams: saved as the validated exam document (the raw record) beside the assessment the
protocol gave it, in the episode of its patient and procedure.

Saving is one transaction: the patient (found by MRN, or created), the episode (found by
patient, procedure kind and time, or opened), the exam, the ward-board columns of the
episode, the audit entries, and the draft it came from. Either all of it is on the disk
when `save_exam` returns, or none of it is. Until its note is signed an exam can be
corrected (`update_exam`): its document and assessment are replaced in place, audited with
the digests of both documents; a signed exam is final (a correction is an addendum).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from desktop_app.domain import (
    DocumentError,
    ExamDocument,
    SchedulePolicy,
    assess,
    load_document,
    parse_json,
)
from desktop_app.domain.document import parse_time
from desktop_app.store.audit import append_audit
from desktop_app.store.database import (
    fetch_all,
    fetch_one,
    parse_utc,
    require_transaction,
    utc_now,
    utc_text,
    write_transaction,
)
from desktop_app.store.episodes import get_episode
from desktop_app.store.errors import Conflict, ImportRefused, InvalidValue, NotFound
from desktop_app.store.patients import get_patient, refuse_another_person, upsert_patient
from desktop_app.store.rows import guard_row
from desktop_app.store.settings import schedule_policy

log = logging.getLogger(__name__)

DocumentSource = str | bytes | dict[str, Any] | ExamDocument


@dataclass(frozen=True)
class PreparedExam:
    """An exam document that passed validation, ready to save: the parsed model, the
    document as a dict, and the JSON text that will be stored."""

    document: ExamDocument
    raw: dict[str, Any]
    text: str


@dataclass(frozen=True)
class SavedExam:
    """What `save_exam` (or `update_exam`) recorded. `created` is False when the very same
    exam was already there (importing a file twice stores it once) and after an edit."""

    exam_id: int
    episode_id: int
    patient_id: int
    level: str
    next_check_due: datetime
    assessment: dict[str, Any]
    created: bool


@dataclass(frozen=True)
class ExamRecord:
    id: int
    episode_id: int
    performed_at: datetime
    document: dict[str, Any]
    assessment: dict[str, Any]
    schedule_policy: dict[str, Any]
    level: str
    next_check_due: datetime
    saved_at: datetime
    saved_by: str


def prepare_exam(source: DocumentSource | PreparedExam, *,
                 now: datetime | None = None) -> PreparedExam:
    """Validate an exam document (JSON text, bytes, dict or `ExamDocument`).

    Raises `DocumentError` naming the field, exactly as `assess` would refuse it.
    """
    if isinstance(source, PreparedExam):
        return source
    if isinstance(source, ExamDocument):
        raw = source.to_document()
    elif isinstance(source, (str, bytes)):
        raw = parse_json(source)
    else:
        raw = source
    try:
        text = json.dumps(raw, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise DocumentError("", "the document holds a value JSON cannot carry") from error
    raw = json.loads(text)  # a private copy: later changes by the caller do not reach the record
    patient = raw.get("patient") if isinstance(raw, dict) else None
    if isinstance(patient, dict) and isinstance(patient.get("mrn"), str) \
            and patient["mrn"].isascii() and patient["mrn"] != patient["mrn"].upper():
        # MRNs are compared without case and kept in upper case (EXAM_FORMAT.md); only an
        # ASCII one ('ﬀ'.upper() is 'FF': an invalid MRN must stay invalid, as for assess).
        patient["mrn"] = patient["mrn"].upper()
        text = json.dumps(raw, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    document = load_document(raw, now=now)
    return PreparedExam(document, raw, text)


def save_exam(db: Database, source: DocumentSource | PreparedExam, *, actor: str,
              location: str | None = None, draft_id: str | None = None,
              correction: bool = False) -> SavedExam:
    """Validate, assess (with the ward's schedule policy) and record one exam.

    `location` sets the episode's bed/place; `draft_id` names the autosaved draft this exam
    came from, discarded in the same transaction. Raises `DocumentError` for an invalid
    document and `Conflict` when the episode already holds a different exam at that time.
    A name or birth date that differs from the one recorded for the MRN raises
    `PatientMismatch`, unless `correction` says the document corrects the record.
    """
    prepared = prepare_exam(source)
    with write_transaction(db):
        saved = _save(db, prepared, actor=actor, location=location,
                      policy=schedule_policy(db), correction=correction)
        if draft_id is not None:
            db.execute("DELETE FROM drafts WHERE id = ?", [draft_id])
    log.info("exam %d %s (episode %d, level %s)", saved.exam_id,
             "saved" if saved.created else "already recorded", saved.episode_id, saved.level)
    return saved


def import_documents(db: Database, sources: Sequence[tuple[str, DocumentSource]], *,
                     actor: str, correction: bool = False) -> list[SavedExam]:
    """Record several exam documents all or nothing, each named (a file name) for the
    message. Every document is validated before the first write; one invalid or conflicting
    document raises `ImportRefused` and leaves the database as it was. A document naming
    another person (name or birth date) for a known MRN is a conflict, unless `correction`:
    then the recorded name or birth date is corrected, the old and new values kept in
    patient_corrections and audited."""
    prepared = []
    for name, source in sources:
        try:
            prepared.append((name, prepare_exam(source)))
        except DocumentError as error:
            raise ImportRefused(name, str(error)) from error
    saved = []
    with write_transaction(db):
        policy = schedule_policy(db)
        for name, exam in prepared:
            try:
                saved.append(_save(db, exam, actor=actor, location=None, policy=policy,
                                   correction=correction))
            except Conflict as error:
                raise ImportRefused(name, str(error)) from error
    log.info("import of %d document(s) committed: exam(s) %s", len(saved),
             ", ".join(str(s.exam_id) for s in saved))
    return saved


def _save(db: Database, prepared: PreparedExam, *, actor: str, location: str | None,
          policy: SchedulePolicy, correction: bool = False) -> SavedExam:
    require_transaction(db, "saving an exam")
    document, raw = prepared.document, prepared.raw
    patient, procedure = document.patient, document.procedure
    performed_at = utc_text(document.exam.performed_at)
    known = fetch_one(
        db, "SELECT p.id AS patient_id, e.id AS episode_id, e.procedure, e.location, "
        "e.last_exam_at, "
        "(SELECT max(o.last_exam_at) FROM episodes o WHERE o.patient_id = p.id) AS patient_last "
        "FROM patients p LEFT JOIN episodes e ON e.patient_id = p.id AND e.procedure_kind = ? "
        "AND e.procedure_at_utc = ? WHERE p.mrn = ?",
        [procedure.kind, utc_text(procedure.performed_at), patient.mrn])
    if known and not correction:  # another person under this MRN: say that first
        refuse_another_person(db, patient.mrn, patient.name, patient.birth_date)
    if known and known["episode_id"] is not None:
        recorded = _already_recorded(db, known, performed_at, raw)
        if recorded:
            return recorded
    now = utc_text(utc_now())
    # A name or birth date the record lacks is filled in; one that differs is refused
    # (a reused MRN must not relabel a patient) unless the caller says it is a correction.
    patient_id, patient_change = upsert_patient(db, patient.mrn, patient.name,
                                                patient.birth_date, now=now,
                                                correction=correction, actor=actor)
    if patient_change == ["created"]:
        append_audit(db, actor=actor, action="patient.create", table="patients",
                     record_id=patient_id)
    elif patient_change:
        append_audit(db, actor=actor, action="patient.update", table="patients",
                     record_id=patient_id, detail={"fields": patient_change})
    latest_in_episode = not known or not known["last_exam_at"] or \
        performed_at >= known["last_exam_at"]
    episode_id = _episode_for(db, patient_id, known if known and known["episode_id"] else None,
                              prepared, actor=actor, location=location, now=now,
                              latest=latest_in_episode)

    assessment = assess(document, policy)
    result = assessment.to_json()
    level, due = assessment.level.value, utc_text(assessment.next_check_due)
    exam_id = db.execute(
        "INSERT INTO exams (episode_id, performed_at_utc, document, assessment, schedule_policy,"
        " level, next_check_due, saved_at, saved_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [episode_id, performed_at, prepared.text,
         json.dumps(result, ensure_ascii=False, separators=(",", ":")),
         json.dumps(policy.to_json(), separators=(",", ":")), level, due, now, actor]).lastrowid
    if latest_in_episode:  # the board shows the latest exam of each episode
        db.execute("UPDATE episodes SET last_exam_id = ?, last_exam_at = ?, current_level = ?,"
                   " next_check_due = ? WHERE id = ?",
                   [exam_id, performed_at, level, due, episode_id])
    append_audit(db, actor=actor, action="exam.save", table="exams", record_id=exam_id,
                 detail={"episode_id": episode_id, "level": level})
    return SavedExam(exam_id, episode_id, patient_id, level, assessment.next_check_due, result,
                     created=True)


def update_exam(db: Database, exam_id: int, source: DocumentSource | PreparedExam, *,
                actor: str, draft_id: str | None = None) -> SavedExam:
    """Replace the document of an unsigned exam (a correction before signing) and its
    assessment, re-made under the ward's schedule policy, in one transaction.

    The document must be of the episode's patient (MRN) and procedure (kind and time):
    `InvalidValue` otherwise. A signed exam is final: `Conflict`. A new exam time already
    taken by another exam of the episode: `Conflict`. `draft_id` names the draft the edit
    came from, discarded with it. Audited as `exam.edit` with both documents' SHA-256.
    """
    prepared = prepare_exam(source)
    document = prepared.document
    with write_transaction(db):
        row = fetch_one(
            db, "SELECT x.document, x.performed_at_utc, x.episode_id, e.procedure_kind, "
            "e.procedure_at_utc, e.procedure, e.location, p.id AS patient_id, p.mrn "
            "FROM exams x JOIN episodes e ON e.id = x.episode_id "
            "JOIN patients p ON p.id = e.patient_id WHERE x.id = ?", [exam_id])
        if row is None:
            raise NotFound(f"no exam with ID {exam_id}")
        # Checked inside the write lock: a note signed a moment ago is seen here.
        if db.execute("SELECT 1 FROM signed_notes WHERE exam_id = ? LIMIT 1",
                      [exam_id]).fetchone():
            raise Conflict("this exam is signed: corrections are addenda")
        episode_id = row["episode_id"]
        if document.patient.mrn != row["mrn"]:
            raise InvalidValue(f"the document is of another patient than exam {exam_id} "
                               "(the MRN differs)")
        if (document.procedure.kind != row["procedure_kind"]
                or utc_text(document.procedure.performed_at) != row["procedure_at_utc"]):
            raise InvalidValue(f"the document is of another procedure than exam {exam_id} "
                               f"(episode {episode_id}: its kind or time differs)")
        performed_at = utc_text(document.exam.performed_at)
        other = fetch_one(db, "SELECT id FROM exams WHERE episode_id = ? AND "
                          "performed_at_utc = ? AND id != ?", [episode_id, performed_at, exam_id])
        if other is not None:
            raise Conflict(f"episode {episode_id} already has a different exam recorded at "
                           f"that time (exam {other['id']})")
        guard_row(db, "exams", exam_id)
        policy = schedule_policy(db)
        assessment = assess(document, policy)
        result = assessment.to_json()
        level, due = assessment.level.value, utc_text(assessment.next_check_due)
        db.execute(
            "UPDATE exams SET performed_at_utc = ?, document = ?, assessment = ?, "
            "schedule_policy = ?, level = ?, next_check_due = ? WHERE id = ?",
            [performed_at, prepared.text,
             json.dumps(result, ensure_ascii=False, separators=(",", ":")),
             json.dumps(policy.to_json(), separators=(",", ":")), level, due, exam_id])
        # The board shows the episode's latest exam, which a changed time may have moved.
        latest = fetch_one(db, "SELECT id, performed_at_utc, level, next_check_due FROM exams"
                           " WHERE episode_id = ? ORDER BY performed_at_utc DESC, id DESC "
                           "LIMIT 1", [episode_id])
        db.execute("UPDATE episodes SET last_exam_id = ?, last_exam_at = ?, current_level = ?,"
                   " next_check_due = ? WHERE id = ?",
                   [latest["id"], latest["performed_at_utc"], latest["level"],
                    latest["next_check_due"], episode_id])
        _episode_for(db, row["patient_id"], dict(row), prepared, actor=actor, location=None,
                     now=utc_text(utc_now()), latest=latest["id"] == exam_id)
        append_audit(db, actor=actor, action="exam.edit", table="exams", record_id=exam_id,
                     detail={"episode_id": episode_id, "level": level,
                             "old_sha256": _sha256(row["document"]),
                             "new_sha256": _sha256(prepared.text)})
        if draft_id is not None:
            db.execute("DELETE FROM drafts WHERE id = ?", [draft_id])
    log.info("exam %d edited (episode %d, level %s)", exam_id, episode_id, level)
    return SavedExam(exam_id, episode_id, row["patient_id"], level, assessment.next_check_due,
                     result, created=False)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _already_recorded(db: Database, known: dict[str, Any], performed_at: str,
                      raw: dict[str, Any]) -> SavedExam | None:
    """The exam already saved at this moment of this episode: the same one (None when there
    is none), or `Conflict` when it differs."""
    row = fetch_one(db, "SELECT id, document, level, next_check_due, assessment FROM exams "
                    "WHERE episode_id = ? AND performed_at_utc = ?",
                    [known["episode_id"], performed_at])
    if row is None:
        return None
    stored = json.loads(row["document"])
    if isinstance(stored.get("patient"), dict) and isinstance(stored["patient"].get("mrn"), str):
        # A document saved before MRNs were kept in upper case keeps its MRN as typed.
        stored["patient"]["mrn"] = stored["patient"]["mrn"].upper()
    if stored != raw:
        raise Conflict(f"episode {known['episode_id']} already has a different exam recorded "
                       f"at that time (exam {row['id']}); a correction is an addendum")
    return SavedExam(row["id"], known["episode_id"], known["patient_id"], row["level"],
                     parse_utc(row["next_check_due"]), json.loads(row["assessment"]),
                     created=False)


def _episode_for(db: Database, patient_id: int, episode: dict[str, Any] | None,
                 prepared: PreparedExam, *, actor: str, location: str | None, now: str,
                 latest: bool) -> int:
    """The episode of this patient's procedure (`episode`: its row when recorded), opened
    when new; when this exam is the episode's latest, its procedure details replace the
    recorded ones."""
    procedure = prepared.document.procedure
    procedure_json = json.dumps(prepared.raw["procedure"], ensure_ascii=False,
                                separators=(",", ":"))
    if episode is None:
        episode_id = db.execute(
            "INSERT INTO episodes (patient_id, procedure_kind, procedure_at_utc, procedure,"
            " location, opened_at, opened_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [patient_id, procedure.kind, utc_text(procedure.performed_at), procedure_json,
             location, now, actor],
        ).lastrowid
        append_audit(db, actor=actor, action="episode.open", table="episodes",
                     record_id=episode_id, detail={"patient_id": patient_id})
        return episode_id
    episode_id, changed = episode["episode_id"], []
    if latest and json.loads(episode["procedure"]) != prepared.raw["procedure"]:
        changed.append("procedure")
    else:
        procedure_json = episode["procedure"]
    if location is not None and location != episode["location"]:
        changed.append("location")
    if changed:
        guard_row(db, "episodes", episode_id)
        db.execute("UPDATE episodes SET procedure = ?, location = coalesce(?, location) "
                   "WHERE id = ?", [procedure_json, location, episode_id])
        append_audit(db, actor=actor, action="episode.update", table="episodes",
                     record_id=episode_id, detail={"fields": changed})
    return episode_id


_EXAM_COLUMNS = ("id, episode_id, performed_at_utc, document, assessment, schedule_policy, "
                 "level, next_check_due, saved_at, saved_by")


def _exam(row: dict[str, Any]) -> ExamRecord:
    return ExamRecord(row["id"], row["episode_id"], parse_utc(row["performed_at_utc"]),
                      json.loads(row["document"]), json.loads(row["assessment"]),
                      json.loads(row["schedule_policy"]), row["level"],
                      parse_utc(row["next_check_due"]), parse_utc(row["saved_at"]),
                      row["saved_by"])


def get_exam(db: Database, exam_id: int) -> ExamRecord:
    """The exam with this ID; `NotFound` otherwise."""
    row = fetch_one(db, f"SELECT {_EXAM_COLUMNS} FROM exams WHERE id = ?", [exam_id])
    if row is None:
        raise NotFound(f"no exam with ID {exam_id}")
    return _exam(row)


def export_document(db: Database, exam_id: int) -> dict[str, Any]:
    """The exam document of an exam, exactly as it was saved."""
    row = db.execute("SELECT document FROM exams WHERE id = ?", [exam_id]).fetchone()
    if row is None:
        raise NotFound(f"no exam with ID {exam_id}")
    return json.loads(row[0])


def episode_exams(db: Database, episode_id: int) -> list[ExamRecord]:
    """An episode's exams, oldest first."""
    rows = fetch_all(db, f"SELECT {_EXAM_COLUMNS} FROM exams WHERE episode_id = ? "
                     "ORDER BY performed_at_utc, id", [episode_id])
    return [_exam(r) for r in rows]


def episode_history(db: Database, episode_id: int) -> list[dict[str, Any]]:
    """Every exam object known for an episode, oldest first: its saved exams and the earlier
    exams their documents carried (an imported document may bring exams never saved here).
    One exam per moment; a saved exam wins over a copy inside another document."""
    by_time: dict[str, dict[str, Any]] = {}
    carried: dict[str, dict[str, Any]] = {}
    for record in episode_exams(db, episode_id):
        exam = record.document["exam"]
        by_time[utc_text(record.performed_at)] = exam
        for earlier in record.document.get("previous_exams", []):
            carried.setdefault(_moment(earlier), earlier)
    for moment, exam in carried.items():
        by_time.setdefault(moment, exam)
    return [by_time[k] for k in sorted(by_time)]


def _moment(exam: dict[str, Any]) -> str:
    return utc_text(parse_time(exam["performed_at"], "performed_at"))


def new_exam_document(db: Database, episode_id: int, exam: dict[str, Any]) -> dict[str, Any]:
    """The exam document for a new exam of an episode: the patient and procedure as
    recorded, `exam`, and every earlier exam of the episode as `previous_exams` (which the
    progression rules compare against)."""
    episode = get_episode(db, episode_id)
    patient = get_patient(db, episode.patient_id)
    at = _moment(exam)
    patient_doc: dict[str, Any] = {"mrn": patient.mrn}
    if patient.name is not None:
        patient_doc["name"] = patient.name
    if patient.birth_date is not None:
        patient_doc["birth_date"] = patient.birth_date.isoformat()
    return {
        "format": "neuro-exam/1",
        "patient": patient_doc,
        "procedure": episode.procedure,
        "exam": exam,
        "previous_exams": [e for e in episode_history(db, episode_id) if _moment(e) < at],
    }
