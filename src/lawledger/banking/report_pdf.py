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
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

_GRID = TableStyle([
    ("FONTSIZE", (0, 0), (-1, -1), 8),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecf0")),
    ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa4b1")),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
])
_ITEM_LABELS = {"deposit_in_transit": "Deposit in transit",
                "outstanding_check": "Outstanding check", "bank_only": "Bank only"}
# The engine's problem codes (JSON) in the words a bookkeeper acts on.
_PROBLEMS = {
    "adjusted_bank_balance_differs_from_journal":
        "the adjusted bank balance differs from the trust journal balance",
    "journal_differs_from_sub_ledgers":
        "the trust journal differs from the sum of client and firm ledgers",
    "negative_ledger": "a client ledger is negative",
}
_BUCKETS = {"over_180": "over 180"}


def problem_words(codes: list[str]) -> str:
    return "; ".join(_PROBLEMS.get(code, code.replace("_", " ")) for code in codes)


def _moment(value: Any) -> str:
    """An ISO timestamp to the minute ("2026-03-31 17:04 UTC"), for people rather than parsers."""
    text = "" if value is None else str(value)
    if len(text) < 16 or "T" not in text:
        return text or "-"
    zone = text[-6:] if text[-6] in "+-" else ""
    return f"{text[:10]} {text[11:16]} " + ("UTC" if zone in ("+00:00", "") else f"UTC{zone}")


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
            ["- Outstanding checks and payments", doc["outstanding_checks"]],
            ["+/- Bank-only items not yet in the books", doc["other_items"]],
            ["= Adjusted bank balance", doc["adjusted_bank_balance"]],
            ["Trust journal balance", doc["journal_balance"]],
            ["Sum of client ledgers", doc["client_ledgers_total"]],
            ["+ Firm ledgers in trust (firm funds, interest, unidentified)",
             doc["firm_ledgers_total"]],
            ["Negative client ledgers (must be none)",
             str(len(doc["negative_ledgers"])) if doc["negative_ledgers"] else "none"],
            ["Three-way balanced", "yes" if doc["balanced"] else "NO"]]
    table = Table(rows, colWidths=[4.2 * inch, 1.6 * inch], hAlign="LEFT")
    table.setStyle(_GRID)
    verdict = colors.HexColor("#d9f2df") if doc["balanced"] else colors.HexColor("#f8d7da")
    table.setStyle(TableStyle([
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("FONTNAME", (0, 5), (-1, 5), "Helvetica-Bold"),
        ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
        ("BACKGROUND", (0, -1), (-1, -1), verdict)]))
    return table


def _items(doc: dict[str, Any]) -> Table:
    rows = [["Type", "Date", "Id", "Kind", "Check", "Matter", "Description", "Age", "Aging",
             "Flag", "Amount"]]
    for item in doc["items"]:
        flag = "stale" if item["stale"] else ("old" if item["old"] else "")
        rows.append([_ITEM_LABELS.get(item["type"], item["type"]), item["date"], _cell(item["id"]),
                     _cell(item["kind"], 20), _cell(item["check_number"], 12),
                     _cell(item["matter"], 24), _cell(item["description"], 48),
                     str(item["age_days"]), _BUCKETS.get(item["aging_bucket"] or "",
                                                           item["aging_bucket"] or ""),
                     flag, item["amount"]])
    table = Table(rows, repeatRows=1, hAlign="LEFT")
    table.setStyle(_GRID)
    table.setStyle(TableStyle([("ALIGN", (-1, 0), (-1, -1), "RIGHT")]))
    return table


def _ledgers(doc: dict[str, Any]) -> list[Any]:
    rows = [["Matter", "Client", "Title", "Last activity", "Balance"]]
    for ledger in doc["client_ledgers"]:
        rows.append([_cell(ledger["matter"], 28), _cell(ledger["client"], 40),
                     _cell(ledger["title"], 50), ledger["last_activity"] or "",
                     ledger["balance"]])
    rows.append(["Total client ledgers", "", "", "", doc["client_ledgers_total"]])
    firm_start = len(rows)
    for ledger in doc["firm_ledgers"]:
        rows.append([_cell(ledger["ledger"].replace("_", " ")), "firm ledger", "",
                     ledger["last_activity"] or "", ledger["balance"]])
    if doc["firm_ledgers"]:
        rows.append(["Total firm ledgers in trust", "", "", "", doc["firm_ledgers_total"]])
    table = Table(rows, repeatRows=1, hAlign="LEFT")
    table.setStyle(_GRID)
    bold = [("FONTNAME", (0, firm_start - 1), (-1, firm_start - 1), "Helvetica-Bold")]
    if doc["firm_ledgers"]:
        bold.append(("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"))
    table.setStyle(TableStyle([("ALIGN", (-1, 0), (-1, -1), "RIGHT"), *bold]))
    return [table]


def _jurisdiction(doc: dict[str, Any], styles: Any) -> list[Any]:
    """The pack's own layout of the same figures (NC form lines, SRA statement…)."""
    shaped = doc.get("jurisdiction_report")
    if not shaped:
        return []
    story: list[Any] = [Paragraph(_text(f"{shaped['title']} ({shaped['pack']})"),
                                  styles["Heading2"]),
                        Paragraph(_text(f"Rule: {shaped['source']}"), styles["Normal"])]
    for section in shaped["sections"]:
        rows = [["", _cell(section["heading"], 90), shaped["currency"]]]
        for line in section["lines"]:
            value = line["amount"] if line["amount"] is not None else (line["answer"] or "")
            if line["count"] is not None and line["amount"] is not None:
                value = f"{line['amount']} ({line['count']} item{'' if line['count'] == 1 else 's'})"
            rows.append([line["number"] or "", _cell(line["label"], 110), value])
        table = Table(rows, colWidths=[0.4 * inch, 6.6 * inch, 1.9 * inch], hAlign="LEFT")
        table.setStyle(_GRID)
        table.setStyle(TableStyle([("ALIGN", (-1, 0), (-1, -1), "RIGHT")]))
        story += [Spacer(1, 4), table]
    for note in shaped["notes"]:
        story.append(Paragraph(_text(note), styles["Normal"]))
    return story


def _aging(doc: dict[str, Any]) -> Table:
    aging = doc["outstanding_check_aging"]
    rows = [["Days outstanding", *(_BUCKETS.get(key, key) for key in aging)],
            ["Amount", *aging.values()]]
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
    story: list[Any] = [Paragraph(_text(title), styles["Title"])]
    if status != "signed":
        what = "computed for review, not saved" if status == "computed" else status.upper()
        story.append(Paragraph(_text(f"{what}: not signed off; the period is not locked."),
                               styles["Heading3"]))
    story.append(Paragraph(_text(
        f"Status: {status}. Prepared by {doc.get('prepared_by') or '-'} on "
        f"{_moment(doc.get('prepared_at'))}. Report id {doc.get('id') or '-'}."),
        styles["Normal"]))
    if doc.get("signed_by"):
        story.append(Paragraph(_text(f"Signed off by {doc['signed_by']} on "
                                     f"{_moment(doc['signed_at'])}; the period through "
                                     f"{doc['date']} is locked."), styles["Normal"]))
    story += [Spacer(1, 8), _figures(doc), Spacer(1, 6)]
    story += _remarks(doc, styles)
    story += [Paragraph("Reconciling items", styles["Heading2"]), _items(doc), Spacer(1, 6),
              Paragraph(_text(f"Outstanding check aging (stale after {doc['stale_after_days']} "
                              f"days: {doc['stale_checks']}; deposits in transit older than "
                              f"{doc['deposit_in_transit_alert_days']} days: "
                              f"{doc['old_deposits_in_transit']})"), styles["Heading3"]),
              _aging(doc)]
    story.append(KeepTogether([Paragraph("Client and firm ledgers", styles["Heading2"]),
                               *_ledgers(doc)]))
    story += _jurisdiction(doc, styles)
    template.build(story)
    return buffer.getvalue()


def _remarks(doc: dict[str, Any], styles: Any) -> list[Any]:
    found: list[Any] = []
    if doc["problems"]:
        found.append(Paragraph(_text(f"Does not balance: {problem_words(doc['problems'])} "
                                     f"(difference {doc['difference']})."), styles["Normal"]))
    if doc.get("explanation"):
        found.append(Paragraph(_text("Explanation: " + doc["explanation"]), styles["Normal"]))
    if doc["negative_ledgers"]:
        found.append(Paragraph(_text("Negative ledgers: " + ", ".join(
            f"{n['ledger']} {n['balance']}" for n in doc["negative_ledgers"])), styles["Normal"]))
    closing = doc.get("bank_statement_closing_balance")
    if closing is not None and closing != doc["statement_balance"]:
        found.append(Paragraph(_text(f"The imported bank statement closes on {doc['date']} at "
                                     f"{closing}, not at the balance entered "
                                     f"({doc['statement_balance']})."), styles["Normal"]))
    if doc.get("next_due"):
        period = f" for the period to {doc['next_period_end']}" if doc.get("next_period_end") else ""
        late = " - OVERDUE" if doc.get("overdue") else ""
        found.append(Paragraph(_text(f"Next reconciliation{period} due by {doc['next_due']}"
                                     f"{late} ({doc.get('reconciliation_duty') or 'monthly'})."),
                               styles["Normal"]))
    return found
