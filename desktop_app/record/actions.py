"""The audit vocabulary: every action name the audit log may hold, in one list.

Each entry of the log names one of these. The README lists them with their meaning; a test
reads every `action=` written anywhere in the application and fails on a name not here.
"""

from __future__ import annotations

# name -> what it records (the README's table is this one)
ACTIONS: dict[str, str] = {
    # accounts and sign-in
    "installation.setup": "the first administrator set the installation up",
    "user.create": "an account was created (and given its signing key)",
    "user.disable": "an account was disabled; its signing key is revoked",
    "user.enable": "a disabled account was enabled again, with a new signing key",
    "user.password_reset": "an administrator set a new password (and a new signing key)",
    "user.password_change": "a user changed their own password",
    "user.key_reissue": "a user got a new signing key; the old one is revoked",
    "key.write": "a signing-key file the record keeps (on a server) was written",
    "key.retire": "a replaced signing-key file moved to its user's retired keys",
    "user.sign_in": "a password was accepted",
    "user.sign_in_failed": "a wrong password (counted towards the lock-out)",
    "session.sign_in_refused": "a sign-in on a locked account was refused",
    "session.lock": "the workstation was locked",
    "session.unlock": "the workstation was unlocked",
    "session.sign_out": "a user signed out",
    "session.break_glass": "emergency access was used",
    "session.break_glass_end": "emergency access ended",
    # the ward and its settings
    "setting.change": "an administrator changed a ward setting",
    "ward.board_view": "the ward board was shown",
    "audit.view": "the audit log was read",
    "audit.export": "the audit log was exported",
    # patients, episodes, exams
    "patient.create": "a patient was recorded",
    "patient.update": "a patient's details were updated",
    "patient.view": "a patient's record was opened",
    "patient.correct": "a patient's name or birth date was corrected (old and new values kept)",
    "episode.open": "an episode (one patient, one procedure) began",
    "episode.update": "an episode's procedure details were updated",
    "episode.location": "a patient's bed or location changed",
    "episode.close": "a clinician closed an episode",
    "escalation.record": "a call to a clinician was recorded",
    "escalation.response": "the response to a call was recorded",
    "exam.save": "an exam was saved (from the wizard or an import)",
    "exam.edit": "an unsigned exam was edited",
    "exam.discard": "an exam in progress was thrown away, with who, when, its level and why",
    "exam.discard_dismissed": "a nurse marked a discarded exam on the board as dealt with",
    "exam.export": "an exam left the record as an exam document",
    # notes
    "note.sign": "an exam's note was signed and stored; the exam is final",
    "addendum.sign": "a signed addendum was added to a note",
    "note.print": "a signed note was printed",
    "note.export_pdf": "a signed note was saved as a PDF file",
    "note.export_fhir": "a signed exam left the record as a FHIR Bundle",
    # the record as a whole
    "record.backup": "a verified copy of the database was written",
    "record.restore": "the database was replaced by a verified backup (on a server: a "
                      "backup loaded onto a new database)",
    "workstation.server_set": "an administrator pointed a workstation at this record on the "
                              "server",
    "workstation.server_unset": "an administrator took a workstation off this record",
    "record.migrate_to_server": "the record was moved onto a database server and proven complete",
    "schema.migrate": "the database was brought to a newer schema",
    "record.baseline": "a row recorded before rows were hashed, taken into the audit chain",
}

INSTALLATION_SETUP = "installation.setup"
USER_CREATE = "user.create"
USER_DISABLE = "user.disable"
USER_ENABLE = "user.enable"
USER_PASSWORD_RESET = "user.password_reset"
USER_PASSWORD_CHANGE = "user.password_change"
USER_KEY_REISSUE = "user.key_reissue"
SETTING_CHANGE = "setting.change"
EXAM_EXPORT = "exam.export"
EXAM_DISCARD = "exam.discard"
NOTE_SIGN = "note.sign"
ADDENDUM_SIGN = "addendum.sign"
NOTE_EXPORT_FHIR = "note.export_fhir"
RECORD_BACKUP = "record.backup"
RECORD_RESTORE = "record.restore"
RECORD_MIGRATE_TO_SERVER = "record.migrate_to_server"
WORKSTATION_SERVER_SET = "workstation.server_set"
WORKSTATION_SERVER_UNSET = "workstation.server_unset"
WARD_BOARD_VIEW = "ward.board_view"
PATIENT_VIEW = "patient.view"
NOTE_PRINT = "note.print"
NOTE_EXPORT_PDF = "note.export_pdf"
AUDIT_VIEW = "audit.view"
AUDIT_EXPORT = "audit.export"
SESSION_LOCK = "session.lock"
SESSION_UNLOCK = "session.unlock"
SESSION_SIGN_OUT = "session.sign_out"
SESSION_REFUSED = "session.sign_in_refused"
BREAK_GLASS = "session.break_glass"
BREAK_GLASS_END = "session.break_glass_end"
EXAM_DISCARD_DISMISSED = "exam.discard_dismissed"
