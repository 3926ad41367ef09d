"""Rebuild the Noto fonts of this folder from a Noto installation (a developer's step; the
results are committed, so neither users nor CI run it).

    python resources/fonts/subset_fonts.py [NOTO_DIR ...]

Sources: Debian's fonts-noto-core and fonts-noto-cjk (default folders below), SIL Open Font
License 1.1, which allows subsetting and embedding. The CJK font is cut down to the
characters names are written with (GB2312 level 1, Big5 common, JIS X 0208 levels 1
and 2, every Hangul syllable, kana) and its CFF outlines are converted to TrueType ones, which
reportlab embeds. Needs fontTools (`pip install fonttools`).
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

HERE = Path(__file__).resolve().parent
DEFAULT_DIRS = [Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/opentype/noto")]
WHOLE = [f"NotoSans{script}-{weight}.ttf" for script in ("Arabic", "Hebrew", "Devanagari", "Thai")
         for weight in ("Regular", "Bold")]
CJK_SOURCE, CJK_INDEX, CJK_OUT = "NotoSansCJK-Regular.ttc", 2, "NotoSansCJK-Names.ttf"  # SC


def _decoded(encoding: str, leads: range, trails: range) -> set[int]:
    found = set()
    for lead in leads:
        for trail in trails:
            try:
                found.update(map(ord, bytes([lead, trail]).decode(encoding)))
            except UnicodeDecodeError:
                pass
    return found


def cjk_name_characters() -> set[int]:
    """The characters the CJK subset keeps."""
    chars = set()
    chars |= _decoded("gb2312", range(0xB0, 0xD8), range(0xA1, 0xFF))  # level 1 hanzi
    chars |= _decoded("big5", range(0xA4, 0xC7), range(0x40, 0xFF))  # common hanzi
    chars |= _decoded("euc_jp", range(0xB0, 0xF5), range(0xA1, 0xFF))  # level 1 and 2 kanji
    chars |= set(range(0xAC00, 0xD7A4))  # every Hangul syllable
    chars |= set(range(0x3040, 0x3100))  # hiragana, katakana
    chars |= set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))  # punctuation, fullwidth
    chars |= set(range(0x3130, 0x3190))  # Hangul compatibility jamo
    chars |= set(range(0x20, 0x7F))
    return {c for c in chars if c >= 0x20}


def _to_truetype(font: TTFont) -> None:
    """Replace CFF outlines by quadratic TrueType ones (what reportlab embeds)."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                 "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
                 "maxComponentElements", "maxPoints", "maxContours", "maxCompositePoints",
                 "maxCompositeContours", "maxComponentDepth"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["head"].indexToLocFormat = 1
    font["head"].glyphDataFormat = 0
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    font["post"].formatType = 2.0
    font["post"].extraNames = []
    font["post"].mapping = {}
    font["post"].glyphOrder = order
    font.sfntVersion = "\x00\x01\x00\x00"
    font.recalcBBoxes = True


def find(name: str, dirs: list[Path]) -> Path:
    for folder in dirs:
        if (folder / name).exists():
            return folder / name
    raise SystemExit(f"{name} not found in {', '.join(map(str, dirs))}")


def main(argv: list[str]) -> int:
    dirs = [Path(a) for a in argv] or DEFAULT_DIRS
    for name in WHOLE:
        font = TTFont(find(name, dirs))
        font.save(HERE / name)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True
    font = TTFont(find(CJK_SOURCE, dirs), fontNumber=CJK_INDEX)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=cjk_name_characters())
    subsetter.subset(font)
    _to_truetype(font)
    font.save(HERE / CJK_OUT)
    for name in [*WHOLE, CJK_OUT]:
        print(f"{name}: {(HERE / name).stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
