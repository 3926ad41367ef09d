"""`WardRecord`: one record (its database and data folder) and every operation on it, as
methods, on the model of Anki's `Collection`: a screen or a command holds one and calls
`ward.sign_exam(...)`; each method is the module function of the same name.

The windows of a workstation share one `WardRecord`. Who is signed in there is the
record's `signed_in` (a name; "" before anyone signs in, never the operating-system
account): the ward's sign-in sets it, and the exam screens write as that account, whose
row is read afresh at every write (a disabled account is refused by the record).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlite_utils import Database

from desktop_app.domain import SchedulePolicy
from desktop_app.record import accounts, auth, drafts, exams, notes, reads, ward
from desktop_app.store.users import UserRecord


class WardRecord:
    """The record of one data folder; Qt-free, so a worker thread may hold its own."""

    def __init__(self, db: Database, data_dir: Path, *, signed_in: str = "") -> None:
        self.db = db
        self.data_dir = Path(data_dir)
        self.signed_in = signed_in  # who is signed in at the workstation ("" for nobody)
        self._board: reads.WardReader | None = None  # kept: a refresh re-reads what changed
        self.unreachable_since = None  # the first draft save the record refused, if it still does

    @classmethod
    def open(cls, data_dir: Path, *, signed_in: str = "", **options: Any) -> WardRecord:
        """Open the data folder's database, or the server's that `database` names
        (`store.open_record` options)."""
        from desktop_app.store.opening import open_record

        return cls(open_record(Path(data_dir), **options), Path(data_dir),
                   signed_in=signed_in)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> WardRecord:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # who
    def sign_in(self, name: str, password: str) -> UserRecord:
        return auth.sign_in(self.db, name, password)

    def signed_in_user(self) -> UserRecord:
        """The account of `signed_in`, read afresh (`NotFound` before anyone signs in)."""
        return reads.get_user(self.db, self.signed_in)

    # what the ward screens read
    def open_episodes(self) -> list[reads.WardEntry]:
        """The ward's open episodes, the next check due first (the board's kept reader:
        a second call re-reads only the episodes that changed)."""
        if self._board is None:
            self._board = reads.WardReader(self.db)
        return self._board.entries()

    def find_patient(self, mrn: str) -> reads.PatientRecord | None:
        return reads.patient_by_mrn(self.db, mrn)

    def episode_exams(self, episode_id: int) -> list[reads.ExamRecord]:
        """The saved exams of an episode, oldest first."""
        return reads.episode_exams(self.db, episode_id)

    def episode_escalations(self, episode_id: int) -> list[reads.Escalation]:
        """An episode's calls, oldest first."""
        return reads.episode_escalations(self.db, episode_id)

    def schedule_policy(self) -> SchedulePolicy:
        return reads.schedule_policy(self.db)

    # the exam in progress (a draft is not part of the record: written for whoever types)
    def save_draft(self, draft_id: str, content: dict[str, Any],
                   episode_id: int | None = None) -> None:
        """Save the draft into the record; when the record cannot be written, keep it on
        this workstation and raise `DraftKeptHere` (since when the record has refused).
        Once the record takes a draft again, the drafts kept here go over to it too."""
        try:
            drafts.save_draft(self.db, content, draft_id=draft_id, user=self.signed_in,
                              episode_id=episode_id)
        except reads.storage_errors() as error:
            drafts.keep_here(self.data_dir, draft_id, content, user=self.signed_in,
                             episode_id=episode_id)
            if self.unreachable_since is None:
                self.unreachable_since = reads.utc_now()
            raise drafts.DraftKeptHere(self.unreachable_since) from error
        if self.unreachable_since is not None:  # back after an outage: what it kept here
            self.unreachable_since = None
            drafts.forget_kept(self.data_dir, draft_id)
            drafts.hand_over_kept(self.db, self.data_dir)

    def pending_drafts(self) -> list[reads.Draft]:
        """Every unfinished exam of the ward, newest first (any nurse may resume one); the
        drafts this workstation kept while the record could not be reached go into it
        first."""
        drafts.hand_over_kept(self.db, self.data_dir)
        return reads.pending_drafts(self.db)

    def discard_draft(self, draft_id: str) -> None:
        drafts.discard_draft(self.db, draft_id)
        drafts.forget_kept(self.data_dir, draft_id)

    # notes
    def sign_exam(self, exam_id: int, name: str, password: str) -> notes.SignedResult:
        return notes.sign_exam(self.db, self.data_dir, exam_id, name, password)

    def add_addendum(self, note: str | int, text: str, name: str,
                     password: str) -> notes.SignedResult:
        return notes.add_addendum(self.db, self.data_dir, note, text, name, password)

    # exams and episodes
    # (each done, the draft this workstation may have kept of it goes too)
    def finish_exam(self, user: UserRecord, document: Any, **options: Any):
        saved = exams.finish_exam(self.db, user, document, **options)
        drafts.forget_kept(self.data_dir, options.get("draft_id"))
        return saved

    def correct_exam(self, user: UserRecord, exam_id: int, document: Any, **options: Any):
        saved = exams.correct_exam(self.db, user, exam_id, document, **options)
        drafts.forget_kept(self.data_dir, options.get("draft_id"))
        return saved

    def discard_exam(self, user: UserRecord, draft_id: str | None, reason: str,
                     **options: Any) -> str | None:
        trace = exams.discard_exam(self.db, user, draft_id, reason, **options)
        drafts.forget_kept(self.data_dir, draft_id)
        return trace

    def dismiss_discarded(self, user: UserRecord, trace_id: int) -> None:
        exams.dismiss_discarded(self.db, user, trace_id)

    def close_episode(self, user: UserRecord, episode_id: int, note: str | None = None) -> None:
        exams.close_episode(self.db, user, episode_id, note)

    # the ward
    def change_settings(self, user: UserRecord, changes: dict[str, Any], **options: Any) -> None:
        ward.change_settings(self.db, user, changes, **options)

    def import_documents(self, user: UserRecord, sources, *, correction: bool = False):
        return ward.import_documents(self.db, user, sources, correction=correction)

    def export_exam(self, user: UserRecord, exam_id: int, deliver) -> None:
        ward.export_exam(self.db, user, exam_id, deliver)

    def export_audit_log(self, user: UserRecord, entries, path: Path, **options: Any) -> int:
        return ward.export_audit_log(self.db, user, entries, path, **options)

    def export_fhir(self, user: UserRecord, exam_id: int, deliver) -> None:
        ward.export_fhir(self.db, user, exam_id, deliver)

    def backup(self, user: UserRecord, destination: Path):
        return ward.backup(self.db, user, destination)

    # accounts
    def add_user(self, name: str, **options: Any) -> UserRecord:
        return accounts.add_user(self.db, self.data_dir, name, **options)

    def disable_user(self, name: str, **admin: Any) -> UserRecord:
        return accounts.disable_user(self.db, self.data_dir, name, **admin)

    def enable_user(self, name: str, new_password: str, **admin: Any) -> UserRecord:
        return accounts.enable_user(self.db, self.data_dir, name, new_password, **admin)

    def reset_password(self, name: str, new_password: str, **admin: Any) -> UserRecord:
        return accounts.reset_password(self.db, self.data_dir, name, new_password, **admin)

    def reissue_key(self, name: str, user_password: str, **admin: Any) -> UserRecord:
        return accounts.reissue_key(self.db, self.data_dir, name, user_password, **admin)

    def change_own_password(self, name: str, old: str, new: str) -> UserRecord:
        return accounts.change_own_password(self.db, self.data_dir, name, old, new)
