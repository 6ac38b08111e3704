"""House style of the PDF reports: fonts, paragraph and table styles, number formats, page footer.

Fonts are DejaVu Sans (shipped with matplotlib, registered with reportlab as TrueType, embedded as subsets), so the
text is real, selectable Unicode and has the glyphs the reports use (µ, Δ, ≥, ≤, ✓, ✗, ², *). Figures use the same
family.

Number formats (the tests compare the PDF's text with these): Dice 3 decimals (``0.873``); distances 1 decimal
(``2.4``); signed deltas with an explicit sign (``+3.1``, ``-2.0``, ASCII hyphen-minus so the text is easy to
search); a missing value is an en dash (``–``).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Image, KeepTogether, Paragraph, Spacer, Table, TableStyle

from .data import as_utc

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_ITALIC = "DejaVuSans-Oblique"

PAGE_SIZE = A4
MARGIN = 16 * mm
FRAME_WIDTH = PAGE_SIZE[0] - 2 * MARGIN
"""Usable width of a page, points (A4 less two 16 mm margins)."""

MISSING = "–"
YES = "✓ yes"
NO = "✗ no"

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#b0b0b0")
HEADER_BG = colors.HexColor("#e8eef4")
ZEBRA = colors.HexColor("#f6f6f6")
OK_BG = colors.HexColor("#e3f2e1")
OK_EDGE = colors.HexColor("#2e7d32")
BAD_BG = colors.HexColor("#fdecea")
BAD_EDGE = colors.HexColor("#c62828")
GOOD_TEXT = colors.HexColor("#1b5e20")
BAD_TEXT = colors.HexColor("#b71c1c")

# Figure colours (Okabe-Ito, as the overlays).
BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"
VERMILLION = "#D55E00"
SKY = "#56B4E9"
GREY = "#7f7f7f"
TOL_FILL = "#009E73"


ERROR_KIND_LABELS: dict[str, str] = {
    "shift": "Shifted contours",
    "epicardium_outside": "Epicardium outside",
    "epicardium_inside": "Epicardium inside",
    "endocardium_inside": "Endocardium inside",
    "endocardium_outside": "Endocardium outside",
    "irregular": "Irregular contour",
    "missed_region": "Missed region",
    "extra_region": "Extra region",
}
"""Display names of the error classes (``backend.cmr.error_classes`` kinds), in its order; the feedback page's words."""

ERROR_KIND_COLOURS: dict[str, str] = {
    "shift": "#000000",
    "epicardium_outside": ORANGE,
    "epicardium_inside": "#CC79A7",
    "endocardium_inside": BLUE,
    "endocardium_outside": SKY,
    "irregular": GREY,
    "missed_region": VERMILLION,
    "extra_region": GREEN,
}
"""One Okabe-Ito colour per error class, the same in every figure."""


def error_kind_label(kind: str) -> str:
    """The display name of an error class kind (the kind itself when unknown)."""
    return ERROR_KIND_LABELS.get(kind, kind.replace("_", " "))


@lru_cache(maxsize=1)
def register_fonts() -> str:
    """Register DejaVu Sans (regular, bold, oblique) with reportlab once; returns the family name.

    Raises
    ------
    FileNotFoundError
        matplotlib's bundled fonts are missing.
    """
    import matplotlib

    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    faces = {
        FONT: "DejaVuSans.ttf",
        FONT_BOLD: "DejaVuSans-Bold.ttf",
        FONT_ITALIC: "DejaVuSans-Oblique.ttf",
        "DejaVuSans-BoldOblique": "DejaVuSans-BoldOblique.ttf",
    }
    for name, fname in faces.items():
        path = ttf / fname
        if not path.exists():
            raise FileNotFoundError(f"font {path} not found (it ships with matplotlib)")
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic="DejaVuSans-BoldOblique"
    )
    return FONT


@lru_cache(maxsize=1)
def styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles: title, subtitle, h1, h2, body, small, caption, cell, cell_bold, box."""
    register_fonts()
    base = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, textColor=INK, alignment=TA_LEFT, spaceAfter=4)
    return {
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=18, leading=22, spaceAfter=2),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=12, leading=15, textColor=MUTED, spaceAfter=8),
        "h1": ParagraphStyle(
            "h1", parent=base, fontName=FONT_BOLD, fontSize=13, leading=16, spaceBefore=10, spaceAfter=5, keepWithNext=1
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=10.5,
            leading=13,
            spaceBefore=6,
            spaceAfter=3,
            keepWithNext=1,
        ),
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5, textColor=MUTED),
        "caption": ParagraphStyle(
            "caption",
            parent=base,
            fontName=FONT_ITALIC,
            fontSize=7.8,
            leading=10,
            textColor=MUTED,
            spaceBefore=2,
            spaceAfter=8,
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.8, leading=9.5, spaceAfter=0),
        "cell_bold": ParagraphStyle(
            "cell_bold", parent=base, fontName=FONT_BOLD, fontSize=7.8, leading=9.5, spaceAfter=0
        ),
        "box": ParagraphStyle("box", parent=base, fontSize=9.5, leading=13, spaceAfter=0),
    }


# ---------------------------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------------------------
def _ok(v: float | None) -> bool:
    return v is not None and math.isfinite(v)


def fmt_dice(v: float | None) -> str:
    """Dice with 3 decimals (``0.873``), or ``–``."""
    return f"{v:.3f}" if _ok(v) else MISSING


def fmt_dice_near(v: float | None, threshold: float) -> str:
    """Dice with 3 decimals, or 4 when 3 would print it equal to ``threshold`` without being equal."""
    if _ok(v) and v != threshold and f"{v:.3f}" == f"{threshold:.3f}":
        return f"{v:.4f}"
    return fmt_dice(v)


def fmt_num(v: float | None, decimals: int = 1) -> str:
    """A distance, time or percentage, ``decimals`` decimals, or ``–``."""
    return f"{v:.{decimals}f}" if _ok(v) else MISSING


def fmt_signed(v: float | None, decimals: int = 1) -> str:
    """A signed delta with an explicit sign (``+3.1``, ``-2.0``; ``0.0`` when it rounds to zero), or ``–``."""
    if not _ok(v):
        return MISSING
    s = f"{v:+.{decimals}f}"
    return s[1:] if float(s) == 0.0 else s


def fmt_yes_no(v: bool | None) -> str:
    """``✓ yes``, ``✗ no`` or ``–`` (not measurable)."""
    return MISSING if v is None else (YES if v else NO)


def fmt_datetime_utc(t: datetime) -> str:
    """``YYYY-MM-DD HH:MM UTC`` (naive datetimes are taken as UTC)."""
    return f"{as_utc(t):%Y-%m-%d %H:%M} UTC"


def esc(s: object) -> str:
    """Text escaped for reportlab's paragraph mark-up."""
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(s: str, n: int) -> str:
    """``s`` cut to ``n`` characters with an ellipsis."""
    return s if len(s) <= n else s[: max(n - 1, 1)] + "…"


# ---------------------------------------------------------------------------------------------------------------
# Flowables
# ---------------------------------------------------------------------------------------------------------------
def table(
    rows: Sequence[Sequence[object]],
    col_widths: Sequence[float] | None = None,
    *,
    header_rows: int = 1,
    align_right_from: int | None = None,
    zebra: bool = True,
    extra: Sequence[tuple] = (),
) -> Table:
    """A house-style table; strings become wrapped paragraphs, the header repeats on every page it spans.

    Parameters
    ----------
    rows : sequence of rows
        The first ``header_rows`` rows are the header (bold, shaded).
    col_widths : sequence of float, optional
        Points; default: equal shares of the frame width.
    align_right_from : int, optional
        Columns from this index on are right-aligned (numbers).
    zebra : bool
        Shade every other body row.
    extra : sequence of tuple
        More ``TableStyle`` commands.
    """
    st = styles()
    ncols = max(len(r) for r in rows)
    widths = list(col_widths) if col_widths else [FRAME_WIDTH / ncols] * ncols
    right = ParagraphStyle("cell_r", parent=st["cell"], alignment=2)
    right_b = ParagraphStyle("cell_rb", parent=st["cell_bold"], alignment=2)
    body = []
    for i, r in enumerate(rows):
        out = []
        for j, v in enumerate(r):
            if isinstance(v, str):
                is_head = i < header_rows
                is_right = align_right_from is not None and j >= align_right_from
                style = (right_b if is_right else st["cell_bold"]) if is_head else (right if is_right else st["cell"])
                out.append(Paragraph(v, style))
            else:
                out.append(v)
        body.append(out)
    t = Table(body, colWidths=widths, repeatRows=header_rows, hAlign="LEFT")
    cmds = [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.8, INK),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEADER_BG),
        ("LINEBELOW", (0, -1), (-1, -1), 0.5, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if zebra:
        for i in range(header_rows, len(rows)):
            if (i - header_rows) % 2 == 1:
                cmds.append(("BACKGROUND", (0, i), (-1, i), ZEBRA))
    cmds.extend(extra)
    t.setStyle(TableStyle(cmds))
    return t


def key_value_table(pairs: Sequence[tuple[str, str]], key_width: float = 38 * mm) -> Table:
    """The title-page block: bold keys, wrapped values (mark-up allowed in values)."""
    st = styles()
    rows = [[Paragraph(esc(k), st["cell_bold"]), Paragraph(v, st["cell"])] for k, v in pairs]
    t = Table(rows, colWidths=[key_width, FRAME_WIDTH - key_width], hAlign="LEFT")
    t.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return t


def status_box(met: bool, headline: str, explanation: str, rule_sentence: str) -> Table:
    """The accreditation status box: green "met" or red "not met", with the explanation and the rule."""
    st = styles()
    head = ParagraphStyle(
        "box_head",
        parent=st["box"],
        fontName=FONT_BOLD,
        fontSize=12,
        leading=15,
        textColor=GOOD_TEXT if met else BAD_TEXT,
    )
    cell = [
        Paragraph(esc(headline), head),
        Spacer(1, 3),
        Paragraph(esc(explanation), st["box"]),
        Spacer(1, 2),
        Paragraph(esc(rule_sentence), st["small"]),
    ]
    t = Table([[cell]], colWidths=[FRAME_WIDTH], hAlign="LEFT")
    t.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.4, OK_EDGE if met else BAD_EDGE),
                ("BACKGROUND", (0, 0), (-1, -1), OK_BG if met else BAD_BG),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
            ]
        )
    )
    return t


def png_image(png: bytes, width: float, max_height: float | None = None) -> Image:
    """A PNG as a flowable ``width`` points wide (aspect kept; shrunk to ``max_height`` if given)."""
    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(png)) as im:
        w_px, h_px = im.size
    h = width * h_px / max(w_px, 1)
    if max_height is not None and h > max_height:
        width, h = width * max_height / h, max_height
    return Image(io.BytesIO(png), width=width, height=h)


def figure(
    png: bytes, caption: str, width: float = FRAME_WIDTH, max_height: float | None = None, before: Sequence[object] = ()
) -> KeepTogether:
    """A chart with its caption below (and the flowables ``before`` it, e.g. its heading), kept on one page."""
    return KeepTogether([*before, png_image(png, width, max_height), Paragraph(caption, styles()["caption"])])


# ---------------------------------------------------------------------------------------------------------------
# Page footer "MyoQA · <subject> · page N of M · generated ... UTC"
# ---------------------------------------------------------------------------------------------------------------
def footer_text(site: str, subject: str, page: int, pages: int, generated_at: datetime) -> str:
    """The footer line of one page."""
    return f"{site} · {subject} · page {page} of {pages} · generated {fmt_datetime_utc(generated_at)}"


def numbered_canvas(site: str, subject: str, generated_at: datetime) -> type:
    """A canvas class that draws the footer with the total page count (pages are drawn once the total is known).

    Parameters
    ----------
    site, subject : str
        E.g. ``"MyoQA"`` and the trainee's or cohort's name.
    generated_at : datetime

    Returns
    -------
    type
        To pass as ``canvasmaker`` to ``SimpleDocTemplate.build``.
    """
    register_fonts()

    class _FooterCanvas(rl_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._draw_footer(total)
                super().showPage()
            super().save()

        def _draw_footer(self, total: int) -> None:
            w, _ = self._pagesize
            self.saveState()
            self.setStrokeColor(RULE)
            self.setLineWidth(0.4)
            self.line(MARGIN, 11 * mm, w - MARGIN, 11 * mm)
            self.setFont(FONT, 7.5)
            self.setFillColor(MUTED)
            self.drawCentredString(w / 2, 7.5 * mm, footer_text(site, subject, self._pageNumber, total, generated_at))
            self.restoreState()

    return _FooterCanvas
