"""The chart note: one exam, its assessment and the escalation record as a PDF (reportlab).

Everything a user typed (names, drug, reasons, responses, addendum text) goes through
`esc()` before it reaches paragraph markup, so `<` and `&` print as themselves. Deficits are
marked by bold type, a symbol and shading, so they survive black-and-white printing.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    HRFlowable,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from desktop_app import __version__
from desktop_app.domain import (
    FLAG_WORDS,
    RULES,
    SOURCES,
    Assessment,
    ExamDocument,
    Level,
    not_part_of_exam,
)
from desktop_app.domain.elapsed import format_elapsed
from desktop_app.domain.escalation import EscalationError, check_escalations
from desktop_app.domain.findings import grade_changes
from desktop_app.domain.model import (
    IM_SITE_WORDS,
    PROCEDURE_KIND_WORDS,
    RED_FLAG_SYMPTOMS,
    SYMPTOM_KEYS,
    SYMPTOM_WORDS,
    Exam,
)
from desktop_app.domain.scales import (
    DERMATOMES,
    GRID_BY_PATH,
    KEY_SENSORY_POINTS,
    LOWER_LIMB_MUSCLES,
    NT,
    REFLEXES,
    SIDE_ORDER,
    WRIST_MUSCLES,
)
from desktop_app.report.bodymap_drawing import BodyMapFlowable, dermatome_grades
from desktop_app.report.fonts import (
    MONO,
    SANS,
    SANS_BOLD,
    draw_string,
    embolden,
    markup,
    register_fonts,
    string_width,
)

PAPERS = {"a4": A4, "letter": LETTER}
SIGNATURE_MEANING = "Examined and documented by"
ADDENDUM_MEANING = "Amended by"
NOTE_FORMAT = "neurocheck-note/1"
NOTE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
DEFICIT = "\u25bc"  # ▼ below normal
ABOVE = "\u25b2"  # ▲ above normal (brisk reflex)
WARNING = "\u26a0"  # ⚠
WEAKER = "\u2193"  # ↓ graded lower than at the previous exam
SHADE = colors.Color(0.82, 0.82, 0.82)
LIGHT = colors.Color(0.93, 0.93, 0.93)
MAX_TREND_EXAMS = 6
NOT_PART = "\x00not part"  # grouping key of items the procedure does not require


@dataclass(frozen=True)
class SignerDisplay:
    """What the signature block prints: the signer's name, credentials and login (the
    meaning follows the kind of note, `signature_meaning`)."""

    full_name: str
    credentials: str | None = None
    name: str | None = None  # login name; also recorded in the note's metadata


@dataclass(frozen=True)
class Escalation:
    """One call made by the nurse: whom (role, name), when, and the response."""

    role: str
    name: str
    called_at: datetime
    response: str


class NoteError(ValueError):
    """A note that cannot be made from what was given (message safe to log: no PHI)."""


# -- small helpers ---------------------------------------------------------------------

def esc(text: object) -> str:
    """User text made safe for reportlab paragraph markup (`<`, `>` and `&` print as typed),
    each run of a script DejaVu lacks set in its Noto font."""
    return markup(text)


def esc_lines(text: str) -> str:
    """`esc` that keeps the writer's line breaks."""
    return "<br/>".join(esc(line) for line in text.splitlines())


def new_note_id(now: datetime | None = None) -> str:
    """A fresh note ID: `NC-` + UTC date + 8 random characters (`NC-20261121-7F3K9Q2M`)."""
    now = now or datetime.now(UTC)
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return f"NC-{now.astimezone(UTC):%Y%m%d}-" + "".join(
        secrets.choice(alphabet) for _ in range(8)
    )


def exam_record_hash(document: ExamDocument) -> str:
    """SHA-256 (hex) of the exam document in canonical JSON: what the signature vouches for.

    A store holding the same exam computes the same value, so a note cannot be passed
    off as the record of another exam.
    """
    canonical = json.dumps(
        document.to_document(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def signature_meaning(amends_note_id: str | None) -> str:
    """What the signature means, by the kind of note: never chosen by a caller."""
    return ADDENDUM_MEANING if amends_note_id else SIGNATURE_MEANING


def printed_signer_digest(full_name: str, credentials: str | None) -> str:
    """SHA-256 (hex, 16 digits) of the name and credentials the signature block prints:
    signing compares it with the key's certificate, so the page cannot name another."""
    text = json.dumps([full_name, credentials or ""], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def note_keywords(
    note_id: str, exam_sha256: str, signer_login: str | None, amends_note_id: str | None,
    *, printed_signer: str | None = None, signed_at: datetime | None = None,
) -> str:
    """The machine-readable line kept in the PDF's Keywords (inside the signed bytes).

    `printed_signer` (`printed_signer_digest`) and `signed_at` are what the page prints as
    the signer and the signing time; `sign_note` binds both to the signature."""
    parts = [NOTE_FORMAT, f"note-id={note_id}", f"exam-sha256={exam_sha256}"]
    if signer_login:
        parts.append(f"signer={signer_login}")
    if amends_note_id:
        parts.append(f"amends={amends_note_id}")
    if printed_signer:
        parts.append(f"printed-signer={printed_signer}")
    if signed_at:
        parts.append(f"signed-at={signed_at.isoformat(timespec='seconds')}")
    return " ".join(parts)


def parse_note_keywords(keywords: str) -> dict[str, str] | None:
    """The fields of `note_keywords`, or None when the text is not a NeuroCheck note's."""
    words = (keywords or "").split()
    if not words or words[0] != NOTE_FORMAT:
        return None
    fields: dict[str, str] = {}
    for word in words[1:]:
        key, _, value = word.partition("=")
        fields[key] = value
    return fields


def format_moment(moment: datetime) -> str:
    """`2026-05-04 11:00 (UTC+01:00)`: a time as the ward reads it, with its offset."""
    if moment.tzinfo is None:
        moment = moment.astimezone()
    offset = moment.strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}" if offset else ""
    return f"{moment:%Y-%m-%d %H:%M} (UTC{offset})"


def age_on(birth: date, day: date) -> int:
    """Whole years from `birth` to `day`."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# -- styles ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    head: ParagraphStyle
    title: ParagraphStyle
    h2: ParagraphStyle
    level: ParagraphStyle
    name: ParagraphStyle
    mono: ParagraphStyle


def _styles() -> Styles:
    # shaping: names in Arabic, Devanagari, Thai... are shaped (see fonts.markup).
    body = ParagraphStyle("body", fontName=SANS, fontSize=8.8, leading=11.2, shaping=1)
    small = ParagraphStyle("small", parent=body, fontSize=7.8, leading=9.6)
    cell = ParagraphStyle("cell", parent=body, fontSize=8.2, leading=10)
    return Styles(
        body=body,
        small=small,
        cell=cell,
        cell_bold=ParagraphStyle("cell_bold", parent=cell, fontName=SANS_BOLD),
        head=ParagraphStyle("head", parent=cell, fontName=SANS_BOLD, fontSize=7.8),
        title=ParagraphStyle("title", parent=body, fontName=SANS_BOLD, fontSize=13,
                             leading=16, spaceAfter=4),
        h2=ParagraphStyle("h2", parent=body, fontName=SANS_BOLD, fontSize=10, leading=12.5,
                          spaceBefore=7, spaceAfter=3, keepWithNext=1),
        level=ParagraphStyle("level", parent=body, fontName=SANS_BOLD, fontSize=16,
                             leading=19, alignment=TA_CENTER),
        name=ParagraphStyle("name", parent=body, fontName=SANS_BOLD, fontSize=12, leading=14.5),
        mono=ParagraphStyle("mono", parent=body, fontName=MONO, fontSize=7.6, leading=9.4),
    )


# -- page furniture ----------------------------------------------------------------------

class _NumberedCanvas(pdf_canvas.Canvas):
    """Holds every page until the end so the footer can say "page x of y"."""

    def __init__(self, *args: Any, furniture: _Furniture, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._furniture = furniture
        self._held_pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held_pages)
        for state in self._held_pages:
            self.__dict__.update(state)
            self._furniture.draw(self, self._pageNumber, total)
            super().showPage()
        super().save()


@dataclass(frozen=True)
class _Furniture:
    """Header and footer of every page."""

    page_width: float
    page_height: float
    margin: float
    header_left: str
    patient_name: str
    patient_mrn: str
    footer_left: str

    def draw(self, canvas: pdf_canvas.Canvas, page: int, total: int) -> None:
        left, right = self.margin, self.page_width - self.margin
        top = self.page_height - self.margin + 16
        canvas.saveState()
        canvas.setFillColor(colors.black)
        mrn = f" \u00b7 MRN {self.patient_mrn}"
        name_room = (right - left) * 0.55 - string_width(mrn, SANS, 8.5)
        patient = _fit(self.patient_name, SANS, 8.5, name_room) + mrn
        header_room = right - left - string_width(patient, SANS, 8.5) - 12
        draw_string(canvas, left, top, _fit(self.header_left, SANS_BOLD, 8.5, header_room),
                    SANS_BOLD, 8.5)
        draw_string(canvas, right, top, patient, SANS, 8.5, align="right")
        canvas.setLineWidth(0.6)
        canvas.line(left, top - 4, right, top - 4)
        bottom = self.margin - 18
        canvas.line(left, bottom + 10, right, bottom + 10)
        canvas.setFont(SANS, 7.6)
        canvas.drawString(left, bottom, self.footer_left)
        canvas.setFont(SANS_BOLD, 7.6)
        canvas.drawRightString(right, bottom, f"Page {page} of {total}")
        canvas.restoreState()


def _fit(text: str, font: str, size: float, width: float) -> str:
    """`text` shortened with an ellipsis so it fits `width` points."""
    if string_width(text, font, size) <= width:
        return text
    while text and string_width(text + "\u2026", font, size) > width:
        text = text[:-1]
    return text + "\u2026"


# -- the note ----------------------------------------------------------------------------

def render_note(
    document: ExamDocument,
    assessment: Assessment,
    *,
    note_id: str,
    escalations: Iterable[Escalation | Mapping[str, Any]] = (),
    signer_display: SignerDisplay | None,
    signed_at: datetime | None,
    ward: str | None = None,
    institution: str | None = None,
    paper: str = "a4",
    amends_note_id: str | None = None,
    addendum_text: str | None = None,
    episode: str | None = None,
) -> bytes:
    """The note as PDF bytes, ready for `sign_note`.

    `signer_display` and `signed_at` fill the signature block; with either missing the
    note is marked as an unsigned preview. `amends_note_id` makes it an addendum, which
    prints `addendum_text` at the top. `paper` is "a4" or "letter". Each escalation is
    checked by the domain's rule (`check_escalation`; `NoteError` names the entry at
    fault). The signing-gaps check is not done here (see `create_signed_note`), so
    previews of incomplete exams work.
    """
    if paper not in PAPERS:
        raise NoteError(f"paper must be one of {', '.join(PAPERS)}")
    if not NOTE_ID.fullmatch(note_id or ""):
        raise NoteError("a note ID is 1-64 letters, digits, '.', '_' or '-'")
    if amends_note_id is not None and not NOTE_ID.fullmatch(amends_note_id):
        raise NoteError("the amended note ID is 1-64 letters, digits, '.', '_' or '-'")
    if amends_note_id and not (addendum_text or "").strip():
        raise NoteError("an addendum needs its text")
    try:
        calls = check_escalations(list(escalations), procedure_at=document.procedure.performed_at)
    except EscalationError as error:
        raise NoteError(f"escalation record: {error}") from None
    register_fonts()
    builder = _NoteBuilder(
        document=document,
        assessment=assessment,
        note_id=note_id,
        escalations=[Escalation(c.role, c.name, c.called_at, c.response or "") for c in calls],
        signer=signer_display if signed_at else None,
        signed_at=signed_at.replace(microsecond=0) if signer_display and signed_at else None,
        ward=ward,
        institution=institution,
        pagesize=PAPERS[paper],
        amends_note_id=amends_note_id,
        addendum_text=addendum_text,
        episode=episode,
    )
    return builder.build()


class _NoteBuilder:
    """Lays out one note; each `_section` method returns its flowables."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)
        self.styles = _styles()
        self.exam_hash = exam_record_hash(self.document)
        self.margin = 15 * mm
        self.width = self.pagesize[0] - 2 * self.margin

    # -- build

    def build(self) -> bytes:
        page_width, page_height = self.pagesize
        buffer = io.BytesIO()
        template = BaseDocTemplate(
            buffer,
            pagesize=self.pagesize,
            leftMargin=self.margin,
            rightMargin=self.margin,
            topMargin=self.margin + 8,
            bottomMargin=self.margin,
            title="Post-procedure neurological check note",
            author="NeuroCheck",
            subject=f"NeuroCheck note {self.note_id}",
            creator=f"NeuroCheck {__version__}",
            keywords=note_keywords(
                self.note_id, self.exam_hash, self.signer.name if self.signer else None,
                self.amends_note_id,
                printed_signer=printed_signer_digest(self.signer.full_name,
                                                     self.signer.credentials)
                if self.signer else None,
                signed_at=self.signed_at),
        )
        frame = Frame(self.margin, self.margin, self.width,
                      page_height - 2 * self.margin - 8, id="body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        template.addPageTemplates([PageTemplate(id="note", frames=[frame])])
        patient = self.document.patient
        furniture = _Furniture(
            page_width=page_width,
            page_height=page_height,
            margin=self.margin,
            header_left=" \u00b7 ".join(p for p in (self.institution, self.ward) if p)
            or "Post-procedure neurological check",
            patient_name=patient.name or "(name not recorded)",
            patient_mrn=patient.mrn,
            footer_left=f"Note {self.note_id} \u00b7 exam record SHA-256 "
            f"{self.exam_hash[:12]} \u00b7 NeuroCheck {__version__}",
        )
        story = self.story()
        template.build(story, canvasmaker=partial(_NumberedCanvas, furniture=furniture))
        return buffer.getvalue()

    def story(self) -> list[Any]:
        flow: list[Any] = []
        flow += self._title()
        flow += self._addendum()
        flow += self._label_and_procedure()
        flow += self._assessment()
        flow += self._escalations()
        flow += self._symptoms()
        flow += self._motor_and_others()
        flow += self._sensory()
        flow += self._serial()
        flow += self._not_tested()
        flow += self._signature()
        return flow

    # -- helpers

    def p(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        style = style or self.styles.body
        return Paragraph(embolden(text, style.fontName == SANS_BOLD), style)

    def cell(self, text: str, bold: bool = False) -> Paragraph:
        return self.p(text, self.styles.cell_bold if bold else self.styles.cell)

    def heading(self, text: str) -> Paragraph:
        return self.p(text, self.styles.h2)

    def section(self, title: str, *flowables: Any, keep_all: bool = False) -> list[Any]:
        """A heading kept with the start of what it heads (no orphan headings), or with
        all of it when `keep_all` (a table and its legend belong on one page)."""
        kept = len(flowables) if keep_all else 1
        return [CondPageBreak(60), KeepTogether([self.heading(title), *flowables[:kept]]),
                *flowables[kept:]]

    def grid_table(self, rows: list[list[Any]], widths: list[float],
                   marked: Iterable[tuple[int, int]] = (), header_rows: int = 1) -> Table:
        table = Table(rows, colWidths=widths, repeatRows=header_rows)
        style = [
            ("FONT", (0, 0), (-1, -1), SANS, 8.2),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.Color(0.45, 0.45, 0.45)),
            ("TOPPADDING", (0, 0), (-1, -1), 1.6),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.8),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]
        if header_rows:
            style.append(("BACKGROUND", (0, 0), (-1, header_rows - 1), LIGHT))
        for column, row in marked:
            style.append(("BACKGROUND", (column, row), (column, row), SHADE))
            style.append(("BOX", (column, row), (column, row), 1.0, colors.black))
        table.setStyle(TableStyle(style))
        return table

    # -- sections

    def _title(self) -> list[Any]:
        kind = PROCEDURE_KIND_WORDS.get(self.document.procedure.kind,
                                        self.document.procedure.kind)
        title = f"Neurological check after {esc(kind)}"
        if self.amends_note_id:
            title = f"ADDENDUM \u00b7 {title}"
        flow: list[Any] = [self.p(title, self.styles.title)]
        if not self.signer:
            flow.append(self._banner("UNSIGNED PREVIEW \u2014 not part of the record until "
                                     "signed"))
        return flow

    def _banner(self, text: str) -> Table:
        table = Table([[self.p(f"<b>{text}</b>", self.styles.body)]], colWidths=[self.width])
        table.setStyle(TableStyle([
            ("BOX", (0, 0), (-1, -1), 1.5, colors.black),
            ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]))
        return table

    def _addendum(self) -> list[Any]:
        if not self.amends_note_id:
            return []
        rows = [
            [self.p(f"<b>Addendum to note {esc(self.amends_note_id)}</b>. The amended note "
                    "stays in the record unchanged; this signed addendum corrects or adds to "
                    "it.", self.styles.body)],
            [self.p(esc_lines(self.addendum_text or ""), self.styles.body)],
        ]
        table = Table(rows, colWidths=[self.width])
        table.setStyle(TableStyle([
            ("BOX", (0, 0), (-1, -1), 1.5, colors.black),
            ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
            ("BACKGROUND", (0, 0), (-1, 0), LIGHT),
            ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]))
        return [table, Spacer(1, 6)]

    def _label_and_procedure(self) -> list[Any]:
        s = self.styles
        patient, procedure, exam = self.document.patient, self.document.procedure, self.document.exam
        born = "not recorded"
        if patient.birth_date:
            years = age_on(patient.birth_date, exam.performed_at.date())
            born = f"{patient.birth_date.isoformat()} ({years} y)"
        label_width = self.width * 0.46
        # 0.8 pt narrow bars (0.28 mm) with quiet zones: what a ward scanner reads.
        barcode = Code128(patient.mrn, barWidth=0.8, barHeight=20, humanReadable=False)
        label = [
            self.p(esc(patient.name) if patient.name else "(name not recorded)", s.name),
            self.p(f"MRN <b>{esc(patient.mrn)}</b>", s.body),
            Spacer(1, 4), barcode, Spacer(1, 4),  # clear of the lines above and below it
            self.p(f"Born {esc(born)}", s.body),
        ]
        if self.episode:
            label.append(self.p(f"Episode {esc(self.episode)}", s.body))
        since = format_elapsed(exam.performed_at - procedure.performed_at)
        serial = ""
        if self.document.previous_exams:
            serial = f" \u00b7 exam {len(self.document.previous_exams) + 1} of the episode"
        label += [
            HRFlowable(width="100%", thickness=0.5, color=colors.black, spaceBefore=3,
                       spaceAfter=2),
            self.p(f"Exam at <b>{format_moment(exam.performed_at)}</b>", s.body),
            self.p(f"<b>{since}</b> after the procedure{serial}", s.body),
        ]
        kind = PROCEDURE_KIND_WORDS.get(procedure.kind, procedure.kind)
        facts: list[tuple[str, str]] = [("Procedure", esc(kind))]
        # An unrecorded side is read as one-sided, which can make two-sided findings RF-2.
        facts.append(("Side", esc(procedure.side) if procedure.side
                      else "<b>side not recorded (read as one-sided)</b>"))
        if procedure.is_im:
            if procedure.site:
                facts.append(("Site", esc(IM_SITE_WORDS.get(procedure.site, procedure.site))))
            if procedure.drug:
                facts.append(("Drug", esc(procedure.drug)))
        else:
            block = []
            if procedure.levels:
                block.append(", ".join(esc(v) for v in procedure.levels))
            if procedure.volume_ml_per_level is not None:
                block.append(f"{procedure.volume_ml_per_level:g} mL per level")
            agent = " ".join(
                x for x in (
                    esc(procedure.anaesthetic) if procedure.anaesthetic else "",
                    f"{procedure.concentration_percent:g}%"
                    if procedure.concentration_percent is not None else "",
                ) if x
            )
            if agent:
                block.append(agent)
            if block:
                facts.append(("Block", "; ".join(block)))
            if procedure.fluoroscopy_contrast is not None:
                facts.append(("Fluoroscopy with contrast",
                              "yes" if procedure.fluoroscopy_contrast else "no"))
            if procedure.sedation:
                facts.append(("Sedation", esc(procedure.sedation)))
        facts.append(("Anticoagulated", esc(procedure.anticoagulated or "not recorded")))
        facts.append(("Procedure at", format_moment(procedure.performed_at)))
        fact_rows = [[self.cell(k), self.cell(v)] for k, v in facts]
        fact_width = self.width - label_width - 8
        fact_table = Table(fact_rows, colWidths=[fact_width * 0.42, fact_width * 0.58])
        fact_table.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 0.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ]))
        outer = Table([[label, fact_table]], colWidths=[label_width, self.width - label_width])
        outer.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BOX", (0, 0), (0, 0), 1.2, colors.black),
            ("LEFTPADDING", (0, 0), (0, 0), 6), ("TOPPADDING", (0, 0), (0, 0), 4),
            ("BOTTOMPADDING", (0, 0), (0, 0), 5),
            ("LEFTPADDING", (1, 0), (1, 0), 8),
        ]))
        return [outer, Spacer(1, 6)]

    def _assessment(self) -> list[Any]:
        s = self.styles
        a = self.assessment
        level_word = a.level.value.upper()
        inverted = a.level >= Level.URGENT
        level_style = ParagraphStyle("lv", parent=s.level,
                                     textColor=colors.white if inverted else colors.black)
        level_cell = [self.p("Recommendation level", ParagraphStyle(
            "lvh", parent=s.small, alignment=TA_CENTER,
            textColor=colors.white if inverted else colors.black)),
            self.p(level_word, level_style)]
        right = [self.p(f"<b>{esc(a.action)}</b>", s.body)]
        for flag in a.flags:
            right.append(self.p(f"<b>{WARNING} {esc(FLAG_WORDS.get(flag, flag)).upper()}"
                                f"</b>" if flag == "do_not_discharge" else
                                f"<b>{WARNING} {esc(FLAG_WORDS.get(flag, flag))}</b>", s.body))
        right.append(self.p(f"Next check due: <b>{format_moment(a.next_check_due)}</b>",
                            s.body))
        box = Table([[level_cell, right]], colWidths=[44 * mm, self.width - 44 * mm])
        style = [
            ("BOX", (0, 0), (-1, -1), 2, colors.black),
            ("LINEAFTER", (0, 0), (0, 0), 2, colors.black),
            ("VALIGN", (0, 0), (0, 0), "MIDDLE"),
            ("VALIGN", (1, 0), (1, 0), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ("LEFTPADDING", (1, 0), (1, 0), 7),
        ]
        if inverted:
            style.append(("BACKGROUND", (0, 0), (0, 0), colors.black))
        box.setStyle(TableStyle(style))

        rows = [[self.cell("Rule", True), self.cell("Level", True),
                 self.cell("Why it applies", True), self.cell("Source", True)]]
        marked = []
        for fired in (*a.level_rules, *a.advice):
            level = fired.level.value if fired.level else "advice"
            source = fired.rule.source
            rows.append([
                self.cell(f"<b>{esc(fired.id)}</b>"),
                self.cell(f"<b>{level}</b>" if fired.level and fired.level == a.level else level),
                self.cell(esc(fired.reason)),
                Paragraph(f"{esc(source)}: {esc(SOURCES.get(source, ''))}", s.small),
            ])
            if fired.level == a.level and fired.level != Level.OBSERVE:
                marked.append((1, len(rows) - 1))
        # The rule column fits the longest ID of the table (FU-FOOTDROP): IDs never wrap.
        id_width = max(_text_width(f"<b>{rule.id}</b>", 8.2) for rule in RULES) + 8
        widths = [id_width, 21 * mm]
        widths += [self.width - sum(widths) - 44 * mm, 44 * mm]
        rules = self.grid_table(rows, widths, marked)
        steps = [self.p(f"{number}. {esc(step)}", s.body)
                 for number, step in enumerate(a.next_steps, start=1)]
        if a.withheld_rules:
            ids = ", ".join(f.id for f in a.withheld_rules)
            steps.append(self.p(
                f"The steps of {esc(ids)} (observe) are not actions at level "
                f"{a.level.value}: the rule stays in the basis above.", s.small))
        return [
            box,
            Spacer(1, 2),
            self.p(self._signature_status(), s.small),
            *self.section("Why: every rule that fired", rules),
            *self.section("Next steps", *steps),
        ]

    def _symptoms(self) -> list[Any]:
        symptoms = self.document.exam.symptoms
        alarming = {*RED_FLAG_SYMPTOMS, "radicular_pain"}
        entries: list[tuple[Paragraph, Paragraph, bool]] = []
        for key in SYMPTOM_KEYS:
            value = getattr(symptoms, key)
            if value is None:
                answer, alarm = "not asked", False
            elif isinstance(value, bool):
                answer, alarm = ("yes" if value else "no"), value and key in alarming
            else:
                answer, alarm = esc(value), key == "trend" and value == "worsening"
            words = esc(SYMPTOM_WORDS[key])
            if alarm:
                entries.append((self.cell(f"<b>{words}</b>"),
                                self.cell(f"<b>{WARNING} {answer}</b>"), True))
            else:
                entries.append((self.cell(words), self.cell(answer), False))
        # Two symptoms a row: the first half down the left, the rest down the right.
        half = (len(entries) + 1) // 2
        rows: list[list[Any]] = []
        marked = []
        for index in range(half):
            row: list[Any] = []
            for column, entry in ((1, index), (3, index + half)):
                if entry < len(entries):
                    words, answer, alarm = entries[entry]
                    row += [words, answer]
                    if alarm:
                        marked.append((column, index))
                else:
                    row += ["", ""]
            rows.append(row)
        widths = [self.width * 0.36, self.width * 0.13, self.width * 0.38, self.width * 0.13]
        table = self.grid_table(rows, widths, marked, header_rows=0)
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        findings = self.assessment.findings

        def sides(values: Sequence[str]) -> str:
            return ", ".join(values) if values else "none"

        derived = (
            f"Derived: sensory deficit <b>{sides(findings.sensory_deficit)}</b>; motor deficit "
            f"<b>{sides(findings.motor_deficit)}</b>; significant weakness "
            f"<b>{_yes(findings.significant_weakness)}</b>; straight-leg raise failed "
            f"<b>{_yes(findings.slr_failed)}</b>; foot drop <b>{sides(findings.foot_drop)}</b>; "
            f"wrist drop <b>{sides(findings.wrist_drop)}</b>; bilateral "
            f"<b>{_yes(findings.bilateral)}</b>; progressive weakness "
            f"<b>{_yes(findings.progressive_weakness)}</b>"
        )
        if self.document.procedure.is_block:
            derived += f"; atypical recovery <b>{_yes(findings.atypical_recovery)}</b>"
        derived += "."
        return self.section("Symptoms", table, Spacer(1, 3), self.p(derived, self.styles.small))

    def _grade_cell(self, path: str, exam: Exam) -> tuple[Paragraph, bool]:
        """A grid cell: the grade, with the deficit mark when it is below normal."""
        raw = exam.grades.get(path)
        item = GRID_BY_PATH[path]
        if raw is None:
            return self.cell("\u2014"), False
        if raw == NT and not isinstance(raw, bool):
            return self.cell("NT"), False
        group = item.group
        if group == "straight_leg_raise":
            if raw is False:
                return self.cell(f"<b>{DEFICIT} no</b>"), True
            return self.cell("yes"), False
        if group == "reflexes":
            if raw in ("0", "1+"):
                return self.cell(f"<b>{DEFICIT} {esc(raw)}</b>"), True
            if raw in ("3+", "4+"):
                return self.cell(f"<b>{ABOVE} {esc(raw)}</b>"), True
            return self.cell(esc(raw)), False
        if group == "bromage":
            if raw > 0:
                return self.cell(f"<b>{DEFICIT} {raw}</b>"), True
            return self.cell(str(raw)), False
        normal = 2 if group == "sensory" else 5
        if raw < normal:
            return self.cell(f"<b>{DEFICIT} {raw}</b>"), True
        return self.cell(str(raw)), False

    def _sensory(self) -> list[Any]:
        exam = self.document.exam
        rows: list[list[Any]] = [
            [self.cell("Dermatome (key point)", True), self.cell("Right", True), "",
             self.cell("Left", True), ""],
            ["", self.cell("touch", True), self.cell("pin", True), self.cell("touch", True),
             self.cell("pin", True)],
        ]
        marked = []
        for dermatome in DERMATOMES:
            row: list[Any] = [self.cell(f"<b>{dermatome}</b> {esc(KEY_SENSORY_POINTS[dermatome])}")]
            for side in SIDE_ORDER:
                for modality in ("light_touch", "pinprick"):
                    cell, deficit = self._grade_cell(f"sensory.{dermatome}.{side}.{modality}", exam)
                    row.append(cell)
                    if deficit:
                        marked.append((len(row) - 1, len(rows)))
            rows.append(row)
        map_width = min(self.width * 0.5, 256)
        table_width = self.width - map_width - 10
        value = 12 * mm
        table = self.grid_table(rows, [table_width - 4 * value] + [value] * 4, marked,
                                header_rows=2)
        table.setStyle(TableStyle([
            ("SPAN", (1, 0), (2, 0)), ("SPAN", (3, 0), (4, 0)), ("SPAN", (0, 0), (0, 1)),
            ("ALIGN", (1, 0), (-1, -1), "CENTER"),
        ]))
        for row in rows[:2]:
            for c in row:
                if isinstance(c, Paragraph):
                    c.style = ParagraphStyle("hc", parent=self.styles.cell_bold,
                                             alignment=TA_CENTER)
        rows[0][0].style = self.styles.cell_bold
        legend = self.p(
            f"Grades: 2 normal, 1 altered, 0 absent. <b>{DEFICIT}</b> bold on grey = below "
            f"normal; NT = not testable; \u2014 = not recorded. Touch = light touch, "
            f"pin = pinprick.", self.styles.small)
        body_map = BodyMapFlowable(dermatome_grades(exam.grade), map_width)
        layout = Table([[[table, Spacer(1, 3), legend], body_map]],
                       colWidths=[table_width + 10, map_width])
        layout.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (0, 0), 10),
            ("RIGHTPADDING", (1, 0), (1, 0), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ]))
        return self.section("Sensory examination and body map", layout)

    def _motor_and_others(self) -> list[Any]:
        exam = self.document.exam
        value = 31.0  # fits "Right" in bold
        other_items = [("Straight-leg raise", "straight_leg_raise")]
        other_items += [(f"{esc(words[0].upper() + words[1:])} ({root})", f"reflexes.{reflex}")
                        for reflex, (root, words) in REFLEXES.items()]
        if self.document.procedure.is_block:
            other_items.append(("Bromage (0-3)", "bromage"))
        tables = [
            ("Key muscle (MRC)",
             [(f"<b>{myotome}</b> {esc(words)}", f"motor.{muscle}")
              for muscle, (myotome, words) in LOWER_LIMB_MUSCLES.items()]),
            ("Foot and wrist (MRC)",
             [("Foot dorsiflexion (L4)", "motor.ankle_dorsiflexion"),
              ("Foot plantarflexion (S1)", "motor.ankle_plantarflexion"),
              *[(esc(words[0].upper() + words[1:]), f"motor.{muscle}")
                for muscle, words in WRIST_MUSCLES.items()]]),
            ("Other", other_items),
        ]
        gap = 8
        # Each name column as wide as its longest line; what is left is shared out.
        natural = [
            max(_text_width(t, 8.2) for t in [f"<b>{title}</b>", *(w for w, _ in items)]) + 8
            for title, items in tables
        ]
        spare = max(0.0, self.width - 2 * gap - 6 * value - sum(natural))
        widths = [n + spare * n / sum(natural) + 2 * value for n in natural]
        built = []
        for (title, items), width in zip(tables, widths, strict=True):
            rows: list[list[Any]] = [[self.cell(title, True), self.cell("Right", True),
                                      self.cell("Left", True)]]
            marked = []
            for words, stem in items:
                row: list[Any] = [self.cell(words)]
                for side in SIDE_ORDER:
                    cell, deficit = self._grade_cell(f"{stem}.{side}", exam)
                    row.append(cell)
                    if deficit:
                        marked.append((len(row) - 1, len(rows)))
                rows.append(row)
            built.append(self.grid_table(rows, [width - 2 * value, value, value], marked))
        layout = Table([built], colWidths=[widths[0] + gap, widths[1] + gap, widths[2]])
        layout.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (1, 0), gap),
            ("RIGHTPADDING", (2, 0), (2, 0), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ]))
        legend = self.p(
            f"MRC: 5 normal, 4 against some resistance, 3 against gravity, 2 gravity "
            f"eliminated, 1 flicker, 0 none. Reflexes: 2+ normal, {DEFICIT} 0/1+ reduced, "
            f"{ABOVE} 3+/4+ brisk. Straight-leg raise: heel lifts off the bed. "
            f"Foot values are the L4 and S1 key muscles.", self.styles.small)
        return self.section("Motor examination, straight-leg raise, reflexes", layout,
                            Spacer(1, 3), legend, keep_all=True)

    def _serial(self) -> list[Any]:
        previous = self.document.previous_exams
        if not previous:
            return []
        exam = self.document.exam
        weaker = set(self.assessment.findings.weaker_than_before)
        change_flow = [self.p(text, self.styles.body) for text in self._change_sentences()]
        exams = [*previous, exam][-MAX_TREND_EXAMS:]
        rows: list[list[Any]] = [
            [self.cell("Key muscle (MRC)", True)],
            [""],
        ]
        one_day = len({e.performed_at.date() for e in exams}) == 1
        for e in exams:
            when = f"{e.performed_at:%H:%M}" if one_day else f"{e.performed_at:%d %b %H:%M}"
            when += " (now)" if e is exam else ""
            rows[0] += [self.cell(when, True), ""]
            rows[1] += [self.cell("R", True), self.cell("L", True)]
        marked = []
        for muscle, (myotome, words) in LOWER_LIMB_MUSCLES.items():
            paths = [f"motor.{muscle}.{side}" for side in SIDE_ORDER]
            if all(e.grades.get(path) is None for e in exams for path in paths):
                continue
            row: list[Any] = [self.cell(f"<b>{myotome}</b> {esc(words)}")]
            for e in exams:
                for path in paths:
                    cell, deficit = self._grade_cell(path, e)
                    if e is exam and path in weaker:
                        cell = self.cell(f"<b>{cell.text} {WEAKER}</b>")
                    row.append(cell)
                    if deficit:
                        marked.append((len(row) - 1, len(rows)))
            rows.append(row)
        flow: list[Any] = [*change_flow]
        if len(rows) > 2:
            value = 14 * mm if len(exams) <= 4 else 11 * mm
            name_width = 46 * mm
            trend = self.grid_table(rows, [name_width] + [value] * (2 * len(exams)), marked,
                                    header_rows=2)
            spans = [("SPAN", (0, 0), (0, 1))]
            spans += [("SPAN", (1 + 2 * i, 0), (2 + 2 * i, 0)) for i in range(len(exams))]
            trend.setStyle(TableStyle([*spans, ("ALIGN", (1, 0), (-1, 1), "CENTER")]))
            trend.hAlign = "LEFT"
            note = f" on {exams[0].performed_at:%Y-%m-%d}" if one_day else ""
            if len(previous) + 1 > MAX_TREND_EXAMS:
                note += f" (the last {MAX_TREND_EXAMS} exams of {len(previous) + 1})"
            flow = [*change_flow, Spacer(1, 3),
                    self.p(f"<b>Motor grades over time</b>{note}. {WEAKER} = weaker than at the "
                           "previous exam that graded it.", self.styles.small), trend]
        return self.section("Change since the previous exam", *flow, keep_all=True)

    def _change_sentences(self) -> list[str]:
        """What got worse and what got better, each item against the most recent earlier
        exam that graded it, naming that exam."""
        changes = grade_changes(self.document)
        if not changes:
            return ["No graded item changed since the exam that last graded it."]
        sentences = []
        for direction, words in (("worse", "Worse"), ("better", "Better"),
                                 ("changed", "Changed")):
            picked = [c for c in changes if c.direction == direction]
            if not picked:
                if direction != "changed":
                    sentences.append(f"{words}: <b>none</b>.")
                continue
            by_exam: dict[datetime, list[str]] = {}
            for c in picked:
                by_exam.setdefault(c.compared_with, []).append(
                    f"{esc(GRID_BY_PATH[c.path].words)}: {_plain(c.before)} \u2192 "
                    f"<b>{_plain(c.now)}</b> ({direction})")
            parts = [f"since the exam of {format_moment(when)}: " + "; ".join(items)
                     for when, items in sorted(by_exam.items())]
            sentences.append(f"<b>{words}</b> " + "; ".join(parts) + ".")
        return sentences

    def _not_tested(self) -> list[Any]:
        exam = self.document.exam
        groups: dict[tuple[str, str], list[str]] = {}
        order: list[tuple[str, str]] = []
        outside = set(not_part_of_exam(self.document))
        for path in self.assessment.findings.not_tested:
            item = GRID_BY_PATH[path]
            words = item.words.split(" ", 1)[1]  # drop the side: "Left L5 light touch"
            reason = exam.reason_for(path) or (NOT_PART if path in outside else "")
            key = (reason, words)
            if key not in groups:
                groups[key] = []
                order.append(key)
            groups[key].append(item.side)
        if not order:
            return self.section("Not tested", self.p("Every item of the grid was tested.",
                                                     self.styles.body))
        by_reason: dict[str, list[str]] = {}
        for reason, words in order:
            sides = groups[(reason, words)]
            where = "both sides" if len(sides) == 2 else sides[0]
            by_reason.setdefault(reason, []).append(f"{esc(words)} ({where})")
        rows = [[self.cell("Reason", True), self.cell("Items not tested (never counted as "
                                                      "normal)", True)]]
        # Reasons first, then required items left untested, then what this exam leaves out.
        for reason, items in sorted(by_reason.items(),
                                    key=lambda kv: (kv[0] == NOT_PART, kv[0] == "")):
            if reason == NOT_PART:
                words = (f"<b>not part of this exam</b> (not required after "
                         f"{esc(self._procedure_words())})")
            else:
                words = esc(reason) if reason else "<b>no reason recorded</b>"
            rows.append([self.cell(words), self.cell("; ".join(items))])
        table = self.grid_table(rows, [self.width * 0.28, self.width * 0.72])
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return self.section("Not tested", table)

    def _procedure_words(self) -> str:
        procedure = self.document.procedure
        if procedure.is_im and procedure.site:
            return f"an IM injection at the {IM_SITE_WORDS.get(procedure.site, procedure.site)}"
        return "a " + PROCEDURE_KIND_WORDS.get(procedure.kind, procedure.kind)

    def _escalations(self) -> list[Any]:
        if not self.escalations:
            return self.section("Escalation record",
                                self.p("No escalation recorded for this episode.",
                                       self.styles.body))
        rows = [[self.cell("Called at", True), self.cell("Role", True), self.cell("Name", True),
                 self.cell("Response", True)]]
        for e in self.escalations:
            when = _called_at_text(e.called_at)
            rows.append([self.cell(when), self.cell(esc(e.role)), self.cell(esc(e.name)),
                         self.cell(esc(e.response))])
        widths = [36 * mm, 30 * mm, 40 * mm]
        table = self.grid_table(rows, [*widths, self.width - sum(widths)])
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return self.section("Escalation record", table)

    def _signer_words(self) -> str:
        assert self.signer is not None
        who = esc(self.signer.full_name)
        if self.signer.credentials:
            who += f", {esc(self.signer.credentials)}"
        return who

    def _signature_status(self) -> str:
        """The line under the level: who signed, when, which note; or that it is not signed."""
        if not self.signer:
            return (f"<b>Not signed</b>: a preview of note {esc(self.note_id)}, not part of "
                    "the record.")
        verb = "Amended" if self.amends_note_id else "Signed"
        return (f"<b>{verb} by {self._signer_words()}, "
                f"{format_moment(self.signed_at).replace(' (', ' ').rstrip(')')}</b>, "
                f"note {esc(self.note_id)}"
                + (f" (addendum to note {esc(self.amends_note_id)})" if self.amends_note_id
                   else "") + ".")

    def _signature(self) -> list[Any]:
        s = self.styles
        meaning = signature_meaning(self.amends_note_id)
        if self.signer:
            who = self._signer_words()
            lines = [
                self.p(f"{esc(meaning)}:", s.body),
                self.p(who, s.name),
                self.p(f"Signed electronically on <b>{format_moment(self.signed_at)}</b>"
                       + (f" as user {esc(self.signer.name)}" if self.signer.name else "")
                       + ", password re-entered at signing.", s.body),
                self.p("The PDF signature (PAdES) was made with the signer's own key, issued "
                       "by this installation's NeuroCheck signing authority. It covers every "
                       "byte of this file, including the note ID and exam record hash below; "
                       "check it with <font face='DejaVuSansMono'>neurocheck verify</font>.",
                       s.small),
            ]
        else:
            lines = [
                self.p(f"{esc(meaning)}:", s.body),
                self.p("NOT SIGNED", s.name),
                self.p("This preview is not part of the record. Sign it in NeuroCheck.", s.body),
            ]
        lines.append(self.p(f"Note ID <b>{esc(self.note_id)}</b>"
                            + (f" \u00b7 amends note <b>{esc(self.amends_note_id)}</b>"
                               if self.amends_note_id else ""), s.small))
        lines.append(self.p(f"Exam record SHA-256 {self.exam_hash}", s.mono))
        box = Table([[lines]], colWidths=[self.width])
        box.setStyle(TableStyle([
            ("BOX", (0, 0), (-1, -1), 1.5, colors.black),
            ("LEFTPADDING", (0, 0), (-1, -1), 7), ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
        ]))
        return [Spacer(1, 4), KeepTogether([self.heading("Signature"), box])]


def _text_width(markup: str, size: float) -> float:
    """Width of a line of cell markup in points (tags stripped, bold counted as bold)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    width = 0.0
    for bold, text in re.findall(r"<b>(.*?)</b>|([^<]+)", markup):
        if bold:
            width += stringWidth(bold, SANS_BOLD, size)
        if text:
            width += stringWidth(text.replace("&amp;", "&").replace("&lt;", "<"), SANS, size)
    return width


def _called_at_text(called: datetime) -> str:
    """An escalation time as printed, in the offset it was recorded with."""
    return format_moment(called)


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _plain(value: object) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return esc(value)
