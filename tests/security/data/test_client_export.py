"""A client's data export holds everything held about them, machine-readable (issue 6, privacy).

It opens every sealed field of the client, matter, entries and time (authorized: an
administrator), is one JSON document, and is audited; anyone else is refused and nothing is
exported (no `privacy.client_exported` record).
"""

from __future__ import annotations

import json

import pytest

from lawledger.audit.models import AuditRecord
from lawledger.core.access import Role
from lawledger.core.errors import NotFound, PermissionDenied
from lawledger.privacy.client_export import FORMAT, client_data_export
from lawledger.privacy.consents import grant_consent
from lawledger.privacy.holds import place_hold
from tests import factories
from tests.billing import builders
from tests.factories import OPERATOR


@pytest.mark.django_db
def test_the_export_holds_everything_about_the_client_and_nothing_else() -> None:
    import datetime as dt

    firm = builders.billing_firm()
    builders.time(firm, narrative="Reviewed the lease")
    builders.expense(firm, description="Courier")
    builders.finalize(builders.draft(firm))
    factories.deposit(firm.matter, "75.00", memo="retainer")
    other = factories.client("Other Corp", notes="not theirs")
    factories.matter(other, "Other matter")
    grant_consent(OPERATOR, firm.client, "Acme Insurance", "invoices", dt.date(2099, 1, 1))
    place_hold(OPERATOR, firm.matter, "dispute")

    document = client_data_export(OPERATOR, firm.client)

    text = json.dumps(document, default=str)
    assert document["format"] == FORMAT and document["client"]["number"] == firm.client
    assert [m["number"] for m in document["matters"]] == [firm.matter]
    matter = document["matters"][0]
    assert [t["narrative"] for t in matter["time_entries"]] == ["Reviewed the lease"]
    assert [e["description"] for e in matter["expenses"]] == ["Courier"]
    assert [line["description"] for line in matter["invoices"][0]["lines"]] == [
        "Reviewed the lease", "Courier"]
    assert [e["memo"] for e in matter["trust_ledgers"][0]["entries"]] == ["retainer"]
    assert [c["party"] for c in document["consents"]] == ["Acme Insurance"]
    assert [h["reason"] for h in matter["legal_holds"]] == ["dispute"]
    assert "not theirs" not in text and "Other matter" not in text
    exported = AuditRecord.objects.get(event="privacy.client_exported")
    assert (exported.client_ref, exported.details) == (firm.client, {"matters": [firm.matter]})


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.BOOKKEEPER, Role.ATTORNEY, Role.PARALEGAL, Role.AUDITOR,
                                  Role.CLIENT])
def test_only_an_administrator_exports_a_clients_data(role: Role) -> None:
    factories.firm()
    client = factories.client("Acme", notes="secret")
    who = factories.user(role, email=f"x-{role}@firm.example",
                         client=client if role == Role.CLIENT else None)
    with pytest.raises(PermissionDenied):
        client_data_export(who, client)
    with pytest.raises(NotFound):
        client_data_export(OPERATOR, "C-9999")
    assert not AuditRecord.objects.filter(event="privacy.client_exported").exists()
