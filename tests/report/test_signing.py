"""Signing and verifying notes: the signature binds the bytes, names the signer and the
meaning, and only this installation's users can make one that verifies here."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest

from desktop_app.domain import load_document
from desktop_app.report import pki
from desktop_app.report.note import exam_record_hash
from desktop_app.report.samples import sample_document, sample_raw
from desktop_app.report.signing import (
    SigningGapsError,
    create_signed_note,
    sign_note,
)
from desktop_app.report.verify import verify_file, verify_note
from tests.report.conftest import NOTE_ID, NURSE, pdf_text, render


def tiny_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "not a note")
    page.save()
    return buffer.getvalue()


@pytest.fixture
def signed(installation) -> bytes:
    return create_signed_note(sample_document("emergency"), installation.signer(),
                              note_id=NOTE_ID, ward="Ward 7B", institution="St Elsewhere")


def test_a_fresh_note_verifies_and_says_who_when_and_what(installation, signed):
    before = datetime.now().astimezone()
    result = verify_note(signed, installation.data_dir)
    assert result.ok, result.problems
    assert result.problems == []
    assert result.signer_name == "Zoë Ngô-Ærøe"
    assert result.credentials == "RN, BSN"
    assert result.signer_login == NURSE
    assert result.meaning == "Examined and documented by"
    assert result.note_id == NOTE_ID
    assert result.exam_sha256 == exam_record_hash(sample_document("emergency"))
    assert abs(result.signed_at - before) < timedelta(minutes=2)
    assert "St Elsewhere" in result.issuer
    assert not result.signer_disabled
    assert result.lines()[0].startswith("Signature valid")


def test_the_signature_is_pades_and_covers_the_whole_file(signed):
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(signed))
    (signature,) = reader.embedded_signatures
    assert str(signature.sig_object["/SubFilter"]) == "/ETSI.CAdES.detached"
    assert str(signature.sig_object["/Reason"]) == "Examined and documented by"
    start, first, second, length = (int(v) for v in signature.byte_range)
    assert start == 0 and second + length == len(signed)
    # PAdES B-B: no signing-time attribute in the CMS; the time is in the signature's /M.
    attributes = {a["type"].native for a in signature.signer_info["signed_attrs"]}
    assert "signing_time" not in attributes
    assert "signing_certificate_v2" in attributes


def test_the_signed_note_prints_the_signer_and_the_record_ids(signed):
    text = pdf_text(signed)
    assert "Zoë Ngô-Ærøe, RN, BSN" in text
    assert NOTE_ID in text
    assert exam_record_hash(sample_document("emergency")) in text


@pytest.mark.parametrize("where", [0.05, 0.3, 0.5, 0.7, 0.95, -1])
def test_one_flipped_byte_fails_verification(installation, signed, where):
    position = len(signed) - 1 if where == -1 else int(len(signed) * where)
    damaged = bytearray(signed)
    damaged[position] ^= 0x01
    result = verify_note(bytes(damaged), installation.data_dir)
    assert not result.ok
    assert result.problems


def test_a_flipped_byte_in_the_page_content_is_named_as_a_change(installation, signed):
    position = signed.index(b"stream\n", len(signed) // 3) + 40
    damaged = bytearray(signed)
    damaged[position] ^= 0x01
    result = verify_note(bytes(damaged), installation.data_dir)
    assert not result.ok
    assert any("changed after signing" in p for p in result.problems)


@pytest.mark.parametrize("tail", [b"\n", b"%%EOF\n", b"\n1 0 obj\n<<>>\nendobj\n"])
def test_bytes_appended_after_signing_fail(installation, signed, tail):
    result = verify_note(signed + tail, installation.data_dir)
    assert not result.ok
    assert "bytes were added to the file after it was signed" in result.problems


def test_a_note_signed_in_another_installation_fails(installation, other_installation):
    elsewhere = create_signed_note(sample_document("normal"), other_installation.signer(),
                                   note_id=NOTE_ID)
    assert verify_note(elsewhere, other_installation.data_dir).ok
    result = verify_note(elsewhere, installation.data_dir)
    assert not result.ok
    assert any("not issued by this installation" in p for p in result.problems)


@pytest.mark.parametrize("content", [b"", b"hello", b"PK\x03\x04zip", b"%PDF-1.4 garbage"])
def test_something_that_is_not_a_signed_pdf_fails(installation, content):
    result = verify_note(content, installation.data_dir)
    assert not result.ok
    assert result.problems[0] in ("the file is not a PDF",
                                  "the file is damaged: it cannot be read as a PDF",
                                  "the note carries no signature")


def test_an_unsigned_note_fails(installation):
    result = verify_note(render(sample_document("normal")), installation.data_dir)
    assert not result.ok
    assert result.problems == ["the note carries no signature"]


def test_a_truncated_note_fails(installation, signed):
    result = verify_note(signed[: len(signed) - 200], installation.data_dir)
    assert not result.ok
    assert "the file was cut short after it was signed" in result.problems


def test_every_single_byte_flip_in_the_signature_value_fails(installation, signed):
    from pyhanko.pdf_utils.reader import PdfFileReader

    (signature,) = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    _, first, second, _ = (int(v) for v in signature.byte_range)
    # The DER signature and the zero padding after it, sampled across the reserved space.
    for position in range(first, second, max(1, (second - first) // 97)):
        damaged = bytearray(signed)
        damaged[position] ^= 0x01
        assert not verify_note(bytes(damaged), installation.data_dir).ok, position


def test_a_note_by_a_since_disabled_user_still_verifies_and_says_so(installation, signed):
    for disabled in ({NURSE}, lambda name: name == NURSE):
        result = verify_note(signed, installation.data_dir, disabled=disabled)
        assert result.ok
        assert result.signer_disabled
        assert any("disabled" in line for line in result.lines())
    assert not verify_note(signed, installation.data_dir, disabled={"someone"}).signer_disabled


def test_verification_without_an_authority_fails(tmp_path, signed):
    result = verify_note(signed, tmp_path / "empty")
    assert not result.ok
    assert any("no signing authority" in p for p in result.problems)


def test_verify_file_reports_an_unreadable_file(tmp_path, installation):
    result = verify_file(tmp_path / "missing.pdf", installation.data_dir)
    assert not result.ok and "cannot be read" in result.problems[0]


def test_signing_refuses_an_exam_with_gaps(installation):
    raw = sample_raw("normal")
    del raw["exam"]["reflexes"]  # required after a block
    raw["exam"]["sensory"]["L3"]["left"]["pinprick"] = "NT"  # NT without a reason
    with pytest.raises(SigningGapsError) as caught:
        create_signed_note(load_document(raw), installation.signer(), note_id=NOTE_ID)
    assert caught.value.gaps == [
        "sensory.L3.left.pinprick",
        "reflexes.patellar.left", "reflexes.patellar.right",
        "reflexes.achilles.left", "reflexes.achilles.right",
    ]
    raw["exam"]["not_tested_reasons"]["reflexes"] = "patient asleep"
    raw["exam"]["not_tested_reasons"]["sensory.L3.left"] = "dressing"
    pdf = create_signed_note(load_document(raw), installation.signer(), note_id=NOTE_ID)
    assert verify_note(pdf, installation.data_dir).ok


def test_signing_refuses_an_imported_exam_with_red_flags_not_asked(installation):
    raw = sample_raw("normal")
    del raw["exam"]["symptoms"]["bowel_bladder_dysfunction"]
    del raw["exam"]["symptoms"]["worsening_weakness"]
    with pytest.raises(SigningGapsError) as caught:
        create_signed_note(load_document(raw), installation.signer(), note_id=NOTE_ID)
    assert caught.value.gaps == ["symptoms.bowel_bladder_dysfunction",
                                 "symptoms.worsening_weakness"]


def test_sign_note_refuses_a_note_prepared_for_someone_else(installation):
    installation.enrol("other", "Otto Other", "other-pass-1")
    pdf = render(sample_document("normal"))  # prepared for the nurse
    with pytest.raises(pki.SigningError, match="another signer"):
        sign_note(pdf, installation.signer("other", "other-pass-1"))
    with pytest.raises(pki.SigningError, match="not a readable PDF"):
        sign_note(b"%PDF-1.4\n%%EOF\n", installation.signer())
    with pytest.raises(pki.SigningError, match="only a NeuroCheck note"):
        sign_note(tiny_pdf(), installation.signer())


def test_an_addendum_is_a_signed_note_that_names_the_amended_note(installation, signed):
    first = verify_note(signed, installation.data_dir)
    addendum = create_signed_note(
        sample_document("emergency"), installation.signer(), note_id="NC-20260504-ADD00001",
        amends_note_id=first.note_id, addendum_text="Right L5 re-tested: normal.")
    result = verify_note(addendum, installation.data_dir)
    assert result.ok
    assert result.amends_note_id == NOTE_ID
    assert "Right L5 re-tested: normal." in pdf_text(addendum)


def test_a_signature_moved_onto_another_note_fails(installation, signed):
    # Graft the signed note's signature dictionary onto another note of the same size:
    # the digest covers the bytes, so the borrowed signature does not fit them.
    other = create_signed_note(sample_document("normal"), installation.signer(),
                               note_id="NC-20260504-OTHER001")
    from pyhanko.pdf_utils.reader import PdfFileReader

    def contents_span(pdf: bytes) -> tuple[int, int]:
        (signature,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
        _, first, second, _ = (int(v) for v in signature.byte_range)
        return first, second

    a_start, a_end = contents_span(signed)
    b_start, b_end = contents_span(other)
    grafted = other[:b_start] + signed[a_start:a_end] + other[b_end:]
    if a_end - a_start == b_end - b_start:
        result = verify_note(grafted, installation.data_dir)
        assert not result.ok


def test_the_printed_signer_and_time_are_the_certificates_and_the_signatures(installation):
    from datetime import UTC

    from desktop_app.report.note import SignerDisplay

    now = datetime.now(UTC).replace(microsecond=0)
    document = sample_document("normal")
    # Same login, another printed name (or credentials): refused.
    for display in (SignerDisplay("Dr Someone Else", "MD", NURSE),
                    SignerDisplay("Zoë Ngô-Ærøe", "MD", NURSE)):
        with pytest.raises(pki.SigningError, match="signer other than the key"):
            sign_note(render(document, signer_display=display, signed_at=now),
                      installation.signer())
    # A printed time that is not the moment of signing: refused.
    with pytest.raises(pki.SigningError, match="not the time of signing"):
        sign_note(render(document, signed_at=now - timedelta(hours=1)), installation.signer())
    with pytest.raises(pki.SigningError, match="not the time of signing"):
        create_signed_note(document, installation.signer(), note_id=NOTE_ID,
                           signed_at=now - timedelta(days=1))
    # The signature's own signing time is the one the page prints.
    pdf = create_signed_note(document, installation.signer(), note_id=NOTE_ID, signed_at=now)
    result = verify_note(pdf, installation.data_dir)
    assert result.ok
    assert result.signed_at == now
    local = now.astimezone()
    assert f"{local:%Y-%m-%d %H:%M}" in pdf_text(pdf)


def test_the_signature_means_amended_by_for_an_addendum(installation, signed):
    from pyhanko.pdf_utils.reader import PdfFileReader

    addendum = create_signed_note(sample_document("emergency"), installation.signer(),
                                  note_id="NC-ADD-2", amends_note_id=NOTE_ID,
                                  addendum_text="Correction")
    reasons = []
    for pdf in (signed, addendum):
        sig = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
        reasons.append(str(sig.sig_object["/Reason"]))
    assert reasons == ["Examined and documented by", "Amended by"]
    text = pdf_text(addendum)
    assert "Amended by:" in text and "Examined and documented by" not in text


def test_verify_fails_a_page_whose_printed_signer_differs_from_the_certificate(
        installation, monkeypatch):
    from datetime import UTC

    from desktop_app.report import signing
    from desktop_app.report.note import SignerDisplay, printed_signer_digest

    now = datetime.now(UTC).replace(microsecond=0)
    document = sample_document("normal")
    honest = create_signed_note(document, installation.signer(), note_id=NOTE_ID)
    assert verify_note(honest, installation.data_dir).ok
    # A page naming someone else, signed with the nurse's key by a signer without the check.
    forged = SignerDisplay("Dr Someone Else", "MD", NURSE)
    monkeypatch.setattr(signing, "printed_signer_digest",
                        lambda *_: printed_signer_digest("Dr Someone Else", "MD"))
    pdf = sign_note(render(document, signer_display=forged, signed_at=now),
                    installation.signer())
    result = verify_note(pdf, installation.data_dir)
    assert not result.ok
    assert "the page prints a signer other than the one the certificate names" in result.problems
