"""The reconciliation report as a PDF (reportlab), drawn from the same document as the JSON.

Every piece of data is escaped before it reaches a reportlab Paragraph (its mini-markup would
otherwise read `<font>` or `<img src=…>` from a payee's name: SECURITY.md B10). The PDF is built
with `invariant=1`, so the same report gives the same bytes and the same sha256.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

_GRID = TableStyle([
    ("FONTSIZE", (0, 0), (-1, -1), 8),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecf0")),
    ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa4b1")),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
])
_ITEM_LABELS = {"deposit_in_transit": "Deposit in transit", "outstanding_check": "Outstanding",
                "bank_only": "Bank only"}


def _text(value: Any) -> str:
    """Plain text for a Paragraph: escaped, no control characters."""
    raw = "" if value is None else str(value)
    return escape("".join(ch if ch.isprintable() else " " for ch in raw))


def _cell(value: Any, limit: int = 60) -> str:
    # Table cells given as str are drawn as literal text (never parsed as markup).
    raw = "" if value is None else str(value)
    clean = "".join(ch if ch.isprintable() else " " for ch in raw)
    return clean if len(clean) <= limit else clean[:limit - 1] + "…"


def _figures(doc: dict[str, Any]) -> Table:
    currency = doc["currency"]
    rows = [["", currency],
            ["Balance per bank statement", doc["statement_balance"]],
            ["+ Deposits in transit", doc["deposits_in_transit"]],
            ["− Outstanding checks and payments", doc["outstanding_checks"]],
            ["± Bank-only items not in the books", doc["other_items"]],
            ["= Adjusted bank balance", doc["adjusted_bank_balance"]],
            ["Trust journal balance", doc["journal_balance"]],
            ["Sum of client ledgers", doc["client_ledgers_total"]],
            ["Firm ledgers in trust (firm funds, interest, unidentified)",
             doc["firm_ledgers_total"]],
            ["Balanced", "yes" if doc["balanced"] else "NO"]]
    table = Table(rows, colWidths=[4.2 * inch, 1.6 * inch], hAlign="LEFT")
    table.setStyle(_GRID)
    table.setStyle(TableStyle([("ALIGN", (1, 0), (1, -1), "RIGHT")]))
    return table


def _items(doc: dict[str, Any]) -> Table:
    rows = [["Type", "Date", "Id", "Kind", "Check", "Matter", "Description", "Age", "Aging",
             "Flag", "Amount"]]
    for item in doc["items"]:
        flag = "stale" if item["stale"] else ("old" if item["old"] else "")
        rows.append([_ITEM_LABELS.get(item["type"], item["type"]), item["date"], _cell(item["id"]),
                     _cell(item["kind"], 20), _cell(item["check_number"], 12),
                     _cell(item["matter"], 24), _cell(item["description"], 48),
                     str(item["age_days"]), item["aging_bucket"] or "", flag, item["amount"]])
    table = Table(rows, repeatRows=1, hAlign="LEFT")
    table.setStyle(_GRID)
    table.setStyle(TableStyle([("ALIGN", (-1, 0), (-1, -1), "RIGHT")]))
    return table


def _ledgers(doc: dict[str, Any]) -> Table:
    rows = [["Matter", "Client", "Title", "Last activity", "Balance"]]
    for ledger in doc["client_ledgers"]:
        rows.append([_cell(ledger["matter"], 28), _cell(ledger["client"], 40),
                     _cell(ledger["title"], 50), ledger["last_activity"] or "",
                     ledger["balance"]])
    for ledger in doc["firm_ledgers"]:
        rows.append([_cell(ledger["ledger"].replace("_", " ")), "firm ledger", "",
                     ledger["last_activity"] or "", ledger["balance"]])
    table = Table(rows, repeatRows=1, hAlign="LEFT")
    table.setStyle(_GRID)
    table.setStyle(TableStyle([("ALIGN", (-1, 0), (-1, -1), "RIGHT")]))
    return table


def _aging(doc: dict[str, Any]) -> Table:
    aging = doc["outstanding_check_aging"]
    rows = [["Days outstanding", *aging.keys()], ["Amount", *aging.values()]]
    table = Table(rows, hAlign="LEFT")
    table.setStyle(_GRID)
    return table


def render_pdf(doc: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    styles = getSampleStyleSheet()
    title = f"Three-way reconciliation · {doc['account']} · {doc['date']}"
    template = SimpleDocTemplate(buffer, pagesize=landscape(letter), title=_cell(title, 200),
                                 author="lawledger", invariant=1, leftMargin=0.5 * inch,
                                 rightMargin=0.5 * inch, topMargin=0.5 * inch,
                                 bottomMargin=0.5 * inch)
    status = doc.get("status", "computed")
    story: list[Any] = [
        Paragraph(_text(title), styles["Title"]),
        Paragraph(_text(f"Status: {status}. Prepared by {doc.get('prepared_by') or '-'} at "
                        f"{doc.get('prepared_at') or '-'}. Report id {doc.get('id') or '-'}."),
                  styles["Normal"]),
    ]
    if doc.get("signed_by"):
        story.append(Paragraph(_text(f"Signed off by {doc['signed_by']} at {doc['signed_at']}; "
                                     f"the period through {doc['date']} is locked."),
                               styles["Normal"]))
    story += [Spacer(1, 8), _figures(doc), Spacer(1, 8)]
    if doc["problems"]:
        story.append(Paragraph(_text("Does not balance: " + ", ".join(doc["problems"])
                                     + f" (difference {doc['difference']})."), styles["Normal"]))
    if doc.get("explanation"):
        story.append(Paragraph(_text("Explanation: " + doc["explanation"]), styles["Normal"]))
    story += [Paragraph("Reconciling items", styles["Heading2"]), _items(doc), Spacer(1, 6),
              Paragraph(_text(f"Outstanding check aging (stale after {doc['stale_after_days']} "
                              f"days: {doc['stale_checks']}; deposits in transit older than "
                              f"{doc['deposit_in_transit_alert_days']} days: "
                              f"{doc['old_deposits_in_transit']})"), styles["Heading3"]),
              _aging(doc), Paragraph("Client and firm ledgers", styles["Heading2"]),
              _ledgers(doc)]
    if doc["negative_ledgers"]:
        story.append(Paragraph(_text("Negative ledgers: " + ", ".join(
            f"{n['ledger']} {n['balance']}" for n in doc["negative_ledgers"])), styles["Normal"]))
    template.build(story)
    return buffer.getvalue()
