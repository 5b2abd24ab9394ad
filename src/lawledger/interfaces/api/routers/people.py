"""Clients and matters: lists (cursor pages), details (audited reads), creation and closing."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal

from django.db.models import Q
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.params import functions as params
from pydantic import Field

from lawledger.access.policy import get_client
from lawledger.apitokens.scopes import Scope
from lawledger.firm import queries as firm_queries
from lawledger.firm import services as firm_services
from lawledger.interfaces.api.auth import caller_of
from lawledger.interfaces.api.endpoint import IDEMPOTENCY_KEY_OPTIONAL, Keys
from lawledger.interfaces.api.pagination import DEFAULT_LIMIT, SortKey, paginate
from lawledger.interfaces.api.routes import operation
from lawledger.interfaces.api.schemas import (
    PATH_REF,
    AccountRef,
    ClientDetailOut,
    ClientIn,
    ClientOut,
    ClientPage,
    ClientRef,
    Cursor,
    Limit,
    MatterDetailOut,
    MatterIn,
    MatterOut,
    MatterPage,
    Ref,
    TrustBalanceOut,
)
from lawledger.ledger.accounts import get_bank_account
from lawledger.ledger.queries import matter_trust_balances

if TYPE_CHECKING:
    from lawledger.firm.models import Client, Matter

router = Router(tags=["clients and matters"])

CLIENT_SORTS = {"number": SortKey("number", str), "name": SortKey("name", str)}
MATTER_SORTS = {"number": SortKey("number", str), "title": SortKey("title", str),
                "opened_on": SortKey("opened_on", dt.date)}


class ClientQuery(Schema):
    sort: Literal["number", "-number", "name", "-name"] = "number"
    cursor: Cursor | None = None
    limit: Limit = DEFAULT_LIMIT


class MatterQuery(Schema):
    status: Literal["open", "closed"] | None = None
    client: Ref | None = Field(None, description="Only this client's matters (id or number).")
    q: Annotated[str, Field(max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")] | None = Field(
        None, description="Search numbers, titles and client names.")
    sort: Literal["number", "-number", "title", "-title", "opened_on", "-opened_on"] = "number"
    cursor: Cursor | None = None
    limit: Limit = DEFAULT_LIMIT


CLIENT_QUERY: Any = params.Query(...)
MATTER_QUERY: Any = params.Query(...)


def client_ref(client: Client) -> ClientRef:
    return ClientRef(id=client.public_id, number=client.number, name=client.name)


def _client_out(client: Client) -> ClientOut:
    return ClientOut(id=client.public_id, number=client.number, name=client.name,
                     created_at=client.created_at)


def _client_detail(client: Client) -> ClientDetailOut:
    return ClientDetailOut(id=client.public_id, number=client.number, name=client.name,
                           created_at=client.created_at, email=client.email, phone=client.phone,
                           address=client.address, notes=client.notes)


def matter_out_fields(matter: Matter) -> dict[str, Any]:
    return {"id": matter.public_id, "number": matter.number, "title": matter.title,
            "status": matter.status, "client": client_ref(matter.client),
            "opened_on": matter.opened_on, "closed_on": matter.closed_on,
            "responsible": matter.responsible.email if matter.responsible else None}


def _matter_detail(matter: Matter) -> MatterDetailOut:
    balances = [TrustBalanceOut(account=AccountRef(id=get_bank_account(row["account"]).public_id,
                                                   name=row["account"]),
                                currency=row["currency"], balance=row["balance"])
                for row in matter_trust_balances(matter)]
    return MatterDetailOut(**matter_out_fields(matter), description=matter.description,
                           trust_balances=balances)


@operation(router, "get", "/clients", scope=Scope.MATTERS_READ, response=ClientPage,
           operation_id="listClients", summary="List clients", query=ClientQuery)
def list_clients(request: HttpRequest, filters: ClientQuery = CLIENT_QUERY) -> ClientPage:
    """The clients this principal may see, a page at a time."""
    caller = caller_of(request)
    clients = firm_queries.clients_for(caller.principal)
    if caller.client_pks is not None:
        clients = clients.filter(pk__in=caller.client_pks)
    page = paginate(clients, sort=filters.sort, keys=CLIENT_SORTS, cursor=filters.cursor,
                    limit=filters.limit)
    return ClientPage(data=[_client_out(c) for c in page.rows], next_cursor=page.next_cursor)


@operation(router, "get", "/clients/{client_id}", scope=Scope.MATTERS_READ,
           response=ClientDetailOut, operation_id="getClient", summary="One client",
           params={"client": "client_id"})
def get_client_detail(request: HttpRequest, client_id: str = PATH_REF) -> ClientDetailOut:
    """A client with contact details and notes (a confidential read, audited)."""
    caller = caller_of(request)
    caller.check_client(get_client(caller.principal, client_id, param="client_id"),
                        param="client_id")
    return _client_detail(firm_queries.client_detail(caller.principal, client_id))


@operation(router, "post", "/clients", scope=Scope.MATTERS_WRITE, response=ClientDetailOut,
           status=201, operation_id="createClient", summary="Add a client", keys=Keys.OPTIONAL)
def create_client(request: HttpRequest, payload: ClientIn,
                  idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL) -> ClientDetailOut:
    """Add a client; without `number` the next free C-number is taken."""
    caller = caller_of(request)
    caller.require_firm_wide()
    client = firm_services.client_add(actor=caller.principal, name=payload.name,
                                      number=payload.number, email=payload.email,
                                      phone=payload.phone, address=payload.address,
                                      notes=payload.notes)
    return _client_detail(client)


@operation(router, "get", "/matters", scope=Scope.MATTERS_READ, response=MatterPage,
           operation_id="listMatters", summary="List matters", query=MatterQuery)
def list_matters(request: HttpRequest, filters: MatterQuery = MATTER_QUERY) -> MatterPage:
    """The matters this principal may see (team, walls and role applied), a page at a time."""
    caller = caller_of(request)
    matters = firm_queries.matters_for(caller.principal, status=filters.status,
                                       search=filters.q or None)
    if filters.client:
        matters = matters.filter(Q(client__public_id=filters.client)
                                 | Q(client__number=filters.client))
    if caller.client_pks is not None:
        matters = matters.filter(client_id__in=caller.client_pks)
    page = paginate(matters, sort=filters.sort, keys=MATTER_SORTS, cursor=filters.cursor,
                    limit=filters.limit)
    return MatterPage(data=[MatterOut(**matter_out_fields(m)) for m in page.rows],
                      next_cursor=page.next_cursor)


@operation(router, "get", "/matters/{matter_id}", scope=Scope.MATTERS_READ,
           response=MatterDetailOut, operation_id="getMatter", summary="One matter",
           params={"matter": "matter_id"})
def get_matter_detail(request: HttpRequest, matter_id: str = PATH_REF) -> MatterDetailOut:
    """A matter with its description and trust balances (a confidential read, audited)."""
    caller = caller_of(request)
    caller.matter(matter_id, param="matter_id")
    return _matter_detail(firm_queries.matter_detail(caller.principal, matter_id))


@operation(router, "post", "/matters", scope=Scope.MATTERS_WRITE, response=MatterDetailOut,
           status=201, operation_id="openMatter", summary="Open a matter", keys=Keys.OPTIONAL)
def open_matter(request: HttpRequest, payload: MatterIn,
                idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL) -> MatterDetailOut:
    """Open a matter for a client; without `number` the next free M-number is taken."""
    caller = caller_of(request)
    caller.check_client(get_client(caller.principal, payload.client))
    matter = firm_services.matter_open(actor=caller.principal, client=payload.client,
                                       title=payload.title, number=payload.number,
                                       responsible=payload.responsible,
                                       description=payload.description)
    return _matter_detail(matter)


@operation(router, "post", "/matters/{matter_id}/close", scope=Scope.MATTERS_WRITE,
           response=MatterDetailOut, operation_id="closeMatter", summary="Close a matter",
           keys=Keys.OPTIONAL, params={"matter": "matter_id"})
def close_matter(request: HttpRequest, matter_id: str = PATH_REF,
                 idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL) -> MatterDetailOut:
    """Close a matter; refused (409 matter_has_trust_balance) while its client ledger holds money."""
    caller = caller_of(request)
    caller.matter(matter_id, param="matter_id")
    return _matter_detail(firm_services.matter_close(actor=caller.principal, matter=matter_id))
