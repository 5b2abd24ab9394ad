"""Portal services and queries on a real database: invitations, secure messages, what a client
sees (only their own, nothing internal), and every read audited in its own transaction."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine
from django.db import connection

from lawledger.access.models import User
from lawledger.audit import services as audit_services
from lawledger.audit.models import AuditRecord
from lawledger.core import clock
from lawledger.core.access import Role
from lawledger.core.errors import AuditFailure, Conflict, InvalidInput, NotFound, PermissionDenied
from lawledger.portal import queries, services
from lawledger.portal.errors import InvitationNotUsable
from lawledger.portal.models import PortalInvitation, PortalMessage
from tests import factories
from tests.factories import OPERATOR
from tests.portal.builders import (
    DRAFT_NARRATIVE,
    INTERNAL_MEMO,
    OTHER_NARRATIVE,
    OTHER_PAYOR,
    Scene,
    portal_firm,
)

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a long and private passphrase"


@pytest.fixture
def scene() -> Scene:
    return portal_firm()


def _password_is(email: str, password: str) -> bool:
    return User.objects.get(email=email).check_password(password)


def _events(name: str) -> int:
    return AuditRecord.objects.filter(event=name).count()


def test_it_invites_a_contact_with_a_hashed_single_use_token(scene: Scene) -> None:
    issued = services.invitation_create(actor=OPERATOR, client=scene.client,
                                        email="Cleo@Acme.example", full_name="Cleo")
    row = PortalInvitation.objects.get(public_id=issued.public_id)
    assert row.token_sha256 == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issued.token not in repr(list(PortalInvitation.objects.values()))
    user = User.objects.get(email="cleo@acme.example")
    assert (user.role, user.client.number, user.is_active) == ("client", scene.client, True)
    assert services.invitation_lookup(issued.token) == {
        "email": "cleo@acme.example", "client_name": "Acme Corp",
        "expires_at": row.expires_at.isoformat()}

    services.invitation_accept(token=issued.token, password=NEW_PASSWORD)

    assert _password_is("cleo@acme.example", NEW_PASSWORD)
    with pytest.raises(InvitationNotUsable):
        services.invitation_accept(token=issued.token, password="another long passphrase")
    assert _password_is("cleo@acme.example", NEW_PASSWORD)
    assert (_events("portal.invitation_created"), _events("portal.invitation_accepted")) == (1, 1)


def test_it_refuses_an_invitation_after_its_expiry(scene: Scene) -> None:
    issued = services.invitation_create(actor=OPERATOR, client=scene.client,
                                        email="late@acme.example", valid_hours=2)
    with time_machine.travel(clock.now() + dt.timedelta(hours=2, seconds=1), tick=False):
        with pytest.raises(InvitationNotUsable) as refused:
            services.invitation_accept(token=issued.token, password=NEW_PASSWORD)
    assert refused.value.code == "invitation_not_usable"
    assert PortalInvitation.objects.get(public_id=issued.public_id).accepted_at is None
    assert not _password_is("late@acme.example", NEW_PASSWORD)


def test_a_new_invitation_revokes_the_earlier_link(scene: Scene) -> None:
    first = services.invitation_create(actor=OPERATOR, client=scene.client,
                                       email="dan@acme.example")
    second = services.invitation_create(actor=OPERATOR, client=scene.client,
                                        email="dan@acme.example")
    with pytest.raises(InvitationNotUsable):
        services.invitation_accept(token=first.token, password=NEW_PASSWORD)
    services.invitation_accept(token=second.token, password=NEW_PASSWORD)
    assert User.objects.filter(email="dan@acme.example").count() == 1


@pytest.mark.parametrize("token", ["", "x" * 43, "x" * 500])
def test_it_refuses_a_guessed_or_oversized_token(scene: Scene, token: str) -> None:
    with pytest.raises(InvitationNotUsable):
        services.invitation_lookup(token)


def test_it_refuses_to_invite_a_staff_address_or_another_clients_user(scene: Scene) -> None:
    before = (User.objects.count(), PortalInvitation.objects.count())
    with pytest.raises(Conflict):
        services.invitation_create(actor=OPERATOR, client=scene.client, email="bea@firm.example")
    with pytest.raises(Conflict):
        services.invitation_create(actor=OPERATOR, client=scene.client, email="bob@beta.example")
    assert (User.objects.count(), PortalInvitation.objects.count()) == before


@pytest.mark.parametrize("who", ["bookkeeper", "attorney", "portal"])
def test_only_an_admin_invites(scene: Scene, who: str) -> None:
    actor = {"bookkeeper": scene.bookkeeper, "attorney": scene.attorney,
             "portal": scene.portal}[who]
    with pytest.raises(PermissionDenied):
        services.invitation_create(actor=actor, client=scene.client, email="eve@acme.example")
    assert not User.objects.filter(email="eve@acme.example").exists()


def test_a_weak_password_is_refused_and_the_link_still_works(scene: Scene) -> None:
    issued = services.invitation_create(actor=OPERATOR, client=scene.client,
                                        email="fay@acme.example")
    with pytest.raises(InvalidInput) as refused:
        services.invitation_accept(token=issued.token, password="short")
    assert refused.value.param == "password"
    services.invitation_accept(token=issued.token, password=NEW_PASSWORD)


def test_a_message_is_stored_sealed_and_counted_unread_until_read(scene: Scene) -> None:
    admin = factories.user(Role.ADMIN, email="ada-admin@firm.example")
    message = services.message_send(actor=scene.portal, matter=scene.matter,
                                    subject="Invoice 00001", body="Why 1 hour?\nThanks")
    with connection.cursor() as cursor:
        cursor.execute("SELECT subject, body, direction FROM portal_message")
        subject, body, direction = cursor.fetchone()
    assert direction == "in"
    assert "Invoice 00001" not in subject and "Why 1 hour" not in body
    assert queries.inbox(admin)["unread"] == 1
    assert queries.inbox(scene.attorney)["threads"][0]["unread"] == 1

    thread = queries.matter_messages(scene.attorney, scene.matter)

    assert [(m["subject"], m["body"], m["from_client"]) for m in thread["messages"]] == [
        ("Invoice 00001", "Why 1 hour?\nThanks", True)]
    assert queries.inbox(admin)["unread"] == 0
    assert PortalMessage.objects.get(pk=message.pk).read_at is not None
    services.message_send(actor=scene.attorney, matter=scene.matter, subject="Re: Invoice 00001",
                          body="The complaint took an hour.")
    assert queries.overview(scene.portal)["unread"] == 1
    assert queries.matter_page(scene.portal, scene.matter)["unread"] == 1
    queries.matter_messages(scene.portal, scene.matter)
    assert queries.overview(scene.portal)["unread"] == 0


def test_an_auditor_reads_the_thread_without_marking_it_read_and_cannot_write(
        scene: Scene) -> None:
    auditor = factories.user(Role.AUDITOR, email="aud@firm.example")
    services.message_send(actor=scene.portal, matter=scene.matter, subject="Hello", body="Hi")
    assert queries.matter_messages(auditor, scene.matter)["may_send"] is False
    assert queries.inbox(auditor)["unread"] == 1
    with pytest.raises(PermissionDenied):
        services.message_send(actor=auditor, matter=scene.matter, subject="x", body="y")
    assert PortalMessage.objects.count() == 1


def test_nobody_writes_or_reads_a_thread_of_a_matter_they_do_not_see(scene: Scene) -> None:
    outsider = factories.user(Role.ATTORNEY, email="out@firm.example")
    services.message_send(actor=scene.other_portal, matter=scene.other_matter, subject="B",
                          body="B's question")
    for actor, matter in ((scene.portal, scene.other_matter), (outsider, scene.matter)):
        with pytest.raises(NotFound):
            services.message_send(actor=actor, matter=matter, subject="x", body="y")
    with pytest.raises(NotFound):
        queries.matter_messages(scene.portal, scene.other_matter)
    assert queries.inbox(outsider) == {"threads": [], "unread": 0}
    assert PortalMessage.objects.count() == 1
    assert PortalMessage.objects.get().read_at is None


@pytest.mark.parametrize(("subject", "body", "param"), [
    ("", "text", "subject"), ("x", "   ", "body"), ("a\x00b", "text", "subject"),
    ("x" * 201, "text", "subject"), ("x", "y" * 5001, "body")])
def test_it_refuses_a_malformed_message(scene: Scene, subject: str, body: str,
                                        param: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.message_send(actor=scene.portal, matter=scene.matter, subject=subject,
                              body=body)
    assert refused.value.param == param
    assert PortalMessage.objects.count() == 0


def test_the_client_sees_only_their_own_matters_and_nothing_internal(scene: Scene) -> None:
    overview = queries.overview(scene.portal)
    page = queries.matter_page(scene.portal, scene.matter)
    invoice = queries.invoice_page(scene.portal, scene.invoice_id)
    seen = repr((overview, page, invoice))

    assert [m["number"] for m in overview["matters"]] == [scene.matter]
    assert [i["number"] for i in page["invoices"]] == [scene.invoice_number]
    assert page["ledgers"][0]["balance"] == "1500.00"
    assert [(p["invoice"], p["amount"], p["reference"]) for p in page["payments"]] == [
        (scene.invoice_number, "100.00", "CHK-1001")]
    assert [(r["minimum"], r["requested"]) for r in page["replenishments"]] == [
        ("2000.00", "500.00")]
    for secret in (INTERNAL_MEMO, DRAFT_NARRATIVE, OTHER_NARRATIVE, OTHER_PAYOR, "Beta",
                   scene.draft_id, scene.other_invoice_id, "recorded_by", "memo",
                   "adjustment_reason", "bea@firm.example", "ada@firm.example"):
        assert secret not in seen, secret


@pytest.mark.parametrize("ref", ["other_invoice_id", "other_invoice_number", "draft_id"])
def test_the_client_cannot_read_another_clients_invoice_or_a_draft(scene: Scene,
                                                                   ref: str) -> None:
    target = getattr(scene, ref)
    for read in (queries.invoice_page, queries.invoice_pdf):
        with pytest.raises(NotFound):
            read(scene.portal, target)


def test_the_trust_statement_pdf_has_the_clients_ledger_and_no_memo(scene: Scene,
                                                                    tmp_path: object) -> None:
    import subprocess
    from pathlib import Path

    name, body = queries.trust_statement_pdf(scene.portal, scene.matter, "IOLTA")
    assert name.startswith("trust-statement-M-0001-IOLTA-") and body.startswith(b"%PDF-")
    path = Path(str(tmp_path)) / name
    path.write_bytes(body)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Trust statement M-0001" in text and "1,500.00" in text and "Acme Treasury" in text
    assert "INTERNAL-MEMO-CANARY" not in text
    record = AuditRecord.objects.filter(event="portal.statement_exported").get()
    assert record.details["sha256"] == hashlib.sha256(body).hexdigest()
    with pytest.raises(NotFound):
        queries.trust_statement_pdf(scene.portal, scene.other_matter, "IOLTA")
    with pytest.raises(NotFound):
        queries.trust_statement_pdf(scene.portal, scene.matter, "Operating")


def test_staff_do_not_use_the_portal_reads(scene: Scene) -> None:
    for read in (queries.overview,):
        with pytest.raises(PermissionDenied):
            read(scene.bookkeeper)
    with pytest.raises(PermissionDenied):
        queries.matter_page(scene.bookkeeper, scene.matter)
    with pytest.raises(PermissionDenied):
        queries.inbox(scene.portal)


def test_every_portal_read_is_audited_and_fails_closed(scene: Scene) -> None:
    before = AuditRecord.objects.count()
    queries.matter_page(scene.portal, scene.matter)
    assert set(AuditRecord.objects.filter(seq__gt=before).values_list("event", flat=True)) == {
        "portal.matter_viewed", "trust.ledger_viewed"}

    def fail() -> None:
        raise AuditFailure("the audit store is unavailable")

    audit_services.fault_hook = fail
    try:
        for read in (lambda: queries.matter_page(scene.portal, scene.matter),
                     lambda: queries.overview(scene.portal),
                     lambda: queries.invoice_page(scene.portal, scene.invoice_id),
                     lambda: queries.matter_messages(scene.portal, scene.matter)):
            with pytest.raises(AuditFailure):
                read()
    finally:
        audit_services.fault_hook = None
