"""The database itself keeps the portal's rules, whatever SQL reaches it (both engines):
a used or revoked invitation never changes, none is accepted after its expiry, and a message is
never changed or deleted, only marked read once."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from lawledger.portal import services
from lawledger.portal.models import PortalInvitation, PortalMessage
from tests import factories
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db


def _refused(sql: str, params: list[object]) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def client_number() -> str:
    factories.firm()
    number = factories.client("Acme Corp")
    factories.matter(number, "Acme v. Widget")
    return number


def test_a_used_invitation_cannot_be_made_usable_again(client_number: str) -> None:
    issued = services.invitation_create(actor=OPERATOR, client=client_number,
                                        email="ana@acme.example")
    services.invitation_accept(token=issued.token, password="a long and private passphrase")
    row = PortalInvitation.objects.get(public_id=issued.public_id)

    _refused("UPDATE portal_invitation SET accepted_at = NULL WHERE id = %s", [row.pk])
    _refused("UPDATE portal_invitation SET token_sha256 = %s WHERE id = %s", ["0" * 64, row.pk])
    _refused("DELETE FROM portal_invitation WHERE id = %s", [row.pk])
    assert PortalInvitation.objects.get(pk=row.pk).accepted_at == row.accepted_at


def test_a_revoked_invitation_stays_revoked(client_number: str) -> None:
    first = services.invitation_create(actor=OPERATOR, client=client_number,
                                       email="ana@acme.example")
    services.invitation_create(actor=OPERATOR, client=client_number, email="ana@acme.example")
    row = PortalInvitation.objects.get(public_id=first.public_id)
    assert row.revoked_at is not None
    _refused("UPDATE portal_invitation SET revoked_at = NULL WHERE id = %s", [row.pk])


def test_an_invitation_is_never_accepted_after_its_expiry(client_number: str) -> None:
    issued = services.invitation_create(actor=OPERATOR, client=client_number,
                                        email="ana@acme.example")
    row = PortalInvitation.objects.get(public_id=issued.public_id)
    _refused("UPDATE portal_invitation SET accepted_at = %s WHERE id = %s",
             [row.expires_at.replace(year=row.expires_at.year + 1), row.pk])
    _refused("UPDATE portal_invitation SET accepted_at = %s, revoked_at = %s WHERE id = %s",
             [row.created_at, row.created_at, row.pk])
    assert PortalInvitation.objects.get(pk=row.pk).accepted_at is None


def test_a_message_never_changes_and_is_marked_read_only_once(client_number: str) -> None:
    portal = factories.user("client", email="ana@acme.example", client=client_number)
    message = services.message_send(actor=portal, matter="M-0001", subject="Hello",
                                    body="A question")
    other = services.message_send(actor=portal, matter="M-0001", subject="Again",
                                  body="Another question")
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM portal_message WHERE id = %s", [other.pk])
        other_body = cursor.fetchone()[0]

    _refused("UPDATE portal_message SET body = %s WHERE id = %s", [other_body, message.pk])
    _refused("UPDATE portal_message SET direction = 'out', read_at = sent_at WHERE id = %s",
             [message.pk])
    _refused("UPDATE portal_message SET read_at = NULL WHERE id = %s", [message.pk])
    _refused("DELETE FROM portal_message WHERE id = %s", [message.pk])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE portal_message SET read_at = sent_at WHERE id = %s", [message.pk])
    _refused("UPDATE portal_message SET read_at = NULL WHERE id = %s", [message.pk])
    _refused("UPDATE portal_message SET read_at = sent_at WHERE id = %s", [message.pk])
    assert PortalMessage.objects.get(pk=message.pk).body == "A question"
