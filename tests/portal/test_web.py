"""The portal's pages over HTTP: the role matrix, SECURITY.md's A2 attacks (another client's ids on
every URL, guessed public ids, tampered download ids, internal narratives, staff URLs from a portal
session), the invitation link and the secure messages, on both sides."""

from __future__ import annotations

import re

import pytest
from django.test import Client as Browser

from lawledger.audit.models import AuditRecord
from lawledger.core.ids import new_public_id
from lawledger.portal import services
from lawledger.portal.models import PortalInvitation, PortalMessage
from tests import factories
from tests.access_matrix import EXPECTED_VIEW, build_matrix
from tests.factories import OPERATOR
from tests.portal.builders import (
    DRAFT_NARRATIVE,
    INTERNAL_MEMO,
    OTHER_NARRATIVE,
    OTHER_PAYOR,
    Scene,
    portal_firm,
    signed_in,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene() -> Scene:
    return portal_firm()


def _state() -> tuple[int, int, int]:
    return (PortalMessage.objects.count(), PortalMessage.objects.filter(read_at=None).count(),
            PortalInvitation.objects.count())


def _unmasked(body: bytes) -> bytes:
    """The page without its CSRF token, which is masked afresh on every response."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", body)


def _portal_urls(matter: str, invoice_id: str) -> list[str]:
    return [f"/portal/matters/{matter}/", f"/portal/matters/{matter}/statement.pdf?account=IOLTA",
            f"/portal/matters/{matter}/messages/", f"/portal/invoices/{invoice_id}/",
            f"/portal/invoices/{invoice_id}/pdf/"]


def test_the_client_sees_their_matter_invoice_ledger_payments_and_requests(scene: Scene) -> None:
    browser = signed_in(scene.portal.label)
    home = browser.get("/portal/", {"client": scene.other_client}).content.decode()
    matter = browser.get(f"/portal/matters/{scene.matter}/").content.decode()
    invoice = browser.get(f"/portal/invoices/{scene.invoice_id}/").content.decode()

    assert "Acme v. Widget" in home and "1500.00 USD" in home and "Beta" not in home
    assert "Invoice 00001" in matter and "CHK-1001" in matter and "Acme Treasury" in matter
    assert "500.00 USD" in matter  # the replenishment request
    assert re.search(r'id="invoice-balance">200.00 USD<', invoice)
    assert "Drafted the complaint" in invoice
    for secret in (INTERNAL_MEMO, DRAFT_NARRATIVE, OTHER_NARRATIVE, OTHER_PAYOR,
                   scene.other_invoice_id, scene.draft_id, "bea@firm.example"):
        assert secret not in home + matter + invoice, secret
    pdf = browser.get(f"/portal/invoices/{scene.invoice_id}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf["Content-Disposition"] == 'attachment; filename="invoice-00001.pdf"'
    assert (pdf["X-Content-Type-Options"], pdf["Cache-Control"]) == ("nosniff", "no-store")
    statement = browser.get(f"/portal/matters/{scene.matter}/statement.pdf", {"account": "IOLTA"})
    assert statement.status_code == 200 and statement.content.startswith(b"%PDF-")


def test_every_portal_url_with_another_clients_ids_is_not_found_and_audited(
        scene: Scene) -> None:
    """A2: B's matter, invoice, PDF, statement and thread from A's session, and the reverse."""
    for me, other_matter, other_invoice in (
            (scene.portal, scene.other_matter, scene.other_invoice_id),
            (scene.other_portal, scene.matter, scene.invoice_id)):
        browser = signed_in(me.label)
        missing = browser.get(f"/portal/invoices/{new_public_id('inv')}/")
        for url in _portal_urls(other_matter, other_invoice):
            before = (_state(), AuditRecord.objects.filter(event="access.denied").count())
            response = browser.get(url)
            assert response.status_code == 404, url
            assert _unmasked(response.content) == _unmasked(missing.content), url  # as missing
            assert not response.content.startswith(b"%PDF")
            assert _state() == before[0]
            assert AuditRecord.objects.filter(event="access.denied").count() == before[1] + 1
        posted = browser.post(f"/portal/matters/{other_matter}/messages/",
                              {"subject": "x", "body": "y"})
        assert posted.status_code == 404
    assert PortalMessage.objects.count() == 0


@pytest.mark.parametrize("url", [
    "/portal/invoices/{other_number}/", "/portal/invoices/{other_number}/pdf/",
    "/portal/invoices/{draft}/", "/portal/invoices/{draft}/pdf/",
    "/portal/invoices/inv_0000000000000000/pdf/", "/portal/invoices/00003/pdf/",
    "/portal/matters/M-0003/", "/portal/matters/{matter}/statement.pdf?account=Operating",
    "/portal/matters/{matter}/statement.pdf?account=..%2F..%2Fsettings.py",
    "/portal/matters/{matter}/statement.pdf",
])
def test_guessed_and_tampered_ids_are_not_found(scene: Scene, url: str) -> None:
    browser = signed_in(scene.portal.label)
    response = browser.get(url.format(other_number=scene.other_invoice_number,
                                      draft=scene.draft_id, matter=scene.matter))
    assert response.status_code == 404
    assert not response.content.startswith(b"%PDF")


def test_a_portal_session_reaches_no_staff_url(scene: Scene) -> None:
    browser = signed_in(scene.portal.label)
    for url in ("/", f"/matters/{scene.matter}/", f"/matters/{scene.matter}/ledger/",
                "/billing/invoices/", f"/billing/invoices/{scene.invoice_id}/", "/trust/",
                "/portal-messages/", f"/portal-messages/matters/{scene.matter}/",
                "/portal-messages/invite/"):
        assert browser.get(url).status_code == 403, url
    assert browser.post(f"/portal-messages/matters/{scene.matter}/",
                        {"subject": "x", "body": "y"}).status_code == 403
    assert PortalMessage.objects.count() == 0


def test_the_portal_pages_answer_each_principal_of_the_role_matrix() -> None:
    matrix = build_matrix()
    factories.trust_account()
    factories.deposit(matrix.matter, "10.00")
    for who in sorted(EXPECTED_VIEW):
        principal = matrix.principals[who]
        browser = signed_in(principal.label) if principal is not None else Browser()
        for url in ("/portal/", f"/portal/matters/{matrix.matter}/",
                    f"/portal/matters/{matrix.matter}/messages/"):
            status = browser.get(url).status_code
            if who == "anonymous":
                assert status == 302, (who, url)
            elif not who.startswith("portal"):
                assert status == 403, (who, url)  # staff work in the web app
            elif url == "/portal/":
                assert status == 200
            else:
                assert status == (200 if matrix.may(who) else 404), (who, url)
        staff_status = browser.get(f"/portal-messages/matters/{matrix.matter}/").status_code
        inbox_status = browser.get("/portal-messages/").status_code
        if who == "anonymous":
            assert (staff_status, inbox_status) == (302, 302)
        elif who.startswith("portal"):
            assert (staff_status, inbox_status) == (403, 403), who
        else:
            assert staff_status == (200 if matrix.may(who) else 404), who
            assert inbox_status == 200, who


def test_a_client_and_the_firm_exchange_messages_with_unread_counts(scene: Scene) -> None:
    client = signed_in(scene.portal.label)
    sent = client.post(f"/portal/matters/{scene.matter}/messages/",
                       {"subject": "Invoice 00001", "body": "Why <b>one</b> hour?"})
    assert sent.status_code == 302
    attorney = signed_in(scene.attorney.label)
    inbox = attorney.get("/portal-messages/").content.decode()
    assert "1 unread message from clients" in inbox and "Invoice 00001" in inbox
    thread = attorney.get(f"/portal-messages/matters/{scene.matter}/").content.decode()
    assert "Why &lt;b&gt;one&lt;/b&gt; hour?" in thread
    assert "0 unread messages" in attorney.get("/portal-messages/").content.decode()
    attorney.post(f"/portal-messages/matters/{scene.matter}/",
                  {"subject": "Re: Invoice 00001", "body": "Drafting took an hour."})
    assert "You have 1 unread message" in client.get("/portal/").content.decode()
    page = client.get(f"/portal/matters/{scene.matter}/messages/").content.decode()
    assert "Drafting took an hour." in page
    assert "unread message" not in client.get("/portal/").content.decode()
    refused = client.post(f"/portal/matters/{scene.matter}/messages/", {"subject": "",
                                                                          "body": "x"})
    assert refused.status_code == 400 and "subject: must not be empty" in refused.content.decode()
    assert PortalMessage.objects.count() == 2


def test_an_admin_invites_a_contact_who_sets_a_password_once(scene: Scene) -> None:
    admin = factories.user("admin", email="root@firm.example")
    staff = signed_in(admin.label)
    page = staff.post("/portal-messages/invite/", {"client": scene.client,
                                                   "email": "cleo@acme.example"})
    assert page.status_code == 200
    link = re.search(r'id="invitation-link">http://testserver(/portal/invitation/[^<]+)<',
                     page.content.decode())
    assert link is not None
    assert signed_in(scene.bookkeeper.label).get("/portal-messages/invite/").status_code == 403

    visitor = Browser()
    form = visitor.get(link.group(1))
    assert form.status_code == 200 and "cleo@acme.example" in form.content.decode()
    assert form["Referrer-Policy"] == "same-origin"
    mismatch = visitor.post(link.group(1), {"password": "a long and private passphrase",
                                            "password_again": "something else entirely"})
    assert mismatch.status_code == 400
    done = visitor.post(link.group(1), {"password": "a long and private passphrase",
                                        "password_again": "a long and private passphrase"})
    assert done.status_code == 302 and done["Location"] == "/login/?next=/portal/"
    assert visitor.get(link.group(1)).status_code == 410
    again = visitor.post(link.group(1), {"password": "another long passphrase",
                                         "password_again": "another long passphrase"})
    assert again.status_code == 410
    assert visitor.get("/portal/invitation/not-a-real-token/").status_code == 410


def test_an_invitation_for_a_staff_address_is_refused_on_the_page(scene: Scene) -> None:
    admin = factories.user("admin", email="root@firm.example")
    before = _state()
    page = signed_in(admin.label).post("/portal-messages/invite/", {
        "client": scene.client, "email": "bea@firm.example"})
    assert page.status_code == 400 and "already exists" in page.content.decode()
    assert _state() == before


def test_a_link_made_by_the_service_opens_the_acceptance_page(scene: Scene) -> None:
    issued = services.invitation_create(actor=OPERATOR, client=scene.client,
                                        email="gus@acme.example")
    assert Browser().get(f"/portal/invitation/{issued.token}/").status_code == 200


@pytest.mark.parametrize(("page", "shown"), [("1", "Acme Treasury"), ("2", "Acme Trustee"),
                                             ("999", "Acme Trustee"), ("-1", "Acme Trustee"),
                                             ("abc", "Acme Treasury"), ("", "Acme Trustee")])
def test_paging_the_ledger_never_goes_beyond_the_clients_own_rows(
        scene: Scene, monkeypatch: pytest.MonkeyPatch, page: str, shown: str) -> None:
    from lawledger.interfaces.portal import views

    monkeypatch.setattr(views, "LEDGER_PAGE_SIZE", 1)
    factories.deposit(scene.matter, "25.00", date="2026-03-05", payor="Acme Trustee")
    html = signed_in(scene.portal.label).get(f"/portal/matters/{scene.matter}/",
                                             {"page": page}).content.decode()
    hidden = ({"Acme Treasury", "Acme Trustee"} - {shown}).pop()
    assert shown in html and hidden not in html and OTHER_PAYOR not in html


def test_a_message_body_swapped_between_clients_is_never_shown(scene: Scene) -> None:
    """F5: A's sealed message copied into B's row (even inside a re-keying window) does not open
    on B's page: the thread is refused and the failure audited."""
    from django.db import connection, transaction

    from lawledger.db.maintenance import window

    secret = services.message_send(actor=scene.portal, matter=scene.matter, subject="A's",
                                   body="A-ONLY-SECRET")
    victim = services.message_send(actor=scene.other_portal, matter=scene.other_matter,
                                   subject="B's", body="B's own question")
    with transaction.atomic(), window("rekey"), connection.cursor() as cursor:
        cursor.execute("UPDATE portal_message SET body = (SELECT body FROM portal_message "
                       "WHERE id = %s) WHERE id = %s", [secret.pk, victim.pk])
    response = signed_in(scene.other_portal.label).get(
        f"/portal/matters/{scene.other_matter}/messages/")
    assert response.status_code == 400
    assert "A-ONLY-SECRET" not in response.content.decode()
    assert AuditRecord.objects.filter(event="keys.decryption_failed").count() == 1
