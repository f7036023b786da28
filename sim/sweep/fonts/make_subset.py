"""Make the CJK font subset the report draws Chinese park names with.

    apt-get install -y fonts-noto-cjk        # Debian: /usr/share/fonts/opentype/noto/
    python sim/sweep/fonts/make_subset.py [SOURCE.ttc]

Takes Noto Sans CJK SC Regular (face 2 of NotoSansCJK-Regular.ttc), keeps only the
characters below (every `name_zh` in configs/calibration/*.yaml, printable ASCII, and a few
common characters), converts the CFF outlines to TrueType (quadratic) ones, renames the
family to FAMILY (so it never clashes with an installed Noto Sans CJK), and writes
sim/sweep/fonts/NotoSansCJKsc-Regular-subset.ttf. The same source gives the same bytes.
Re-run it after adding a park whose name has a new character (tests/test_report.py checks
the coverage).
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]  # the repository
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FACE = 2  # Noto Sans CJK SC in the collection (0 JP, 1 KR, 2 SC, 3 TC, 4 HK)
OUT = HERE / "NotoSansCJKsc-Regular-subset.ttf"
FAMILY = "Report Sans CJK SC"

# characters beyond the park names: units, targets, sectors, punctuation
EXTRA = (
    "园区外开发区亿元万千百年月日目标产值产出规上工业总量中位数情景政策基准无"
    "智能物联生物医药高端装备新材料新能源其他产业生态圈集群级"
    "（），、：；。！？“”《》·—…％"
)


def name_zh_characters(root: Path = ROOT) -> set[str]:
    """Every character of every `name_zh` value in configs/calibration/*.yaml."""
    chars: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "name_zh" and isinstance(v, str):
                    chars.update(v)
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for path in sorted((root / "configs" / "calibration").glob("*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return chars


def source_characters(root: Path = ROOT) -> set[str]:
    """Every CJK character (and CJK or full-width punctuation) written in the package's code
    and templates: target descriptions, labels and notes the report prints."""
    chars: set[str] = set()
    for path in sorted([*(root / "sim").rglob("*.py"), *(root / "sim").rglob("*.j2")]):
        chars.update(c for c in path.read_text(encoding="utf-8") if is_cjk(c))
    return chars


def is_cjk(c: str) -> bool:
    o = ord(c)
    return 0x4E00 <= o <= 0x9FFF or 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF


def characters() -> str:
    ascii_ = {chr(c) for c in range(0x20, 0x7F)}
    return "".join(sorted(name_zh_characters() | source_characters() | ascii_ | set(EXTRA)))


def cff_to_truetype(font: TTFont) -> None:
    """Replace the CFF table with glyf/loca (fontTools' otf2ttf snippet, max error 1 unit)."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, g in glyf.glyphs.items():
        if hasattr(g, "xMin"):
            hmtx[name] = (hmtx[name][0], g.xMin)
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones",):
        setattr(maxp, attr, 1)
    for attr in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, attr, 0)
    font["maxp"] = maxp
    post = font["post"]
    post.formatType = 2.0
    post.extraNames, post.mapping, post.glyphOrder = [], {}, order
    font.sfntVersion = "\x00\x01\x00\x00"


def rename(font: TTFont, family: str) -> None:
    """Family FAMILY, style Regular; the copyright and licence records stay."""
    ps = family.replace(" ", "") + "-Regular"
    names = {1: family, 2: "Regular", 3: f"{ps};subset", 4: f"{family} Regular", 6: ps, 16: family, 17: "Regular"}
    table = font["name"]
    table.names = [n for n in table.names if n.nameID not in names]
    for name_id, text in names.items():
        table.setName(text, name_id, 3, 1, 0x409)
        table.setName(text, name_id, 1, 0, 0)


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else SOURCE
    font = TTFont(source, fontNumber=FACE, recalcTimestamp=False)
    options = subset.Options()
    options.name_IDs = ["*"]  # keep copyright, licence and trademark records
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True
    options.layout_features = ["kern", "liga", "locl", "vert", "vrt2"]
    sub = subset.Subsetter(options)
    sub.populate(text=characters())
    sub.subset(font)
    cff_to_truetype(font)
    rename(font, FAMILY)
    font.save(OUT)
    cmap = TTFont(OUT)["cmap"].getBestCmap()
    missing = sorted(c for c in characters() if ord(c) not in cmap)
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KB, {len(cmap)} characters)")
    if missing:
        print("not in the source font: " + "".join(missing))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
