"""Client notices the firm's jurisdiction requires: which are due, generating one, the log.

- notice of receipt (California rule 1.15(d)(1)) for each receipt on a client ledger;
- annual accounting (Washington RPC 1.15A(e)) for each matter whose client ledger holds money;
- trust account statement (Uniform General Rules rule 52) after each 30 June and on completion.

A notice is generated from the audited reads of the ledger (`ledger.queries`) and the client
(`firm.queries.client_detail`), rendered to PDF, and logged (`ClientNotice`, append-only, the PDF
encrypted with its sha256) with an audit record, all in one transaction.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from typing import Any

from django.db import transaction
from django.db.models import Exists, Max, Min, OuterRef, QuerySet, Sum

from lawledger.access.policy import AccessRefused, get_matter, require, visible_matters
from lawledger.audit.services import record
from lawledger.core import clock
from lawledger.core.access import Action, Principal
from lawledger.core.errors import InvalidInput, NotFound
from lawledger.core.jurisdictions import Pack, get_pack
from lawledger.core.jurisdictions.model import NoticeKind, NoticeRule
from lawledger.core.jurisdictions.notices import (
    annual_accounting_due,
    annual_accounting_start,
    last_statement_year,
    receipt_due,
    statement_required,
)
from lawledger.core.ledger import AccountKind
from lawledger.core.money import format_minor
from lawledger.firm.models import Matter
from lawledger.firm.queries import firm_settings, firm_today
from lawledger.jurisdictions.errors import NoticeNotInJurisdiction
from lawledger.jurisdictions.events import JurisdictionEvent
from lawledger.jurisdictions.models import ClientNotice
from lawledger.jurisdictions.notice_documents import (
    RECEIPT_KINDS,
    NoticeContext,
    annual_period,
    receipt_document,
    statement_document,
    statement_period,
)
from lawledger.jurisdictions.notice_pdf import render_notice
from lawledger.ledger.models import JournalEntry, LedgerAccount, Posting


def _pack() -> Pack:
    return get_pack(firm_settings().jurisdiction)


def notice_rule(pack: Pack, kind: str) -> NoticeRule:
    try:
        wanted = NoticeKind((kind or "").strip().lower())
    except ValueError:
        raise InvalidInput(f"kind: {kind!r} is not one of "
                           f"{', '.join(k.value for k in NoticeKind)}", param="kind") from None
    rule = pack.notice(wanted)
    if rule is None:
        offered = ", ".join(r.kind.value for r in pack.notices) or "none"
        raise NoticeNotInJurisdiction(f"the {pack.name} pack has no {wanted.value} notice "
                                      f"(its notices: {offered})", param="kind")
    return rule


def _receipts_due(rule: NoticeRule, visible: QuerySet[Matter],
                  today: dt.date) -> list[dict[str, Any]]:
    sent = ClientNotice.objects.filter(kind=NoticeKind.RECEIPT.value, entry=OuterRef("pk"))
    reversed_ = JournalEntry.objects.filter(reverses=OuterRef("pk"))
    rows = []
    for entry in (JournalEntry.objects.filter(kind__in=RECEIPT_KINDS, matter__in=visible)
                  .exclude(Exists(reversed_)).exclude(Exists(sent))
                  .select_related("matter").order_by("effective_date", "id")):
        due = receipt_due(rule, entry.effective_date)
        rows.append({"kind": rule.kind.value, "matter": entry.matter.number if entry.matter
                     else None, "entry": entry.public_id,
                     "received_on": entry.effective_date.isoformat(),
                     "amount": format_minor(entry.amount_minor, entry.currency),
                     "currency": entry.currency, "due": due.isoformat(), "overdue": today > due})
    return rows


def _client_postings(matter_ids: list[int]) -> QuerySet[Posting]:
    return Posting.objects.filter(ledger_account__kind=AccountKind.CLIENT.value,
                                  ledger_account__matter_id__in=matter_ids)


def _annual_due(rule: NoticeRule, visible: QuerySet[Matter],
                today: dt.date) -> list[dict[str, Any]]:
    held = list(LedgerAccount.objects.filter(kind=AccountKind.CLIENT.value, matter__in=visible)
                .values("matter_id").annotate(total=Sum("balance_minor")).filter(total__gt=0)
                .values_list("matter_id", flat=True))
    first = dict(_client_postings(held).values("ledger_account__matter_id")
                 .annotate(first=Min("effective_date"))
                 .values_list("ledger_account__matter_id", "first"))
    last_end = dict(ClientNotice.objects.filter(kind=rule.kind.value, matter_id__in=held)
                    .values("matter_id").annotate(end=Max("period_end"))
                    .values_list("matter_id", "end"))
    numbers = dict(Matter.objects.filter(pk__in=held).values_list("pk", "number"))
    rows = []
    for pk in sorted(held, key=lambda key: numbers[key]):
        start = annual_accounting_start(last_end.get(pk), first[pk])
        due = annual_accounting_due(start)
        rows.append({"kind": rule.kind.value, "matter": numbers[pk],
                     "period_start": start.isoformat(), "due": due.isoformat(),
                     "overdue": today > due})
    return rows


def _statements_due(rule: NoticeRule, visible: QuerySet[Matter],
                    today: dt.date) -> list[dict[str, Any]]:
    year = last_statement_year(rule, today)
    ids = list(visible.values_list("pk", flat=True))
    at_end = {pk: (-(total or 0), last) for pk, total, last in (
        _client_postings(ids).filter(effective_date__lte=year.period_end)
        .values("ledger_account__matter_id")
        .annotate(total=Sum("amount_minor"), last=Max("effective_date"))
        .values_list("ledger_account__matter_id", "total", "last"))}
    notices = ClientNotice.objects.filter(kind=rule.kind.value, matter_id__in=list(at_end))
    given_for_year = set(notices.filter(period_end=year.period_end)
                         .values_list("matter_id", flat=True))
    last_given = {pk: when.date() for pk, when in notices.values("matter_id")
                  .annotate(last=Max("generated_at")).values_list("matter_id", "last")}
    matters = {m.pk: m for m in Matter.objects.filter(pk__in=list(at_end))}
    rows = []
    for pk, (balance, last) in sorted(at_end.items(), key=lambda item: matters[item[0]].number):
        matter = matters[pk]
        if pk not in given_for_year and statement_required(
                balance_at_period_end_minor=balance, last_transaction_on=last,
                last_statement_on=last_given.get(pk), period_end=year.period_end):
            rows.append({"kind": rule.kind.value, "matter": matter.number, "occasion": "annual",
                         "period_start": year.period_start.isoformat(),
                         "period_end": year.period_end.isoformat(),
                         "due": year.due_on.isoformat(), "overdue": today > year.due_on})
        covered = notices.filter(matter_id=pk).aggregate(end=Max("period_end"))["end"]
        if matter.closed_on is not None and (covered is None or covered < matter.closed_on):
            due = matter.closed_on + dt.timedelta(days=rule.within_days)
            rows.append({"kind": rule.kind.value, "matter": matter.number,
                         "occasion": "completion", "period_end": matter.closed_on.isoformat(),
                         "due": due.isoformat(), "overdue": today > due})
    return rows


def notices_due(principal: Principal, *, today: dt.date | None = None) -> dict[str, Any]:
    """The client notices the firm's pack requires that have not been generated yet."""
    require(principal, Action.VIEW_FIRM_REPORTS)
    pack = _pack()
    on = today or firm_today()
    finders = {NoticeKind.RECEIPT: _receipts_due, NoticeKind.ANNUAL_ACCOUNTING: _annual_due,
               NoticeKind.TRUST_STATEMENT: _statements_due}
    with transaction.atomic():
        record(principal, JurisdictionEvent.NOTICES_LISTED, object_type="report",
               object_id="notices_due", details={"jurisdiction": pack.code})
        visible = visible_matters(principal)
        rows = [row for rule in pack.notices for row in finders[rule.kind](rule, visible, on)]
    rows.sort(key=lambda row: (row["due"], row["matter"] or ""))
    return {"as_of": on.isoformat(), "jurisdiction": pack.code,
            "kinds": [rule.kind.value for rule in pack.notices],
            "overdue": sum(1 for row in rows if row["overdue"]), "notices": rows}


def notice_generate(*, actor: Principal, matter: str, kind: str, entry: str | None = None,
                    period_start: dt.date | None = None, period_end: dt.date | None = None
                    ) -> tuple[ClientNotice, bytes]:
    """Generate one client notice as PDF and log it; returns the log row and the PDF."""
    from lawledger.firm.queries import client_detail

    pack = _pack()
    rule = notice_rule(pack, kind)
    with transaction.atomic():
        matter_row = get_matter(actor, matter, Action.RECORD_DEPOSIT)
        client = client_detail(actor, matter_row.client.number)
        context = NoticeContext(actor, pack, rule, matter_row, client)
        entry_row = None
        if rule.kind is NoticeKind.RECEIPT:
            document, entry_row = receipt_document(context, entry)
            start = end = None
        else:
            if rule.kind is NoticeKind.ANNUAL_ACCOUNTING:
                start, end = annual_period(rule, matter_row, period_start, period_end)
            else:
                start, end = statement_period(rule, matter_row, period_start, period_end)
            document = statement_document(context, start, end)
        pdf = render_notice(document, jurisdiction=pack.code)
        notice = ClientNotice(kind=rule.kind.value, jurisdiction=pack.code, matter=matter_row,
                              entry=entry_row, period_start=start, period_end=end,
                              generated_by=actor.label[:254], generated_at=clock.now(),
                              pdf=base64.b64encode(pdf).decode("ascii"),
                              pdf_sha256=hashlib.sha256(pdf).hexdigest())
        notice.save(force_insert=True)
        record(actor, JurisdictionEvent.NOTICE_GENERATED, object_type="notice",
               object_id=notice.public_id, matter_ref=matter_row.number,
               client_ref=matter_row.client.number,
               details={"kind": rule.kind.value, "jurisdiction": pack.code,
                        "entry": entry_row.public_id if entry_row else "",
                        "period_start": start.isoformat() if start else "",
                        "period_end": end.isoformat() if end else "",
                        "pdf_sha256": notice.pdf_sha256})
    return notice, pdf


def _row(notice: ClientNotice) -> dict[str, Any]:
    return {"id": notice.public_id, "kind": notice.kind, "jurisdiction": notice.jurisdiction,
            "matter": notice.matter.number,
            "entry": notice.entry.public_id if notice.entry else None,
            "period_start": notice.period_start.isoformat() if notice.period_start else None,
            "period_end": notice.period_end.isoformat() if notice.period_end else None,
            "generated_by": notice.generated_by,
            "generated_at": notice.generated_at.isoformat(), "pdf_sha256": notice.pdf_sha256}


def notices_list(principal: Principal, *, matter: str | None = None) -> dict[str, Any]:
    """When each notice was generated, for which matter (an audited read)."""
    with transaction.atomic():
        if matter:
            matters: Any = [get_matter(principal, matter)]
        else:
            require(principal, Action.VIEW_FIRM_REPORTS)
            matters = visible_matters(principal)
        record(principal, JurisdictionEvent.NOTICES_LISTED, object_type="report",
               object_id="notices", matter_ref=matter or "")
        notices = (ClientNotice.objects.filter(matter__in=matters)
                   .select_related("matter", "entry").order_by("generated_at", "id")
                   .defer("pdf"))
        return {"notices": [_row(notice) for notice in notices]}


def notice_pdf(principal: Principal, ref: str) -> tuple[str, bytes]:
    """A logged notice's PDF as generated, checked against its hash (an audited read)."""
    with transaction.atomic():
        cleaned = (ref or "").strip()[:24]
        notice = (ClientNotice.objects.select_related("matter", "matter__client")
                  .filter(public_id=cleaned).first()) if cleaned else None
        try:
            if notice is None:
                raise NotFound("no notice")
            get_matter(principal, notice.matter.number, param="notice")
        except NotFound:
            # Missing and forbidden answer alike, naming only what was asked for.
            raise AccessRefused(f"notice: no notice {ref!r}", param="notice",
                                principal=principal, object_type="notice",
                                object_id=cleaned, action="view") from None
        assert notice is not None
        record(principal, JurisdictionEvent.NOTICE_VIEWED, object_type="notice",
               object_id=notice.public_id, matter_ref=notice.matter.number,
               client_ref=notice.matter.client.number)
        body = base64.b64decode(notice.pdf)
    if hashlib.sha256(body).hexdigest() != notice.pdf_sha256:
        raise NotFound("notice: the stored PDF does not match its hash", param="notice")
    return f"notice-{notice.kind}-{notice.matter.number}-{notice.public_id}.pdf", body
