"""Time, expenses, pre-bills and finalization through the services, on a real database."""

from __future__ import annotations

import pytest
from django.db import connection

from lawledger.audit.models import AuditRecord
from lawledger.billing import services
from lawledger.billing.models import Invoice, InvoiceLine, TimeEntry
from lawledger.core.billing import (
    InvoiceNotDraft,
    NoRate,
    NothingToBill,
    PrebillNotApproved,
    TimekeeperWalled,
)
from lawledger.core.errors import InvalidInput, NotFound, PermissionDenied
from tests import factories
from tests.billing.builders import Firm, billing_firm, draft, expense, finalize, show, time
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm() -> Firm:
    return billing_firm()


def test_it_records_time_rounded_up_to_the_firms_increment(firm: Firm) -> None:
    entry = time(firm, minutes=50, task="l110", activity="A101")
    assert (entry.minutes_worked, entry.minutes_billable) == (50, 54)
    assert (entry.task_code, entry.activity_code) == ("L110", "A101")
    factories.firm(billing_increment_minutes="15")
    assert time(firm, minutes=16).minutes_billable == 30


def test_the_narrative_is_encrypted_at_rest(firm: Firm) -> None:
    entry = time(firm, narrative="Canary narrative 4417 about the merger")
    with connection.cursor() as cursor:
        cursor.execute("SELECT narrative FROM billing_time_entry WHERE id = %s", [entry.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("enc1:") and "Canary" not in stored
    assert TimeEntry.objects.get(pk=entry.pk).narrative == "Canary narrative 4417 about the merger"


@pytest.mark.parametrize(("kwargs", "param"), [
    ({"task": "L100"}, "task"), ({"task": "X110"}, "task"), ({"activity": "A120"}, "activity"),
    ({"narrative": "  "}, "narrative"), ({"minutes": "1.5"}, "minutes"),
    ({"date": "10/03/2026"}, "date"), ({"narrative": "bad\x1b[31m"}, "narrative"),
])
def test_it_refuses_bad_time_naming_the_field_and_writes_nothing(firm: Firm, kwargs: dict,
                                                                 param: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        time(firm, **kwargs)
    assert caught.value.param == param
    assert TimeEntry.objects.count() == 0


def test_a_walled_timekeeper_cannot_have_time_on_the_matter(firm: Firm) -> None:
    from lawledger.access.services import wall_raise

    other = factories.user("attorney", email="walled@firm.example")
    wall_raise(actor=OPERATOR, matter=firm.matter, email=other.label, reason="conflict")
    with pytest.raises(TimekeeperWalled):
        time(firm, by=other)
    assert TimeEntry.objects.count() == 0


def test_a_paralegal_records_only_their_own_time_on_assigned_matters(firm: Firm) -> None:
    assert time(firm, by=firm.paralegal, actor=firm.paralegal).timekeeper_id == \
        firm.paralegal.user_id
    with pytest.raises(PermissionDenied):
        time(firm, by=firm.attorney, actor=firm.paralegal)
    outsider = factories.user("paralegal", email="out@firm.example")
    with pytest.raises(NotFound):
        time(firm, by=outsider, actor=outsider)


def test_a_draft_bills_each_line_at_the_rate_in_effect_and_says_where_it_came_from(
        firm: Firm) -> None:
    services.rate_set(actor=OPERATOR, email=firm.attorney.label, amount="250.00",
                      client=firm.client, effective_from="2026-03-15")
    services.rate_set(actor=OPERATOR, email=firm.attorney.label, amount="200.00",
                      matter=firm.matter, effective_from="2026-03-20")
    for day in ("2026-03-10", "2026-03-16", "2026-03-21"):
        time(firm, minutes=60, date=day)
    document = show(draft(firm).public_id)
    assert [(line["rate"], line["rate_source"], line["amount"]) for line in document["lines"]] == [
        ("300.00", "timekeeper", "300.00"), ("250.00", "client", "250.00"),
        ("200.00", "matter", "200.00")]
    assert document["total"] == "750.00" and document["number"] is None
    assert document["status"] == "draft"


def test_a_draft_refuses_work_without_a_rate_and_nothing_to_bill(firm: Firm) -> None:
    with pytest.raises(NothingToBill):
        draft(firm)
    stranger = factories.user("attorney", email="norate@firm.example")
    from lawledger.access.services import matter_assign

    matter_assign(actor=OPERATOR, matter=firm.matter, email=stranger.label)
    time(firm, by=stranger)
    with pytest.raises(NoRate, match=r"norate@firm\.example"):
        draft(firm)
    assert Invoice.objects.count() == 0
    assert TimeEntry.objects.filter(invoice__isnull=False).count() == 0


def test_no_charge_time_is_shown_at_zero_and_non_billable_time_is_left_out(firm: Firm) -> None:
    time(firm, minutes=60)
    time(firm, minutes=30, no_charge=True)
    time(firm, minutes=30, non_billable=True)
    lines = show(draft(firm).public_id)["lines"]
    assert [(line["minutes"], line["amount"], line["no_charge"]) for line in lines] == [
        (60, "300.00", False), (30, "0.00", True)]


def test_expenses_are_quantity_times_unit_cost_with_their_code(firm: Firm) -> None:
    expense(firm, amount="0.25", quantity="120", code="E101", description="Copies")
    line = show(draft(firm).public_id)["lines"][0]
    assert (line["kind"], line["quantity"], line["rate"], line["amount"], line["expense_code"]) == (
        "expense", "120", "0.25", "30.00", "E101")


def test_discounts_write_downs_and_tax_are_lines_of_the_pre_bill(firm: Firm) -> None:
    services.billing_set(actor=OPERATOR, key="tax_rate", value="10")
    time(firm, minutes=60)
    time(firm, minutes=60)
    expense(firm, amount="50.00")
    invoice = draft(firm)
    services.invoice_discount_add(actor=OPERATOR, invoice=invoice.public_id, line=2,
                                  percent="50", reason="junior work")
    services.invoice_discount_add(actor=OPERATOR, invoice=invoice.public_id, amount="45.00",
                                  reason="courtesy")
    document = show(invoice.public_id)
    assert [(line["kind"], line["amount"], line["code"]) for line in document["lines"]] == [
        ("fee", "300.00", None), ("fee", "150.00", None), ("expense", "50.00", None),
        ("adjustment", "-45.00", "discount"), ("adjustment", "40.50", "tax")]
    assert document["lines"][1]["adjustment_reason"] == "junior work"
    assert (document["fees"], document["tax"], document["total"]) == ("405.00", "40.50", "495.50")


def test_adjusting_an_approved_pre_bill_takes_its_approval_away(firm: Firm) -> None:
    time(firm)
    invoice = draft(firm)
    services.invoice_approve(actor=firm.attorney, invoice=invoice.public_id)
    assert Invoice.objects.get(pk=invoice.pk).status == "approved"
    services.invoice_discount_add(actor=OPERATOR, invoice=invoice.public_id, percent="10",
                                  reason="goodwill")
    assert Invoice.objects.get(pk=invoice.pk).status == "draft"


def test_only_the_responsible_attorney_approves_and_a_bookkeeper_waits_for_it(firm: Firm) -> None:
    time(firm)
    invoice = draft(firm)
    other = factories.user("attorney", email="other@firm.example")
    from lawledger.access.services import matter_assign

    matter_assign(actor=OPERATOR, matter=firm.matter, email=other.label)
    with pytest.raises(PermissionDenied):
        services.invoice_approve(actor=other, invoice=invoice.public_id)
    with pytest.raises(PrebillNotApproved):
        finalize(invoice, actor=firm.bookkeeper)
    assert Invoice.objects.get(pk=invoice.pk).number is None
    services.invoice_approve(actor=firm.attorney, invoice=invoice.public_id)
    assert finalize(invoice, actor=firm.bookkeeper).number == "00001"


def test_finalizing_gives_consecutive_numbers_with_the_firms_prefix(firm: Firm) -> None:
    time(firm)
    first = finalize(draft(firm))
    factories.firm(invoice_prefix="INV-")
    time(firm, date="2026-03-20")
    second = finalize(draft(firm))
    assert (first.number, second.number) == ("00001", "INV-00002")
    assert (first.sequence_number, second.sequence_number) == (1, 2)


def test_a_finalized_invoice_cannot_be_changed_through_the_services(firm: Firm) -> None:
    entry = time(firm)
    invoice = finalize(draft(firm))
    with pytest.raises(InvoiceNotDraft):
        services.invoice_discount_add(actor=OPERATOR, invoice=invoice.number, percent="10",
                                      reason="late")
    with pytest.raises(InvoiceNotDraft):
        finalize(invoice)
    from lawledger.core.billing import EntryBilled

    with pytest.raises(EntryBilled):
        services.time_update(actor=OPERATOR, entry=entry.public_id, minutes=120)
    with pytest.raises(EntryBilled):
        services.time_delete(actor=OPERATOR, entry=entry.public_id)
    assert show(invoice.number)["total"] == "300.00"


def test_an_invoice_cannot_be_dated_before_its_last_line(firm: Firm) -> None:
    time(firm, date="2026-03-10")
    with pytest.raises(InvalidInput) as caught:
        finalize(draft(firm), date="2026-03-01")
    assert caught.value.param == "date"


def test_editing_time_on_a_draft_rebuilds_it_and_deleting_the_draft_frees_the_work(
        firm: Firm) -> None:
    entry = time(firm, minutes=60)
    invoice = draft(firm)
    services.time_update(actor=OPERATOR, entry=entry.public_id, minutes=90)
    assert show(invoice.public_id)["total"] == "450.00"
    services.invoice_delete(actor=OPERATOR, invoice=invoice.public_id)
    assert Invoice.objects.count() == 0 and InvoiceLine.objects.count() == 0
    assert TimeEntry.objects.get(pk=entry.pk).invoice_id is None


def test_drafting_again_adds_new_work_to_the_open_draft(firm: Firm) -> None:
    time(firm, date="2026-03-10")
    first = draft(firm)
    time(firm, date="2026-03-12")
    assert draft(firm).pk == first.pk
    assert len(show(first.public_id)["lines"]) == 2


def test_a_removed_line_goes_back_to_work_in_progress_or_is_written_off(firm: Firm) -> None:
    kept = time(firm, minutes=60)
    dropped = time(firm, minutes=30)
    invoice = draft(firm)
    services.invoice_line_remove(actor=OPERATOR, invoice=invoice.public_id, line=2,
                                 non_billable=True, reason="duplicate")
    assert show(invoice.public_id)["total"] == "300.00"
    assert TimeEntry.objects.get(pk=dropped.pk).billing_status == "non_billable"
    assert TimeEntry.objects.get(pk=kept.pk).invoice_id == invoice.pk


def test_an_attorney_sees_and_bills_only_their_matters(firm: Firm) -> None:
    other_client = factories.client("Other Co")
    other = factories.matter(other_client, "Other matter")
    time(firm)
    invoice = draft(firm)
    outsider = factories.user("attorney", email="outsider@firm.example")
    with pytest.raises(NotFound) as caught:
        show(invoice.public_id, actor=outsider)
    assert "M-0001" not in caught.value.message
    with pytest.raises(NotFound):
        services.invoice_draft(actor=firm.attorney, matter=other)
    with pytest.raises(PermissionDenied):
        services.invoice_draft(actor=firm.paralegal, matter=firm.matter)


def test_every_view_of_an_invoice_is_audited(firm: Firm) -> None:
    time(firm)
    invoice = draft(firm)
    before = AuditRecord.objects.filter(event="billing.invoice_viewed").count()
    show(invoice.public_id, actor=firm.attorney)
    viewed = AuditRecord.objects.filter(event="billing.invoice_viewed").order_by("-seq").first()
    assert AuditRecord.objects.filter(event="billing.invoice_viewed").count() == before + 1
    assert viewed is not None and viewed.actor == "ada@firm.example"
    assert "narrative" not in str(viewed.details).lower()


def test_a_failing_audit_shows_nothing(firm: Firm) -> None:
    from lawledger.audit import services as audit_services
    from lawledger.core.errors import AuditFailure

    time(firm)
    invoice = draft(firm)

    def fail() -> None:
        raise AuditFailure("audit store unavailable")

    audit_services.fault_hook = fail
    with pytest.raises(AuditFailure):
        show(invoice.public_id)
