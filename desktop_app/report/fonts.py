"""Fonts for the note: names print as typed in any script.

DejaVu prints Latin, Greek, Cyrillic and Vietnamese names and the note's own text. Noto
fonts (SIL Open Font License 1.1, embedded as subsets) print Arabic, Hebrew, Devanagari,
Thai and Chinese, Japanese and Korean names: `markup()` wraps each run of such characters
in its font, and HarfBuzz (uharfbuzz, through reportlab) shapes it, joined and right to
left where the script says so. reportlab embeds only the glyphs a note uses.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache
from xml.sax.saxutils import escape

from desktop_app.paths import resource_path

SANS = "DejaVuSans"
SANS_BOLD = "DejaVuSans-Bold"
MONO = "DejaVuSansMono"

# script: (regular face, bold face, regular file, bold file); CJK has one weight.
SCRIPT_FONTS: dict[str, tuple[str, str, str, str]] = {
    "arabic": ("NotoSansArabic", "NotoSansArabic-Bold",
               "NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
    "hebrew": ("NotoSansHebrew", "NotoSansHebrew-Bold",
               "NotoSansHebrew-Regular.ttf", "NotoSansHebrew-Bold.ttf"),
    "devanagari": ("NotoSansDevanagari", "NotoSansDevanagari-Bold",
                   "NotoSansDevanagari-Regular.ttf", "NotoSansDevanagari-Bold.ttf"),
    "thai": ("NotoSansThai", "NotoSansThai-Bold",
             "NotoSansThai-Regular.ttf", "NotoSansThai-Bold.ttf"),
    "cjk": ("NotoSansCJK-Names", "NotoSansCJK-Names",
            "NotoSansCJK-Names.ttf", "NotoSansCJK-Names.ttf"),
}
RIGHT_TO_LEFT = ("arabic", "hebrew")
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf",
              *sorted({f for v in SCRIPT_FONTS.values() for f in v[2:]}))

_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0590, 0x05FF, "hebrew"), (0xFB1D, 0xFB4F, "hebrew"),
    (0x0600, 0x06FF, "arabic"), (0x0750, 0x077F, "arabic"), (0x08A0, 0x08FF, "arabic"),
    (0xFB50, 0xFDFF, "arabic"), (0xFE70, 0xFEFF, "arabic"),
    (0x0900, 0x097F, "devanagari"), (0xA8E0, 0xA8FF, "devanagari"),
    (0x0E00, 0x0E7F, "thai"),
    (0x1100, 0x11FF, "cjk"), (0x2E80, 0x2FDF, "cjk"), (0x3000, 0x9FFF, "cjk"),
    (0xAC00, 0xD7AF, "cjk"), (0xF900, 0xFAFF, "cjk"), (0xFF00, 0xFFEF, "cjk"),
    (0x20000, 0x2FA1F, "cjk"),
)
# What HarfBuzz may do to a name: join, kern and form conjuncts, never add what was not
# typed (a discretionary ligature can add vowel marks to a name).
_FEATURES = {"kern": True, "liga": True, "dlig": False}


def script_of(char: str) -> str | None:
    """The script font a character needs, or None when DejaVu prints it."""
    code = ord(char)
    for low, high, script in _RANGES:
        if low <= code <= high:
            return script
    return None


def script_runs(text: str) -> list[tuple[str | None, str]]:
    """`text` cut into runs of one script font (None: DejaVu). Spaces, punctuation and
    combining marks stay with the run they stand in, so a name is never cut mid-word."""
    runs: list[tuple[str | None, str]] = []
    for char in text:
        script = script_of(char)
        neutral = script is None and (
            not char.isalnum() and unicodedata.category(char)[0] in "ZPM")
        if runs and (script == runs[-1][0] or neutral):
            runs[-1] = (runs[-1][0], runs[-1][1] + char)
        else:
            runs.append((script, char))
    # Spaces and punctuation after a script run's last letter belong to the note's font
    # (a script font may lack the middle dot of "name · MRN").
    tidy: list[tuple[str | None, str]] = []
    for script, run in runs:
        if script is not None:
            core = run
            while core and script_of(core[-1]) is None:
                core = core[:-1]
            tail = run[len(core):]
            tidy.append((script, core))
            if tail:
                tidy.append((None, tail))
        else:
            tidy.append((script, run))
    merged: list[tuple[str | None, str]] = []
    for script, run in tidy:
        if merged and merged[-1][0] == script:
            merged[-1] = (script, merged[-1][1] + run)
        elif run:
            merged.append((script, run))
    return merged


def needs_script_font(text: str | None) -> bool:
    return any(script_of(c) for c in text or "")


def markup(text: object, *, bold: bool = False) -> str:
    """User text as reportlab paragraph markup: escaped (`<` and `&` print as typed), each
    run of a script DejaVu lacks in its Noto font (bold face when `bold`)."""
    text = "" if text is None else str(text)
    if not needs_script_font(text):
        return escape(text)
    parts = []
    for script, run in script_runs(text):
        if script is None:
            parts.append(escape(run))
        else:
            register_script(script)
            regular, bold_face = SCRIPT_FONTS[script][:2]
            parts.append(f'<font face="{bold_face if bold else regular}">{escape(run)}</font>')
    return "".join(parts)


_BOLD_FACE = {regular: bold_face for regular, bold_face, *_ in SCRIPT_FONTS.values()}
_TAG = re.compile(r"<(/?)(b|strong|font)\b([^>]*)>")


def embolden(text: str, bold: bool = False) -> str:
    """Paragraph markup with each script font inside bold type (a `<b>` or a bold style,
    `bold`) set in its bold face: reportlab maps `<b>` onto the font of the style only."""
    if "<font" not in text:
        return text
    depth = 1 if bold else 0
    out, last = [], 0
    for match in _TAG.finditer(text):
        out.append(text[last:match.start()])
        closing, tag, attrs = match.groups()
        piece = match.group(0)
        if tag in ("b", "strong"):
            depth += -1 if closing else 1
        elif not closing and depth > 0:
            face = re.search(r'face="([^"]+)"', attrs)
            if face and face.group(1) in _BOLD_FACE:
                piece = piece.replace(f'face="{face.group(1)}"',
                                      f'face="{_BOLD_FACE[face.group(1)]}"')
        out.append(piece)
        last = match.end()
    out.append(text[last:])
    return "".join(out)


def _line(text: str, font: str, size: float):
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    style = ParagraphStyle("line", fontName=font, fontSize=size, leading=size, shaping=1)
    paragraph = Paragraph(embolden(markup(text), bold=font == SANS_BOLD), style)
    paragraph.wrap(100_000, 10 * size)
    return paragraph


def string_width(text: str, font: str, size: float) -> float:
    """Width in points of one line of user text as `draw_string` draws it."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if not needs_script_font(text):
        return stringWidth(text, font, size)
    return max(_line(text, font, size).getActualLineWidths0() or [0.0])


def draw_string(canvas, x: float, y: float, text: str, font: str, size: float,
                *, align: str = "left") -> None:
    """Draw one line of user text with its baseline at `y`, each script in its font,
    shaped and right to left where the script is (as a paragraph of the note is)."""
    if not needs_script_font(text):
        canvas.setFont(font, size)
        (canvas.drawRightString if align == "right" else canvas.drawString)(x, y, text)
        return
    paragraph = _line(text, font, size)
    if align == "right":
        x -= max(paragraph.getActualLineWidths0() or [0.0])
    paragraph.drawOn(canvas, x, y)


_SHAPED_FACES: set[str] = set()
# A shaped cluster whose glyphs do not spell its text (a conjunct, a joined Arabic letter,
# a reordered vowel sign) is drawn with private-use codes of its own: the first glyph
# stands for the cluster's text, the others for nothing, so the PDF's text reads as typed.
_GLYPH_TEXT: dict[str, dict[int, str]] = {}
_PRIVATE: dict[tuple[str, int, str], int] = {}


def _shape_names_only(original: Callable) -> Callable:
    """reportlab's word shaper, applied to the script fonts only (the note's own DejaVu
    text stays as it is), with the text of each shaped cluster kept for the PDF's text."""

    def shape_part(word, force=False):
        shaped = original(word, features=_FEATURES, force=force)
        if shaped is not word:
            _spell_clusters(word, shaped)
        return shaped

    def shape(word, features=None, force=False):
        from reportlab.pdfbase.ttfonts import ShapedFragWord, ShapedStr, makeShapedFragWord

        parts = word[1:]
        if isinstance(word, ShapedFragWord) or any(
                hasattr(f, "cbDefn") or isinstance(t, ShapedStr) for f, t in parts):
            return word
        fonts = {f.fontName for f, _ in parts}
        if not fonts & _SHAPED_FACES:
            return word
        if fonts <= _SHAPED_FACES:
            return shape_part(word, force)
        # A word of a name and the note's own text ("محمد," or "(王小明)"): each part of
        # a script font is shaped alone, the rest stays as it is.
        from reportlab.pdfbase.pdfmetrics import stringWidth

        out: list = [0.0]
        group: list = []

        def flush() -> None:
            if group:
                width = sum(stringWidth(t, f.fontName, f.fontSize) for f, t in group)
                shaped = shape_part([width, *group], force)
                out[0] += shaped[0]
                out.extend(shaped[1:])
                group.clear()

        for frag, text in parts:
            if frag.fontName in _SHAPED_FACES:
                group.append((frag, text))
                continue
            flush()
            out[0] += stringWidth(text, frag.fontName, frag.fontSize)
            out.append((frag, text))
        flush()
        return makeShapedFragWord(word)(out)

    shape.__wrapped__ = original
    return shape


def _face_key(font) -> str:
    name = font.face.name
    return name.decode("latin-1") if isinstance(name, bytes) else name


def _private_code(font, gid: int, text: str) -> int:
    key = (_face_key(font), gid, text)
    code = _PRIVATE.get(key)
    if code is None:
        face = font.face
        code = 0xF000 + len(_PRIVATE)
        while code in face.charToGlyph:
            code += 1
        assert code <= 0xF8FF, "too many shaped clusters for the private-use area"
        face.charToGlyph[code] = gid
        face.glyphToChar.setdefault(gid, []).append(code)
        reference = face.glyphToChar[gid][0]
        face.charWidths[code] = face.charWidths.get(reference, 0)
        _PRIVATE[key] = code
        _GLYPH_TEXT.setdefault(key[0], {})[code] = text
    return code


def _spell_clusters(word, shaped) -> None:
    from reportlab.pdfbase.pdfmetrics import getFont
    from reportlab.pdfbase.ttfonts import ShapedStr

    text = "".join(s for f, s in word[1:] if not hasattr(f, "cbDefn"))
    items = []  # (frag index, position, cluster, char)
    for index, (_frag, string) in enumerate(shaped[1:], start=1):
        data = getattr(string, "__shapeData__", None) or []
        for position, (char, datum) in enumerate(zip(string, data, strict=False)):
            items.append((index, position, datum.cluster, char))
    starts = sorted({cluster for *_, cluster, _ in items})
    ends = {start: (starts[i + 1] if i + 1 < len(starts) else len(text))
            for i, start in enumerate(starts)}
    spelled: dict[int, str] = {}
    for *_, cluster, char in items:
        spelled[cluster] = spelled.get(cluster, "") + char
    changed: dict[int, list[str]] = {}
    seen: set[int] = set()
    for index, position, cluster, char in items:
        meant = text[cluster:ends[cluster]]
        if spelled[cluster] == meant:
            continue
        frag, string = shaped[index]
        font = getFont(frag.fontName)
        gid = font.face.charToGlyph.get(ord(char))
        if gid is None:
            continue
        chars = changed.setdefault(index, list(string))
        chars[position] = chr(_private_code(font, gid, "" if cluster in seen else meant))
        seen.add(cluster)
    for index, chars in changed.items():
        frag, string = shaped[index]
        shaped[index] = (frag, ShapedStr("".join(chars), shapeData=string.__shapeData__))


def _to_unicode_cmap(original: Callable) -> Callable:
    def make(fontname: str, subset):
        known = _GLYPH_TEXT.get(fontname.split("+", 1)[-1])
        cmap = original(fontname, subset)
        if not known:
            return cmap
        for index, code in enumerate(subset):
            if code in known:
                utf16 = known[code].encode("utf-16-be").hex().upper()
                cmap = cmap.replace(f"<{index:02X}> <{code:04X}>", f"<{index:02X}> <{utf16}>")
        return cmap

    make.__wrapped__ = original
    return make


@cache
def register_fonts() -> None:
    """Register the bundled fonts with reportlab (once per process).

    `<b>` in paragraph markup maps to the bold face; no oblique faces ship here, so `<i>`
    falls back to the upright one rather than to a font without the name's letters.
    """
    from reportlab.pdfbase import pdfmetrics, ttfonts
    from reportlab.platypus import paragraph

    for name, file_name in (
        (SANS, "DejaVuSans.ttf"),
        (SANS_BOLD, "DejaVuSans-Bold.ttf"),
        (MONO, "DejaVuSansMono.ttf"),
    ):
        pdfmetrics.registerFont(TTFont_for(name, file_name))
    for regular, bold_face in ((SANS, SANS_BOLD), (SANS_BOLD, SANS_BOLD), (MONO, MONO)):
        _map_family(regular, bold_face)
    if ttfonts.uharfbuzz is not None and not hasattr(paragraph.shapeFragWord, "__wrapped__"):
        paragraph.shapeFragWord = _shape_names_only(paragraph.shapeFragWord)
        ttfonts.shapeFragWord = _shape_names_only(ttfonts.shapeFragWord)
        ttfonts.makeToUnicodeCMap = _to_unicode_cmap(ttfonts.makeToUnicodeCMap)


def _map_family(regular: str, bold_face: str) -> None:
    from reportlab.lib.fonts import addMapping

    addMapping(regular, 0, 0, regular)
    addMapping(regular, 1, 0, bold_face)
    addMapping(regular, 0, 1, regular)
    addMapping(regular, 1, 1, bold_face)


@cache
def register_script(script: str) -> None:
    """Register one script's Noto faces on first use (the CJK font is large: a note
    without such a name never loads it)."""
    from reportlab.pdfbase import pdfmetrics

    register_fonts()
    regular, bold_face, regular_file, bold_file = SCRIPT_FONTS[script]
    for face, file_name in ((regular, regular_file), (bold_face, bold_file)):
        if face not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont_for(face, file_name))
        _SHAPED_FACES.add(face)
    _map_family(regular, bold_face)
    _map_family(bold_face, bold_face)


def TTFont_for(name: str, file_name: str):  # noqa: N802 - reads like the class it makes
    from reportlab.pdfbase.ttfonts import TTFont

    return TTFont(name, str(resource_path("fonts", file_name)))
