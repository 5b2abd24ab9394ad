"""Tabular trust reports as PDF (reportlab), for people to read, print and file.

Every page carries a header (firm name, report title, as-of date, who generated it and when)
and "Page N of M". Text from the database reaches ReportLab only in two ways, both inert
(SECURITY B10): escaped with `xml.sax.saxutils.escape` before it becomes a `Paragraph` (whose
mini-language would otherwise read `<font>`, `<img>` or `<a>` in a client's name), or drawn
with `drawString`, which interprets nothing. Nothing is ever embedded from a path or a URL.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape, letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lawledger.reports.tables import CellKind, Column, ReportTable, group_amount

# Jurisdictions whose firms print on A4; the others (US, Canada) on US letter.
A4_JURISDICTIONS = frozenset({"ew", "nsw"})

_FONT_CANDIDATES = (
    # DejaVu covers Latin, Greek, Cyrillic and more; reportlab's bundled Vera is the fallback
    # that is always there, so a report renders on any machine.
    (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
     Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")),
)
REGULAR = "LawLedgerSans"
BOLD = "LawLedgerSans-Bold"
_registered = False


def _register_fonts() -> None:
    global _registered  # noqa: PLW0603 - registering with reportlab is process-wide anyway
    if _registered:
        return
    import reportlab

    bundled = Path(reportlab.__file__).parent / "fonts"
    regular, bold = bundled / "Vera.ttf", bundled / "VeraBd.ttf"
    for candidate_regular, candidate_bold in _FONT_CANDIDATES:
        if candidate_regular.is_file() and candidate_bold.is_file():
            regular, bold = candidate_regular, candidate_bold
            break
    pdfmetrics.registerFont(TTFont(REGULAR, str(regular)))
    pdfmetrics.registerFont(TTFont(BOLD, str(bold)))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR,
                                  boldItalic=BOLD)
    _registered = True


@dataclass(frozen=True, slots=True)
class PageHeader:
    firm_name: str
    title: str
    as_of: str
    generated_by: str
    generated_at: str
    jurisdiction: str = "aba"


def inert(text: object) -> str:
    """Paragraph markup for `text` shown literally: escaped, line breaks kept."""
    return escape("" if text is None else str(text)).replace("\n", "<br/>")


class _NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab ships no types
    """Keeps each page until the end so that every footer can say "Page N of M"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(REGULAR, 8)
            self.setFillColor(colors.HexColor("#5b6675"))
            width = self._pagesize[0]
            self.drawRightString(width - 15 * mm, 10 * mm, f"Page {self._pageNumber} of {total}")
            super().showPage()
        super().save()


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("cell", fontName=REGULAR, fontSize=7.5, leading=9.5)
    return {
        "cell": base,
        "number": ParagraphStyle("number", parent=base, alignment=TA_RIGHT),
        "head": ParagraphStyle("head", parent=base, fontName=BOLD),
        "head_number": ParagraphStyle("head_number", parent=base, fontName=BOLD,
                                      alignment=TA_RIGHT),
        "fact": ParagraphStyle("fact", parent=base, fontSize=9, leading=12),
        "section": ParagraphStyle("section", parent=base, fontName=BOLD, fontSize=10.5,
                                  leading=14, spaceBefore=6, spaceAfter=4),
    }


def _draw_header(header: PageHeader) -> Any:
    def draw(canvas: Canvas, doc: Any) -> None:
        width, height = doc.pagesize
        canvas.saveState()
        canvas.setFillColor(colors.HexColor("#1c2430"))
        canvas.setFont(BOLD, 11)
        canvas.drawString(15 * mm, height - 14 * mm, header.firm_name)
        canvas.setFont(BOLD, 13)
        canvas.drawString(15 * mm, height - 20.5 * mm, header.title)
        canvas.setFont(REGULAR, 9)
        canvas.drawRightString(width - 15 * mm, height - 14 * mm, f"As of {header.as_of}")
        canvas.setFillColor(colors.HexColor("#5b6675"))
        canvas.setFont(REGULAR, 8)
        canvas.drawRightString(width - 15 * mm, height - 20.5 * mm,
                               f"Generated by {header.generated_by} on {header.generated_at}")
        canvas.setStrokeColor(colors.HexColor("#d6dbe1"))
        canvas.line(15 * mm, height - 23.5 * mm, width - 15 * mm, height - 23.5 * mm)
        canvas.drawString(15 * mm, 10 * mm, "Confidential: client trust records")
        canvas.restoreState()
    return draw


def _table(columns: list[Column], rows: list[dict[str, Any]], total: tuple[str, str] | None,
           usable_width: float, styles: dict[str, ParagraphStyle]) -> Table:
    weight = sum(column.width for column in columns)
    widths = [usable_width * column.width / weight for column in columns]
    numeric = [column.kind is CellKind.NUMBER for column in columns]
    data: list[list[Any]] = [[Paragraph(inert(column.heading),
                                        styles["head_number" if is_number else "head"])
                              for column, is_number in zip(columns, numeric, strict=True)]]
    for row in rows:
        data.append([Paragraph(inert(group_amount(str(row.get(column.key) or "")))
                               if is_number else inert(row.get(column.key)),
                               styles["number" if is_number else "cell"])
                     for column, is_number in zip(columns, numeric, strict=True)])
    if not rows:
        data.append([Paragraph("No entries.", styles["cell"])] + [""] * (len(columns) - 1))
    commands: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d6dbe1")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if total is not None:
        # The total sits under the last amount column (the running balance, or the balance).
        label, amount = total
        value, _, currency = amount.partition(" ")
        under = max(i for i, is_number in enumerate(numeric) if is_number)
        total_row: list[Any] = [""] * len(columns)
        total_row[0] = Paragraph(inert(label), styles["head"])
        total_row[under] = Paragraph(inert(f"{group_amount(value)} {currency}".strip()),
                               styles["head_number"])
        data.append(total_row)
        commands.append(("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.HexColor("#1c2430")))
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(commands))
    return table


def render_pdf(table: ReportTable, header: PageHeader) -> bytes:
    """The report as PDF bytes."""
    _register_fonts()
    base = A4 if header.jurisdiction in A4_JURISDICTIONS else letter
    pagesize = landscape(base) if table.landscape else base
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=pagesize, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=28 * mm, bottomMargin=16 * mm, title=header.title,
                            author=header.firm_name, creator="lawledger",
                            subject=f"{header.title}, as of {header.as_of}")
    styles = _styles()
    story: list[Any] = [Paragraph(f"<b>{inert(label)}</b>: {inert(value)}", styles["fact"])
                        for label, value in table.facts]
    if table.facts:
        story.append(Spacer(1, 4 * mm))
    columns = table.pdf_columns
    for section in table.sections:
        if section.heading:
            story.append(Paragraph(inert(section.heading), styles["section"]))
        story.append(_table(columns, section.rows, section.total, doc.width, styles))
        story.append(Spacer(1, 5 * mm))
    if not table.sections:
        story.append(Paragraph("Nothing to report.", styles["fact"]))
    draw = _draw_header(header)
    doc.build(story, onFirstPage=draw, onLaterPages=draw, canvasmaker=_NumberedCanvas)
    return buffer.getvalue()
