"""Sample data for a demonstration or a screenshot: a ward of about thirty open episodes,
both procedures, all four levels, serial exams, escalations, some checks overdue.

Every exam is written as an exam document and saved through `save_exam`, so it is
validated and assessed by the real protocol exactly like a nurse's. The MRNs start with
DEMO- and the folder must be empty (or hold demo data only): demo patients never mix with
real ones.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from desktop_app.domain.scales import DERMATOMES, LOWER_LIMB_MUSCLES, SIDES, WRIST_MUSCLES
from desktop_app.store.database import utc_now, write_transaction
from desktop_app.store.episodes import close_episode, record_escalation
from desktop_app.store.errors import Conflict
from desktop_app.store.exams import save_exam
from desktop_app.store.settings import INSTITUTION, WARD_NAME, set_setting
from desktop_app.store.users import has_users

log = logging.getLogger(__name__)

MRN_PREFIX = "DEMO-"
PASSWORD = "neurocheck-demo"
# (name, role, full name, credentials): the admin first, it sets the installation up.
USERS = (
    ("admin", "admin", "Demo Administrator", None),
    ("nurse", "nurse", "Demo Nurse", "RN"),
    ("clinician", "clinician", "Demo Clinician", "MD"),
)
NURSE = "nurse"
CLINICIAN = "clinician"

NAMES = (
    ("Ana Souza", "1961-05-14"), ("Kwame Mensah", "1977-11-02"), ("Zoë Ngô-Ærøe", "1958-02-28"),
    ("Mehmet Yılmaz", "1949-07-30"), ("Ingrid Håkansson", "1983-03-12"),
    ("Priya Raghunathan", "1990-09-21"), ("José Álvarez", "1966-01-05"),
    ("Aoife Ní Bhriain", "1972-12-17"), ("Dmitri Volkov", "1955-06-08"),
    ("李伟", "1980-04-27"), ("Fatima Zahra El Idrissi", "1969-10-10"),
    ("Nguyễn Thị Lan", "1987-08-03"), ("Olusegun Adeyemi", "1951-02-14"),
    ("Małgorzata Kowalska", "1963-05-29"), ("Hannah Schäfer", "1995-11-11"),
    ("田中 由紀", "1974-07-07"), ("Ahmad Karimi", "1982-01-19"), ("Chloé Dubois", "1959-03-03"),
    ("Tomasz Wiśniewski", "1970-06-15"), ("Sipho Dlamini", "1985-12-01"),
    ("Elena Popescu", "1948-09-09"), ("Rafael Moreno", "1976-04-04"), ("Aisha Bello", "1992-02-22"),
    ("Björn Lindqvist", "1953-08-18"), ("Mariana Costa", "1968-10-31"), ("Kenji Sato", "1962-05-05"),
    ("Grace O'Connor", "1979-03-23"), ("Rania Haddad", "1988-07-12"),
    ("Pedro Gonçalves", "1957-11-27"), ("Ева Смирнова", "1971-01-30"),
    ("Γιώργος Παπαδόπουλος", "1964-09-14"), ("Samuel Okafor", "1984-06-06"),
    ("Leila Farahani", "1993-04-16"), ("Oskar Nowak", "1950-12-24"),
)

CALM = {"numbness": False, "radicular_pain": False, "paresthesia": False,
        "saddle_anaesthesia": False, "bowel_bladder_dysfunction": False,
        "bilateral_symptoms": False, "worsening_weakness": False}
BLOCK = {"levels": ["L4-L5", "L5-S1"], "volume_ml_per_level": 0.5, "anaesthetic": "bupivacaine",
         "concentration_percent": 0.5, "fluoroscopy_contrast": True, "sedation": "none",
         "anticoagulated": "no"}


def numb(dermatome: str, side: str = "left", grade: int = 1) -> dict[str, Any]:
    return {f"sensory.{dermatome}.{side}.light_touch": grade,
            f"sensory.{dermatome}.{side}.pinprick": grade}


def weak(muscle: str, grade: int, side: str = "left") -> dict[str, Any]:
    return {f"motor.{muscle}.{side}": grade}


def symptoms(**changes: Any) -> dict[str, Any]:
    return {**CALM, **changes}


@dataclass(frozen=True)
class Check:
    """One exam: hours after the procedure, symptoms, grid changes from normal."""

    hours: float
    symptoms: dict[str, Any] = field(default_factory=lambda: dict(CALM))
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    kind: str  # "medial_branch_block" or "im_injection"
    hours_ago: float  # the procedure, before now
    checks: tuple[Check, ...]
    procedure: dict[str, Any] = field(default_factory=dict)
    side: str = "left"
    escalate_to: tuple[str, str, str] | None = None  # role, name, response
    closed: bool = False


def _block(hours_ago: float, *checks: Check, escalate_to=None, closed=False, side="left",
           **procedure: Any) -> Scenario:
    return Scenario("medial_branch_block", hours_ago, checks, {**BLOCK, **procedure}, side,
                    escalate_to, closed)


def _im(hours_ago: float, *checks: Check, site="ventrogluteal", drug="ceftriaxone",
        escalate_to=None, closed=False, side="left") -> Scenario:
    return Scenario("im_injection", hours_ago, checks,
                    {"site": site, "drug": drug, "anticoagulated": "no"}, side, escalate_to,
                    closed)


ANAESTHETIST = ("anaesthetist", "Dr. A. Okoye", "will review within 30 minutes")
PROCEDURALIST = ("proceduralist", "Dr. M. Lindgren", "advised: continue checks every 15 minutes")
NEUROLOGIST = ("on-call neurologist", "Dr. S. Patel", "urgent MRI requested; coming to the ward")
PRESCRIBER = ("prescriber", "Dr. L. Moreau", "will assess on the ward round")

SCENARIOS: tuple[Scenario, ...] = (
    # Most last checks are minutes old; five are overdue on purpose (marked).
    # medial branch blocks: the expected course
    _block(1.3, Check(0.5), Check(1.0)),
    _block(2.6, Check(1.0, symptoms(numbness=True, onset="delayed"), numb("L5")),  # overdue
           Check(2.0, symptoms(numbness=True, trend="improving"), numb("L5"))),
    _block(0.8, Check(0.5, symptoms(numbness=True), {**numb("L4"), **weak("knee_extension", 4)})),
    _block(3.3, Check(1.0), Check(2.0), Check(3.0)),
    _block(1.2, Check(1.0, symptoms(numbness=True), numb("S1", "right")), side="right"),
    _block(1.75, Check(0.5), Check(1.5), volume_ml_per_level=0.75, concentration_percent=2,
           fluoroscopy_contrast=False, sedation="midazolam"),
    _block(0.4, Check(0.25)),
    # medial branch blocks: notify
    _block(6.2, Check(2.0, symptoms(numbness=True), numb("L5")),
           Check(6.0, symptoms(numbness=True, trend="stable"), numb("L5")),
           escalate_to=ANAESTHETIST),
    _block(1.2, Check(1.0, symptoms(radicular_pain=True, onset="immediate"))),
    _block(7.0, Check(5.5, symptoms(numbness=True, trend="improving"), numb("L4", "right")),  # overdue
           side="right", escalate_to=PROCEDURALIST),
    # medial branch blocks: urgent
    _block(5.2, Check(1.0, changes=weak("ankle_dorsiflexion", 4)),
           Check(3.0, changes=weak("ankle_dorsiflexion", 4)),
           Check(5.0, changes=weak("ankle_dorsiflexion", 4)), escalate_to=ANAESTHETIST),
    _block(2.1, Check(2.0, changes={"straight_leg_raise.left": False, **weak("hip_flexion", 3)})),
    _block(30.5, Check(24.0, symptoms(numbness=True), numb("L5")),  # overdue
           Check(30.0, symptoms(numbness=True, trend="stable"), numb("L5")),
           escalate_to=NEUROLOGIST),
    # medial branch blocks: emergency
    _block(2.75, Check(1.0), Check(2.6, symptoms(saddle_anaesthesia=True, numbness=True),
                                  numb("S1")), escalate_to=NEUROLOGIST),
    _block(6.1, Check(2.0, changes=weak("hip_flexion", 4)),
           Check(6.0, symptoms(worsening_weakness=True), weak("hip_flexion", 3)),
           escalate_to=NEUROLOGIST),
    _block(5.2, Check(5.0, symptoms(numbness=True, bilateral_symptoms=True),
                      {**numb("L5"), **numb("L5", "right")}), anticoagulated="yes"),
    # IM injections: the expected course
    _im(10.0, Check(2.0, symptoms(numbness=True, onset="delayed"), numb("S1")),
        Check(8.0, symptoms(numbness=True, trend="improving"), numb("S1", grade=1))),
    _im(12.5, Check(12.0, symptoms(numbness=True, onset="delayed", trend="stable"), numb("L5"))),
    _im(26.0, Check(1.0), Check(20.0)),  # overdue: the 24 h check
    _im(3.0, Check(0.5), site="vastus_lateralis", drug="haloperidol decanoate"),
    _im(49.5, Check(24.0), Check(48.0), site="dorsogluteal", drug="penicillin G benzathine"),
    _im(6.0, Check(1.0, symptoms(paresthesia=True)), site="deltoid", drug="tetanus vaccine"),
    # IM injections: notify
    _im(29.8, Check(6.0, symptoms(numbness=True, onset="delayed", trend="stable"), numb("L5")),
        Check(29.6, symptoms(numbness=True, trend="worsening"), numb("L5", grade=0)),
        escalate_to=PRESCRIBER),
    _im(3.7, Check(3.5, symptoms(radicular_pain=True, onset="delayed"))),
    # IM injections: urgent
    _im(7.85, Check(0.5, symptoms(numbness=True, radicular_pain=True, onset="immediate"),
                    {**numb("S1"), **weak("ankle_plantarflexion", 4)}),
        Check(4.0, symptoms(numbness=True, radicular_pain=True, onset="immediate", trend="stable"),
              {**numb("S1"), **weak("ankle_plantarflexion", 4)}),
        Check(7.7, symptoms(numbness=True, radicular_pain=True, onset="immediate", trend="stable"),
              {**numb("S1"), **weak("ankle_plantarflexion", 4)}),
        site="dorsogluteal", drug="diclofenac", escalate_to=PRESCRIBER),
    _im(18.2, Check(18.0, symptoms(numbness=True, onset="delayed"),
                    {**numb("L5"), **weak("ankle_dorsiflexion", 2),
                     **weak("great_toe_extension", 2)}),
        site="dorsogluteal", drug="promethazine", escalate_to=NEUROLOGIST),
    _im(8.65, Check(8.5, symptoms(onset="immediate"),
                   {"motor.wrist_extension.left": 2, "motor.finger_extension.left": 3}),
        site="deltoid", drug="influenza vaccine", escalate_to=PRESCRIBER),
    _im(2.0, Check(1.5, symptoms(numbness=True, onset="immediate"),  # overdue
                   {**numb("L5"), **weak("great_toe_extension", 4)}), site="ventrogluteal",
        drug="ketorolac"),
    # IM injection: emergency
    _im(4.65, Check(4.5, symptoms(bowel_bladder_dysfunction=True, numbness=True), numb("S1")),
        site="dorsogluteal", drug="methylprednisolone", escalate_to=NEUROLOGIST),
    _im(1.0, Check(0.75), site="deltoid", drug="hepatitis B vaccine"),
    # closed by a clinician: off the board, still in the record
    _block(26.0, Check(1.0, symptoms(numbness=True), numb("L5")), Check(4.5), closed=True),
    _im(24 * 70, Check(24 * 69, symptoms(numbness=True, trend="stable"), numb("L5")),
        site="dorsogluteal", drug="penicillin G benzathine", closed=True),
    _im(50.0, Check(24.0), Check(48.0), closed=True),
    _block(30.0, Check(2.0), Check(4.0), closed=True),
)


def normal_grid(kind: str, site: str | None) -> dict[str, Any]:
    """A complete normal exam for the procedure (what must be tested before signing)."""
    grid: dict[str, Any] = {}
    if kind == "medial_branch_block" or site != "deltoid":
        grid["sensory"] = {d: {s: {"light_touch": 2, "pinprick": 2} for s in SIDES}
                           for d in DERMATOMES}
        grid["motor"] = {m: {"left": 5, "right": 5} for m in LOWER_LIMB_MUSCLES}
        grid["straight_leg_raise"] = {"left": True, "right": True}
        grid["reflexes"] = {r: {"left": "2+", "right": "2+"} for r in ("patellar", "achilles")}
    if kind == "im_injection" and site in ("deltoid", "other"):
        grid.setdefault("motor", {}).update({m: {"left": 5, "right": 5} for m in WRIST_MUSCLES})
    return grid


def _set(target: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[leaf] = value


def exam_object(scenario: Scenario, check: Check, procedure_at: datetime) -> dict[str, Any]:
    """The `exam` object of one check."""
    exam = {"performed_at": (procedure_at + timedelta(hours=check.hours)).isoformat(
        timespec="seconds")}
    exam["symptoms"] = dict(check.symptoms)
    exam.update(copy.deepcopy(normal_grid(scenario.kind, scenario.procedure.get("site"))))
    for path, value in check.changes.items():
        _set(exam, path, value)
    return exam


def scenario_documents(scenario: Scenario, index: int, now: datetime) -> list[dict[str, Any]]:
    """The exam documents of one episode, oldest first, each carrying the earlier exams."""
    name, birth = NAMES[index % len(NAMES)]
    # Times in the ward's local offset, to the minute, as a nurse would read them.
    local_now = now.astimezone().replace(second=0, microsecond=0)
    procedure_at = local_now - timedelta(hours=scenario.hours_ago)
    procedure = {"kind": scenario.kind, "performed_at": procedure_at.isoformat(timespec="seconds"),
                 "side": scenario.side, **scenario.procedure}
    documents, earlier = [], []
    for check in scenario.checks:
        exam = exam_object(scenario, check, procedure_at)
        documents.append({
            "format": "neuro-exam/1",
            "patient": {"mrn": f"{MRN_PREFIX}{1001 + index}", "name": name, "birth_date": birth},
            "procedure": copy.deepcopy(procedure),
            "exam": exam,
            "previous_exams": copy.deepcopy(earlier),
        })
        earlier.append(exam)
    return documents


def holds_demo_only(db: Database) -> bool | None:
    """None for an empty record, True when it holds demo patients only, else False."""
    patients = db.execute("SELECT count(*), sum(CASE WHEN mrn LIKE 'DEMO-%' THEN 1 ELSE 0 END) "
                          "FROM patients").fetchone()
    if not patients[0] and not has_users(db):
        return None
    return bool(patients[0]) and patients[0] == patients[1]


def fill_demo(db: Database, data_dir: Path, *, now: datetime | None = None,
              add_user: Callable[..., Any]) -> dict[str, int]:
    """Fill an empty data folder with the demo ward. Returns counts (episodes, exams...).

    `add_user` creates an account with its signing key (the record's `accounts.add_user`:
    the store issues no keys). Raises `Conflict` when the folder already holds anything
    but demo data.
    """
    state = holds_demo_only(db)
    if state is not None:
        raise Conflict("the data folder is not empty; the demo fills an empty folder only "
                       "(use --data-dir with a new folder)")
    now = now or utc_now()
    # One transaction: a full disk part-way leaves an empty folder, which a retry fills.
    with write_transaction(db):
        for name, role, full_name, credentials in USERS:
            add_user(db, data_dir, name, full_name=full_name, role=role, password=PASSWORD,
                     credentials=credentials, admin_name="admin" if has_users(db) else None,
                     admin_password=PASSWORD)
        set_setting(db, WARD_NAME, "Ward 7B (demo)", actor="admin")
        set_setting(db, INSTITUTION, "Demo General Hospital", actor="admin")
        counts = {"episodes": 0, "exams": 0, "escalations": 0, "closed": 0}
        bed = 0
        for index, scenario in enumerate(SCENARIOS):
            bed += 0 if scenario.closed else 1
            saved = None
            for document in scenario_documents(scenario, index, now):
                saved = save_exam(db, document, actor=NURSE,
                                  location=None if scenario.closed else f"Bed {bed}")
                counts["exams"] += 1
            assert saved is not None
            counts["episodes"] += 1
            if scenario.escalate_to:
                role, name, response = scenario.escalate_to
                last = datetime.fromisoformat(document["exam"]["performed_at"])
                record_escalation(db, saved.episode_id, role=role, name=name,
                                  called_at=min(last + timedelta(minutes=5), now), response=response,
                                  exam_id=saved.exam_id, actor=NURSE)
                counts["escalations"] += 1
            if scenario.closed:
                close_episode(db, saved.episode_id, actor=CLINICIAN,
                              note="recovered; discharged with advice")
                counts["closed"] += 1
    log.info("demo ward filled: %s", counts)
    return counts

