"""Client notices as PDF letters (reportlab), with every piece of data shown literally.

Names, addresses, payors and memos come from people. Each reaches ReportLab only escaped
(`xml.sax.saxutils.escape`) inside a `Paragraph`, whose mini-language would otherwise obey
`<font>`, `<img>` or `<a>` planted in a client's name (SECURITY B10); nothing is embedded from a
path or a URL. Firms in England and Wales and in Australia get A4, the others US letter.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

A4_JURISDICTIONS = frozenset({"ew", "nsw"})
REGULAR, BOLD = "NoticeSans", "NoticeSans-Bold"
_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
INK = colors.HexColor("#1c2430")
LINE = colors.HexColor("#d6dbe1")


def _register_fonts() -> None:
    """DejaVu when the system has it (wide script coverage), reportlab's own Vera otherwise."""
    if REGULAR in pdfmetrics.getRegisteredFontNames():
        return
    import reportlab

    regular, bold = _DEJAVU / "DejaVuSans.ttf", _DEJAVU / "DejaVuSans-Bold.ttf"
    if not (regular.is_file() and bold.is_file()):
        bundled = Path(reportlab.__file__).parent / "fonts"
        regular, bold = bundled / "Vera.ttf", bundled / "VeraBd.ttf"
    pdfmetrics.registerFont(TTFont(REGULAR, str(regular)))
    pdfmetrics.registerFont(TTFont(BOLD, str(bold)))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR,
                                  boldItalic=BOLD)


def inert(value: object) -> str:
    """Paragraph markup that shows `value` literally (escaped, line breaks kept)."""
    return escape("" if value is None else str(value)).replace("\n", "<br/>")


@dataclass(frozen=True)
class StatementRow:
    date: str
    description: str
    received: str
    paid: str
    balance: str


@dataclass(frozen=True)
class StatementTable:
    heading: str
    currency: str
    opening: str
    closing: str
    rows: tuple[StatementRow, ...]


@dataclass(frozen=True)
class NoticeDocument:
    title: str
    firm_name: str
    dated: str
    recipient: tuple[str, ...]
    matter: str
    paragraphs: tuple[str, ...]
    source: str
    generated: str
    tables: tuple[StatementTable, ...] = field(default_factory=tuple)


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=10, leading=14, textColor=INK)
    return {
        "body": body,
        "firm": ParagraphStyle("firm", parent=body, fontName=BOLD, fontSize=13, leading=17),
        "title": ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=15, leading=20,
                                spaceBefore=6, spaceAfter=8),
        "heading": ParagraphStyle("heading", parent=body, fontName=BOLD, fontSize=10.5,
                                  spaceBefore=8, spaceAfter=4),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5),
        "number": ParagraphStyle("number", parent=body, fontSize=8.5, leading=10.5,
                                 alignment=TA_RIGHT),
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10,
                                textColor=colors.HexColor("#5b6675")),
    }


def _statement(table: StatementTable, styles: dict[str, ParagraphStyle], width: float) -> Table:
    cell, number = styles["cell"], styles["number"]
    head = [Paragraph(f"<b>{inert(text)}</b>", style) for text, style in (
        ("Date", cell), ("Description", cell), ("Received", number), ("Paid", number),
        (f"Balance ({table.currency})", number))]
    data: list[list[Any]] = [head, [Paragraph("", cell), Paragraph("Opening balance", cell),
                                    Paragraph("", number), Paragraph("", number),
                                    Paragraph(inert(table.opening), number)]]
    for row in table.rows:
        data.append([Paragraph(inert(row.date), cell), Paragraph(inert(row.description), cell),
                     Paragraph(inert(row.received), number), Paragraph(inert(row.paid), number),
                     Paragraph(inert(row.balance), number)])
    data.append([Paragraph("", cell), Paragraph("<b>Closing balance</b>", cell),
                 Paragraph("", number), Paragraph("", number),
                 Paragraph(f"<b>{inert(table.closing)}</b>", number)])
    result = Table(data, colWidths=[w * width for w in (0.14, 0.44, 0.14, 0.14, 0.14)],
                   repeatRows=1)
    result.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, LINE),
        ("LINEABOVE", (0, -1), (-1, -1), 0.8, INK),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return result


def render_notice(document: NoticeDocument, *, jurisdiction: str) -> bytes:
    """The notice as PDF bytes."""
    _register_fonts()
    buffer = io.BytesIO()
    pagesize = A4 if jurisdiction in A4_JURISDICTIONS else letter
    doc = SimpleDocTemplate(buffer, pagesize=pagesize, leftMargin=20 * mm, rightMargin=20 * mm,
                            topMargin=18 * mm, bottomMargin=18 * mm, title=document.title,
                            author=document.firm_name, creator="lawledger")
    styles = _styles()
    story: list[Any] = [Paragraph(inert(document.firm_name), styles["firm"]),
                        Paragraph("Private and confidential", styles["small"]),
                        Spacer(1, 6 * mm), Paragraph(inert(document.dated), styles["body"]),
                        Spacer(1, 4 * mm)]
    story += [Paragraph(inert(line), styles["body"]) for line in document.recipient]
    story += [Paragraph(inert(document.title), styles["title"]),
              Paragraph(f"<b>Matter:</b> {inert(document.matter)}", styles["body"]),
              Spacer(1, 3 * mm)]
    for paragraph in document.paragraphs:
        story += [Paragraph(inert(paragraph), styles["body"]), Spacer(1, 2.5 * mm)]
    for table in document.tables:
        story += [Paragraph(inert(table.heading), styles["heading"]),
                  _statement(table, styles, doc.width), Spacer(1, 4 * mm)]
    story += [Spacer(1, 4 * mm), Paragraph(inert(document.source), styles["small"]),
              Paragraph(inert(document.generated), styles["small"])]
    doc.build(story)
    return buffer.getvalue()
