"""The chart note: everything the chart needs is printed, legibly, as typed."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime

import pytest

from desktop_app.domain import assess, load_document
from desktop_app.report.note import (
    NoteError,
    exam_record_hash,
    new_note_id,
    parse_note_keywords,
    printed_signer_digest,
)
from desktop_app.report.samples import sample_document, sample_raw
from tests.conftest import CASES, case_files
from tests.report.conftest import NOTE_ID, NURSE, case, page_count, pdf_text, render

RENDERABLE = [
    path for path in case_files()
    if json.loads(path.with_name(path.name.replace(".json", ".expected.json")).read_text())
    != {"exit": 2}
]


def flat(text: str) -> str:
    """Text with line breaks and runs of spaces made single spaces (tables wrap lines)."""
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("path", RENDERABLE, ids=lambda p: p.stem)
def test_every_shared_case_prints_patient_level_and_every_fired_rule(path):
    document = load_document(path.read_bytes())
    assessment = assess(document)
    text = pdf_text(render(document))
    assert document.patient.name in text
    assert f"MRN {document.patient.mrn}" in text
    assert assessment.level.value.upper() in text
    for rule_id in assessment.rule_ids:
        assert re.search(rf"(?<![\w-]){re.escape(rule_id)}(?![\w-])", text), rule_id


def test_the_shared_cases_were_found():
    assert len(RENDERABLE) >= 15


@pytest.mark.parametrize("name", [
    "Zoë Ngô-Ærøe",
    "Αλέξανδρος Παπαδόπουλος",
    "Дмитрий Иванович",
    "O'Brien <b>& Co</b>",
    "Nguyễn Thị Minh Khai",
])
def test_names_in_any_script_print_exactly_as_typed(name):
    raw = json.loads((CASES / "mbb-numb-l5-2h.json").read_text())
    raw["patient"]["name"] = name
    # Markup in a name would vanish or fail; printed as typed, it appears whole.
    assert name in pdf_text(render(load_document(raw)))


# Names in every script the ward meets. pypdf reads a right-to-left line as it is drawn,
# word by word from the left: an RTL name's words come out last word first.
SCRIPT_NAMES = [
    ("latin", "Zoë Ngô-Ærøe", None),
    ("greek", "Αλέξανδρος Παπαδόπουλος", None),
    ("cyrillic", "Дмитрий Иванович", None),
    ("arabic", "محمد عبد الله", "الله عبد محمد"),
    ("hebrew", "שרה לוי", "לוי שרה"),
    ("devanagari", "अनन्या शर्मा", None),
    ("thai", "สมชาย ใจดี", None),
    ("chinese", "王小明", None),
    ("japanese", "山田 太郎 やまだ", None),
    ("japanese-level-2-kanji", "梛 菫", None),
    ("korean", "김민준", None),
    ("korean-rare-syllable", "똠방 각하", None),
]


@pytest.mark.parametrize(("script", "name", "as_read"), SCRIPT_NAMES, ids=lambda v: v)
def test_patient_and_staff_names_in_any_script_print_whole(script, name, as_read):
    from desktop_app.report.note import SignerDisplay

    raw = json.loads((CASES / "im-worsening.json").read_text())
    raw["patient"]["name"] = name
    escalation = {"role": "prescriber", "name": name,
                  "called_at": raw["procedure"]["performed_at"], "response": "to review"}
    pdf = render(load_document(raw), escalations=[escalation],
                 signer_display=SignerDisplay(name, "RN", NURSE))
    text = pdf_text(pdf)
    expected = as_read or name
    assert expected in text.splitlines()[1]  # the label, as one line
    # The label, the page header (each page), the escalation row and the signature block;
    # a table cell may wrap the name, so line breaks and spaces are not compared there.
    unspaced = re.sub(r"\s+", "", text)
    assert unspaced.count(re.sub(r"\s+", "", expected)) >= 3 + page_count(pdf), text
    assert "\ufffd" not in text and not any(0xE000 <= ord(c) <= 0xF8FF for c in text)


@pytest.mark.parametrize(("script", "name", "as_read"), SCRIPT_NAMES, ids=lambda v: v)
def test_every_letter_of_a_name_has_a_glyph_in_an_embedded_font(script, name, as_read):
    from pypdf import PdfReader
    from reportlab.pdfbase.pdfmetrics import getFont

    from desktop_app.report.fonts import SANS, SCRIPT_FONTS, register_fonts, register_script, script_of

    register_fonts()
    for char in name.replace(" ", ""):
        owner = script_of(char)
        if owner:
            register_script(owner)
        face = SCRIPT_FONTS[owner][0] if owner else SANS
        assert ord(char) in getFont(face).face.charToGlyph, (char, face)  # never a box
    raw = json.loads((CASES / "im-worsening.json").read_text())
    raw["patient"]["name"] = name
    reader = PdfReader(io.BytesIO(render(load_document(raw))))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
    owner = next((script_of(c) for c in name if script_of(c)), None)
    wanted = getFont(SCRIPT_FONTS[owner][0] if owner else SANS).face.name
    wanted = wanted.decode() if isinstance(wanted, bytes) else wanted
    used = [f for base, f in fonts.items() if base.endswith("+" + wanted)]
    assert used, sorted(fonts)
    for font in fonts.values():  # every TrueType font embedded (a subset)
        if font["/Subtype"] == "/TrueType":
            assert "/FontFile2" in font["/FontDescriptor"].get_object()


def test_user_text_everywhere_is_escaped_not_interpreted():
    raw = sample_raw("emergency")
    raw["procedure"]["anaesthetic"] = "bupi <i>caine</i> & co"
    raw["exam"]["not_tested_reasons"] = {"motor.wrist_extension": "cast <left> & right",
                                         "motor.finger_extension": "cast <left> & right"}
    escalation = {"role": "Anaesthetist <on call>", "name": "Dr A & B",
                  "called_at": "2026-05-04T14:05:00+01:00", "response": "<br/> will come"}
    pdf = render(load_document(raw), escalations=[escalation], ward="Ward <7B> & Co",
                 institution="St <Elsewhere>")
    text = flat(pdf_text(pdf))
    for typed in ("bupi <i>caine</i> & co", "cast <left> & right", "Anaesthetist <on call>",
                  "Dr A & B", "<br/> will come", "Ward <7B> & Co", "St <Elsewhere>"):
        assert typed in text


def test_level_rules_sources_next_steps_flags_and_next_check_are_printed():
    document = sample_document("emergency")
    assessment = assess(document)
    text = flat(pdf_text(render(document)))
    assert "EMERGENCY" in text
    for fired in assessment.fired:
        assert fired.reason in text
        assert f"{fired.rule.source}:" in text
    for step in assessment.next_steps:
        assert step in text
    assert "DO NOT DISCHARGE" in text
    assert "No mobilization" in text
    assert "Next check due: 2026-05-04 14:15 (UTC+01:00)" in text


def test_deficits_carry_a_symbol_not_only_shading():
    text = pdf_text(render(sample_document("emergency")))
    # L3 knee extension 3 on the left, L5 and S1 sensory below normal, patellar 1+.
    assert "\u25bc 3" in text
    assert "\u25bc 0" in text
    assert "\u25bc 1+" in text
    normal = pdf_text(render(sample_document("normal")))
    graded_cell = re.compile(r"\u25bc \d(?!/)")  # not the legend's "0/1+"
    assert graded_cell.search(text)
    assert not graded_cell.search(normal)


def test_label_procedure_exam_time_and_hours_since():
    document = sample_document("emergency")
    text = flat(pdf_text(render(document, episode="EP-7")))
    assert "Born 1958-02-28 (68 y)" in text
    assert "Episode EP-7" in text
    assert "lumbar medial branch block" in text
    assert "L4-L5, L5-S1; 0.5 mL per level; bupivacaine 0.5%" in text
    assert "Exam at 2026-05-04 14:00 (UTC+01:00)" in text
    assert "6 h after the procedure" in text
    assert "Ward 7B" in text and "St Elsewhere" in text


def test_serial_exam_prints_change_and_motor_trend():
    text = flat(pdf_text(render(sample_document("emergency"))))
    assert "Change since the previous exam" in text
    assert "Left knee extension: 4 \u2192 3 (worse)" in text
    assert "Motor grades over time" in text
    assert "09:00" in text and "11:00" in text and "14:00 (now)" in text
    single = flat(pdf_text(render(sample_document("normal"))))
    assert "Change since the previous exam" not in single


def test_not_tested_items_print_with_their_reasons():
    raw = sample_raw("normal")
    raw["exam"]["sensory"]["L3"]["right"] = {"light_touch": "NT", "pinprick": "NT"}
    raw["exam"]["not_tested_reasons"]["sensory.L3.right"] = "dressing over the knee"
    del raw["exam"]["reflexes"]
    text = flat(pdf_text(render(load_document(raw))))
    assert "dressing over the knee" in text
    assert "L3 light touch (right); L3 pinprick (right)" in text
    assert "no reason recorded" in text
    assert "patellar reflex (both sides)" in text


def test_escalation_record_accepts_mappings_and_store_records():
    class StoreEscalation:  # the store's record says called_role / called_name
        called_role = "Neurologist"
        called_name = "Dr Дмитрий"
        called_at = datetime(2026, 5, 4, 13, 10, tzinfo=UTC)
        response = "MRI now"

    escalations = [
        {"role": "Anaesthetist", "name": "Dr Lima", "called_at": "2026-05-04T12:05:00+01:00",
         "response": "review in 30 min"},
        StoreEscalation(),
    ]
    text = flat(pdf_text(render(sample_document("emergency"), escalations=escalations)))
    assert "Dr Lima" in text and "review in 30 min" in text
    assert "2026-05-04 12:05 (UTC+01:00)" in text
    assert "Neurologist" in text and "Dr Дмитрий" in text and "MRI now" in text
    none = flat(pdf_text(render(sample_document("normal"))))
    assert "No escalation recorded" in none


def test_signature_block_prints_name_credentials_time_and_meaning():
    text = flat(pdf_text(render(sample_document("normal"))))
    assert "Examined and documented by:" in text
    assert "Zoë Ngô-Ærøe, RN, BSN" in text
    assert "Signed electronically on 2026-05-04 12:30 (UTC+00:00) as user nurse" in text


def test_unsigned_preview_says_so():
    text = flat(pdf_text(render(sample_document("normal"), signer_display=None,
                                signed_at=None)))
    assert "UNSIGNED PREVIEW" in text
    assert "NOT SIGNED" in text


def test_footer_has_page_x_of_y_note_id_and_short_hash_on_every_page():
    document = sample_document("emergency")
    pdf = render(document)
    pages = pdf_text(pdf).split("\f")
    short = exam_record_hash(document)[:12]
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert NOTE_ID in page
        assert short in page


@pytest.mark.parametrize(("paper", "size"), [("a4", (595.28, 841.89)), ("letter", (612, 792))])
@pytest.mark.parametrize("kind", ["normal", "emergency"])
def test_paper_sizes_and_at_most_two_pages(paper, size, kind):
    from pypdf import PdfReader

    pdf = render(sample_document(kind), paper=paper)
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(size, abs=0.05)
    assert len(reader.pages) <= 2


def test_unknown_paper_and_bad_note_ids_are_refused():
    document = sample_document("normal")
    with pytest.raises(NoteError):
        render(document, paper="a5")
    with pytest.raises(NoteError):
        render(document, note_id="../etc")
    with pytest.raises(NoteError):
        render(document, amends_note_id="NC-1")  # an addendum needs its text


def test_addendum_names_the_note_it_amends_and_prints_its_text():
    text = flat(pdf_text(render(sample_document("normal"), note_id="NC-2",
                                amends_note_id="NC-1",
                                addendum_text="Left L5 pinprick re-tested: 2.\nTypo <fixed>.")))
    assert "ADDENDUM" in text
    assert "Addendum to note NC-1" in text
    assert "Left L5 pinprick re-tested: 2." in text and "Typo <fixed>." in text
    assert "amends note NC-1" in text


def test_keywords_carry_note_id_exam_hash_signer_and_amended_note():
    from pypdf import PdfReader

    document = sample_document("normal")
    pdf = render(document, amends_note_id="NC-1", addendum_text="x")
    fields = parse_note_keywords(PdfReader(io.BytesIO(pdf)).metadata["/Keywords"])
    assert fields == {"note-id": NOTE_ID, "exam-sha256": exam_record_hash(document),
                      "signer": "nurse", "amends": "NC-1",
                      "printed-signer": printed_signer_digest("Zoë Ngô-Ærøe", "RN, BSN"),
                      "signed-at": "2026-05-04T12:30:00+00:00"}


def test_exam_record_hash_follows_the_exam_not_its_spelling():
    raw = sample_raw("normal")
    same = json.loads(json.dumps(raw, sort_keys=True))
    assert exam_record_hash(load_document(raw)) == exam_record_hash(load_document(same))
    raw["exam"]["motor"]["hip_flexion"]["left"] = 4
    assert exam_record_hash(load_document(raw)) != exam_record_hash(load_document(same))


def test_new_note_ids_are_unique_and_well_formed():
    ids = {new_note_id(datetime(2026, 5, 4, tzinfo=UTC)) for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"NC-20260504-[0-9A-Z]{8}", i) for i in ids)


def _code128_from_page(pdf: bytes) -> str:
    """Decode the Code128 bars drawn on page 1 (bars are the 20 pt tall filled rectangles)."""
    from pypdf import PdfReader
    from pypdf.generic import ContentStream
    from reportlab.graphics.barcode.code128 import _patterns

    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    content = ContentStream(page.get_contents(), reader)
    bars = sorted(
        (float(ops[0]), float(ops[2]))
        for ops, operator in content.operations
        if operator == b"re" and abs(float(ops[3]) - 20) < 1e-6
    )
    module = 0.8
    widths = []
    for index, (x, width) in enumerate(bars):
        widths.append(round(width / module))
        if index + 1 < len(bars):
            widths.append(round((bars[index + 1][0] - x - width) / module))
    by_widths = {
        tuple("ABCD".index(c.upper()) + 1 for c in pattern): value
        for value, pattern in _patterns.items()
    }
    values = []
    position = 0
    while position + 6 <= len(widths):
        size = 6 if tuple(widths[position:position + 6]) in by_widths else 7  # stop has 7
        values.append(by_widths[tuple(widths[position:position + size])])
        position += size
        if values[-1] == 106:
            break
    start, *data, check, stop = values
    assert stop == 106
    assert (start + sum(i * v for i, v in enumerate(data, start=1))) % 103 == check
    code = {103: "A", 104: "B", 105: "C"}[start]
    text = ""
    for value in data:
        if code == "C" and value < 100:
            text += f"{value:02d}"
        elif value in (99, 100, 101):
            code = {99: "C", 100: "B", 101: "A"}[value]
        else:
            text += chr(value + 32) if code == "B" or value < 64 else chr(value - 64)
    return text


@pytest.mark.parametrize("mrn", ["A1234567", "MRN-0042", "00012345678901234567", "x"])
def test_the_barcode_encodes_the_mrn(mrn):
    raw = sample_raw("normal")
    raw["patient"]["mrn"] = mrn
    assert _code128_from_page(render(load_document(raw))) == mrn


def test_rendering_does_not_need_signing_items(private_data_dir):
    # A preview of an incomplete exam renders; the gate belongs to signing.
    raw = sample_raw("normal")
    del raw["exam"]["sensory"]
    assert page_count(render(load_document(raw))) >= 1
    assert NOTE_ID in pdf_text(render(case("mbb-saddle")))


@pytest.mark.parametrize(("delta", "shown"), [
    ({"hours": 48, "minutes": 20}, "48 h 20 min after the procedure"),
    ({"days": 60, "minutes": 20}, "60 days 0 h 20 min after the procedure"),
])
def test_the_time_since_the_procedure_is_printed_exactly(delta, shown):
    from datetime import timedelta

    raw = json.loads((CASES / "im-stable-12h.json").read_text())
    procedure_at = datetime.fromisoformat(raw["procedure"]["performed_at"])
    raw["exam"]["performed_at"] = (procedure_at + timedelta(**delta)).isoformat()
    text = flat(pdf_text(render(load_document(json.dumps(raw).encode()))))
    assert shown in text
    assert "(2.0 days)" not in text and "60.0 days" not in text


def test_a_call_time_is_printed_in_the_offset_it_was_recorded_with_and_bad_calls_refused():
    document = case("mbb-numb-6h")  # block at 2026-05-04 08:00 (UTC+01:00)
    called = "2026-05-04T18:35:00+05:30"  # a call made from another time zone
    text = flat(pdf_text(render(document, escalations=[
        {"role": "anaesthetist", "name": "Dr Lima", "called_at": called, "response": "ok"}])))
    assert "2026-05-04 18:35 (UTC+05:30)" in text
    for bad in ({"role": "anaesthetist", "name": "Dr Lima", "called_at": "2026-05-04T14:05:00"},
                {"role": "", "name": "Dr Lima", "called_at": called},
                {"role": "anaesthetist", "name": "Dr Lima", "called_at": "2020-05-04T14:05:00Z"},
                {"role": "anaesthetist", "name": ["a", "list"], "called_at": called}):
        with pytest.raises(NoteError, match="escalation record: escalations"):
            render(document, escalations=[bad])


def test_a_procedure_side_not_recorded_is_printed_as_read():
    raw = json.loads((CASES / "mbb-numb-6h.json").read_text())
    raw["procedure"].pop("side", None)
    text = flat(pdf_text(render(load_document(raw))))
    assert "Side side not recorded (read as one-sided)" in text


def test_a_deltoid_note_groups_the_leg_items_as_not_part_of_this_exam():
    raw = json.loads((CASES / "im-deltoid-wrist-drop.json").read_text())
    raw["exam"]["motor"].pop("finger_extension")  # required after a deltoid injection
    text = flat(pdf_text(render(load_document(raw))))
    section = text[text.index("Not tested Reason"):text.index("Signature")]
    assert "not part of this exam (not required after an IM injection at the deltoid)" in section
    no_reason = section[section.index("no reason recorded"):section.index("not part of this")]
    assert "finger extension (both sides)" in no_reason
    assert "L2 light touch" not in no_reason and "straight-leg raise" not in no_reason
    outside = section[section.index("not part of this"):]
    assert "L2 light touch (both sides)" in outside and "hip flexion (both sides)" in outside


@pytest.mark.parametrize(("name", "whom", "not_whom"), [
    ("im-worsening", "Notify the prescriber for a formal neurological assessment now.",
     "anaesthesiologist"),
    ("mbb-numb-6h", "Notify the proceduralist / anaesthesiologist for a formal neurological "
     "assessment now.", "prescriber"),
])
def test_the_notify_level_names_whom_to_notify_for_the_procedure(name, whom, not_whom):
    document = case(name)
    assert assess(document).level.value == "notify"
    text = flat(pdf_text(render(document)))
    assert whom in text
    level_box = text[text.index("NOTIFY"):text.index("Why: every rule")]
    assert not_whom not in level_box


def test_the_change_sentence_compares_each_item_with_the_exam_that_last_graded_it():
    from tests.domain.test_changes import serial

    raw = serial(knee=[5, "NT", 4], touch=[2, 1, 2])
    text = flat(pdf_text(render(load_document(raw))))
    assert "No graded item changed" not in text
    assert ("Worse since the exam of 2026-05-04 09:00 (UTC+01:00): Left knee extension: "
            "5 \u2192 4 (worse)") in text
    assert ("Better since the exam of 2026-05-04 11:00 (UTC+01:00): Left L5 light touch: "
            "1 \u2192 2 (better)") in text


def test_page_one_says_under_the_level_who_signed_when_and_which_note():
    document = sample_document("normal")
    page_one = flat(pdf_text(render(document)).split("\f")[0])
    status = "Signed by Zoë Ngô-Ærøe, RN, BSN, 2026-05-04 12:30 UTC+00:00, note " + NOTE_ID
    assert status in page_one
    assert page_one.index("OBSERVE") < page_one.index(status) < page_one.index("Why:")
    addendum = flat(pdf_text(render(document, amends_note_id="NC-1",
                                    addendum_text="x")).split("\f")[0])
    assert ("Amended by Zoë Ngô-Ærøe, RN, BSN, 2026-05-04 12:30 UTC+00:00, note "
            f"{NOTE_ID} (addendum to note NC-1)") in addendum
    preview = flat(pdf_text(render(document, signer_display=None, signed_at=None)))
    assert f"Not signed: a preview of note {NOTE_ID}, not part of the record." in preview


def test_right_comes_before_left_in_every_table_of_the_note():
    """One order of sides everywhere (the screens, the note): Right, then Left, as on the
    ISNCSCI worksheet."""
    from tests.report.conftest import pdf_text, render

    text = pdf_text(render(sample_document("emergency")))
    # Each table's header row, as pypdf reads it out: the heading, then the two sides.
    for heading in (r"Dermatome \(key\s+point\)", r"Key muscle \(MRC\)", r"Foot and wrist \(MRC\)"):
        sides = re.search(heading + r"[^\n]*\n\s*(\w+)\s*\n\s*(\w+)", text)
        assert sides is not None and sides.groups() == ("Right", "Left"), heading
