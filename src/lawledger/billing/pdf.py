"""The invoice PDF, drawn with reportlab alone (no system libraries).

It shows the lines, the totals, the client's previous balance and the matter's trust balance.
Every piece of text that comes from people (names, titles, narratives) is escaped before it
reaches a reportlab Paragraph, whose mini-markup would otherwise obey `<font>`, `<img>` or
`<a>` tags planted in a narrative (SECURITY B10): the PDF shows them as literal text.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from django.db import transaction
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from lawledger.audit.services import record
from lawledger.billing.common import BillingAct
from lawledger.billing.events import BillingEvent
from lawledger.billing.invoicing import get_invoice
from lawledger.core.access import Principal
from lawledger.firm.queries import firm_settings

_STYLES = getSampleStyleSheet()
BODY = ParagraphStyle("body", parent=_STYLES["Normal"], fontName="Helvetica", fontSize=8.5,
                      leading=10.5)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=7.5, leading=9, textColor=colors.grey)
TITLE = ParagraphStyle("title", parent=BODY, fontName="Helvetica-Bold", fontSize=16, leading=20)
HEADING = ParagraphStyle("heading", parent=BODY, fontName="Helvetica-Bold", fontSize=10,
                         leading=13)
RIGHT = ParagraphStyle("right", parent=BODY, alignment=TA_RIGHT)
SMALL_RIGHT = ParagraphStyle("small_right", parent=SMALL, alignment=TA_RIGHT)
INK = colors.HexColor("#1c2430")
LINE = colors.HexColor("#d6dbe1")


def text(value: object, style: ParagraphStyle = BODY) -> Paragraph:
    """A Paragraph of literal text: escaped, so markup in the data is shown, never obeyed."""
    return Paragraph(escape("" if value is None else str(value)).replace("\n", "<br/>"), style)


def _title(document: dict[str, Any]) -> str:
    if document["kind"] == "credit_note":
        return "Credit note"
    return "Invoice" if document["number"] else "Pre-bill (draft, not an invoice)"


def _header(document: dict[str, Any], firm_name: str, width: float) -> Table:
    currency = document["currency"]
    facts = [
        ["Number", document["number"] or "—"],
        ["Date", document["date"] or "—"],
        ["Due", document["due_date"] or "—"],
        ["Period", f"{document['period_start'] or '…'} – {document['period_end']}"],
        ["Currency", currency],
    ]
    left = [text(firm_name, TITLE), Spacer(1, 2 * mm), text(_title(document), HEADING),
            Spacer(1, 3 * mm), text("Bill to", SMALL),
            text(f"{document['client_name']} ({document['client']})", HEADING),
            text(f"Matter {document['matter']}: {document['matter_title']}"),
            text(f"Responsible attorney: {document['responsible'] or '—'}", SMALL)]
    if document["credits"]:
        left.append(text(f"Credits invoice {document['credits']}", SMALL))
    right = Table([[text(k, SMALL), text(v, RIGHT)] for k, v in facts],
                  colWidths=[18 * mm, 44 * mm])
    right.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.25, LINE)]))
    table = Table([[left, right]], colWidths=[width - 62 * mm, 62 * mm])
    # No padding around the nested facts table: its own cells pad it to the lines' edges.
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (1, 0), (1, 0), 0),
                               ("RIGHTPADDING", (1, 0), (1, 0), 0)]))
    return table


def _lines(document: dict[str, Any], width: float) -> Table:
    # Numeric columns are right-aligned, their headings too, so figures line up under them.
    rows: list[list[Any]] = [[text(h, SMALL) for h in ("Date", "By", "Description", "Codes")]
                             + [text(h, SMALL_RIGHT) for h in ("Units", "Rate", "Amount")]]
    for line in document["lines"]:
        codes = " ".join(c for c in (line["task"], line["activity"], line["expense_code"]) if c)
        description = str(line["description"] or "")
        if line["adjustment_reason"] and line["adjustment"] != "0.00":
            description += f"\n({line['adjustment_reason']}: {line['adjustment']})"
        who = (line["timekeeper"] or "").split("@")[0]
        rows.append([line["date"], text(who, SMALL), text(description), codes,
                     line["hours"] or line["quantity"] or "", line["rate"] or "",
                     line["amount"]])
    fixed = [18 * mm, 16 * mm, 19 * mm, 14 * mm, 17 * mm, 21 * mm]
    table = Table(rows, colWidths=[*fixed[:2], width - sum(fixed), *fixed[2:]], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (4, 0), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, LINE),
    ]))
    return table


def _totals(document: dict[str, Any]) -> Table:
    currency = document["currency"]
    rows = [["Fees", document["fees"]], ["Expenses", document["expenses"]]]
    if document["tax"] != "0.00":
        rows.append(["Tax", document["tax"]])
    total_row = len(rows)
    rows.append([f"Total ({currency})", document["total"]])
    for label, key in (("Paid", "paid"), ("Credited", "credited"),
                       ("Written off", "written_off")):
        if document[key] not in ("0.00", "0", "0.000"):
            rows.append([label, f"-{document[key]}"])
    if document["kind"] == "invoice":
        rows.append(["Balance due on this invoice", document["balance_due"]])
    table = Table(rows, colWidths=[60 * mm, 30 * mm], hAlign="RIGHT")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), "Helvetica", 9),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("FONT", (0, total_row), (-1, total_row), "Helvetica-Bold", 9),
        ("FONT", (0, len(rows) - 1), (-1, len(rows) - 1), "Helvetica-Bold", 9.5),
        ("LINEABOVE", (0, len(rows) - 1), (-1, len(rows) - 1), 0.8, INK),
    ]))
    return table


def _account(document: dict[str, Any]) -> Table:
    currency = document["currency"]
    rows = [[text("Account summary", HEADING), ""],
            ["Previous balance (earlier invoices)", f"{document['previous_balance']} {currency}"],
            ["Held in trust for this matter", f"{document['trust_balance']} {currency}"]]
    if document["replenishment"]:
        ask = document["replenishment"]
        rows.append(["Retainer replenishment requested", f"{ask['requested']} {currency}"])
        rows.append(["Minimum trust balance (retainer)", f"{ask['minimum']} {currency}"])
    # Under the totals, as wide and as right-aligned, so the page reads in one column.
    table = Table(rows, colWidths=[60 * mm, 30 * mm], hAlign="RIGHT")
    table.setStyle(TableStyle([
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8.5),
        ("SPAN", (0, 0), (-1, 0)),
        ("BOX", (0, 0), (-1, -1), 0.5, LINE),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f6f7f9")),
        ("ALIGN", (1, 1), (1, -1), "RIGHT"),
    ]))
    return table


def render_invoice_pdf(document: dict[str, Any], firm_name: str) -> bytes:
    """The PDF of an invoice document (as built by billing.queries.build_document)."""
    out = io.BytesIO()
    size = LETTER if document["currency"] in ("USD", "CAD") else A4
    pdf = SimpleDocTemplate(out, pagesize=size, leftMargin=16 * mm, rightMargin=16 * mm,
                            topMargin=14 * mm, bottomMargin=16 * mm,
                            title=f"{_title(document)} {document['number'] or ''}".strip(),
                            author=firm_name, invariant=True)
    story: list[Any] = [_header(document, firm_name, pdf.width), Spacer(1, 6 * mm),
                        _lines(document, pdf.width),
                        Spacer(1, 4 * mm), KeepTogether([_totals(document), Spacer(1, 5 * mm),
                                                         _account(document)])]
    if document["note"]:
        story += [Spacer(1, 4 * mm), text(f"Note: {document['note']}", SMALL)]
    if document["due_date"] and document["kind"] == "invoice":
        story += [Spacer(1, 4 * mm),
                  text(f"Payment is due by {document['due_date']}. Please quote invoice "
                       f"{document['number']}. Money held in trust is not applied to this invoice "
                       "unless you have agreed to it.", SMALL)]

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.setFillColor(colors.grey)
        canvas.drawString(16 * mm, 9 * mm, f"{firm_name} · {document['number'] or 'draft'}"
                          [:120])
        canvas.drawRightString(size[0] - 16 * mm, 9 * mm, f"page {doc.page}")
        canvas.restoreState()

    pdf.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def invoice_pdf(principal: Principal, ref: str) -> tuple[str, bytes]:
    """(file name, PDF bytes) of an invoice; the read is audited in the same transaction."""
    from lawledger.billing.queries import build_document

    with transaction.atomic():
        invoice = get_invoice(principal, ref, BillingAct.VIEW)
        record(principal, BillingEvent.INVOICE_EXPORTED, object_type="invoice",
               object_id=invoice.public_id, matter_ref=invoice.matter.number,
               client_ref=invoice.client.number, details={"format": "pdf",
                                                          "number": invoice.number})
        document = build_document(invoice)
    name = f"invoice-{invoice.number}.pdf" if invoice.number else f"prebill-{invoice.public_id}.pdf"
    return name, render_invoice_pdf(document, firm_settings().name)
