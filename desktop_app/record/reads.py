"""What screens and commands may read of the record, and the record's own types and errors.

The GUI and the commands import the record only through `desktop_app.record`: writes are
the operations of its modules (each authorized and audited), reads are these. So nothing
above the record can reach a writing function of the store; the architecture test holds
that line. Each name here is the store's own, handed on unchanged. (The audit action names
are the vocabulary's, in `record.actions`.)
"""

from desktop_app.store.audit import AuditEntry, verify_audit_chain
from desktop_app.store.changes import ChangeFeed, ChangesUnavailable, watch_changes
from desktop_app.store.check import CheckReport, check_database
from desktop_app.store.database import (
    DATABASE_NAME,
    connect,
    database_path,
    open_readonly,
    parse_utc,
    utc_now,
    utc_text,
)
from desktop_app.store.demo import PASSWORD as DEMO_PASSWORD
from desktop_app.store.demo import USERS as DEMO_USERS
from desktop_app.store.demo import holds_demo_only
from desktop_app.store.dialect import database_errors, storage_errors
from desktop_app.store.drafts import DiscardedExam, Draft, discarded_exams, get_draft, pending_drafts
from desktop_app.store.episodes import (
    EpisodeRecord,
    Escalation,
    episode_escalations,
    get_episode,
    patient_episodes,
)
from desktop_app.store.errors import (
    AccountDisabled,
    AccountLocked,
    AuthenticationFailed,
    BackupError,
    Conflict,
    DatabaseMissing,
    DatabaseProblem,
    ImportRefused,
    InvalidValue,
    NotFound,
    PermissionDenied,
    SchemaTooNew,
    StoreError,
)
from desktop_app.store.exams import ExamRecord, SavedExam, episode_exams, episode_history, get_exam
from desktop_app.store.notes import Addendum, SignedNote, exam_notes, get_signed_note, note_addenda
from desktop_app.store.opening import (
    connect_address,
    is_database_url,
    network_share_warning,
    open_database,
    open_record,
    record_address,
)
from desktop_app.store.patients import (
    PatientMismatch,
    PatientRecord,
    get_patient,
    normal_mrn,
    patient_by_mrn,
    search_patients,
)
from desktop_app.store.settings import (
    IDLE_TIMEOUT_MINUTES,
    INSTITUTION,
    PAPER_SIZE,
    PAPER_SIZES,
    SCHEDULE_POLICY,
    WARD_NAME,
    all_settings,
    get_setting,
    schedule_policy,
)
from desktop_app.store.users import (
    ADMIN,
    CLINICIAN,
    NURSE,
    ROLES,
    UserRecord,
    get_user,
    has_users,
    list_users,
)
from desktop_app.store.ward import (
    BREAK_GLASS_ROLES,
    WardEntry,
    WardReader,
    audit_actions,
    audit_actors,
    break_glass_account,
    data_version,
    search_audit,
    ward_entries,
)

__all__ = [
    "DEMO_PASSWORD", "DEMO_USERS", "holds_demo_only", "network_share_warning",
    "ChangeFeed", "ChangesUnavailable", "watch_changes", "database_errors", "storage_errors",
    "connect_address", "is_database_url", "record_address",
    "ADMIN", "BREAK_GLASS_ROLES", "CLINICIAN", "DATABASE_NAME", "IDLE_TIMEOUT_MINUTES",
    "INSTITUTION", "NURSE", "PAPER_SIZE", "PAPER_SIZES", "ROLES", "SCHEDULE_POLICY",
    "WARD_NAME", "AccountDisabled", "AccountLocked", "Addendum", "AuditEntry",
    "AuthenticationFailed", "BackupError", "CheckReport", "Conflict",
    "DatabaseMissing", "DatabaseProblem", "DiscardedExam", "Draft", "EpisodeRecord",
    "Escalation", "ExamRecord", "ImportRefused", "InvalidValue", "NotFound", "PatientMismatch",
    "PatientRecord", "PermissionDenied", "SavedExam", "SchemaTooNew", "SignedNote",
    "StoreError", "UserRecord", "WardEntry", "WardReader", "all_settings", "audit_actions",
    "audit_actors", "break_glass_account", "check_database", "connect", "data_version",
    "database_path", "discarded_exams", "episode_escalations", "episode_exams",
    "episode_history", "exam_notes", "get_draft", "get_episode", "get_exam", "get_patient",
    "get_setting", "get_signed_note", "get_user", "has_users", "list_users", "normal_mrn",
    "note_addenda", "open_database", "open_readonly", "open_record", "parse_utc", "patient_by_mrn",
    "patient_episodes", "pending_drafts", "schedule_policy", "search_audit", "search_patients",
    "utc_now", "utc_text", "verify_audit_chain", "ward_entries",
]
