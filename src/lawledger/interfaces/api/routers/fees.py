"""How work is priced and fees collected over the API: timekeepers (their LEDES ids) and their
hourly rates (with client and matter overrides), a matter's fee arrangement, a contingency
settlement and evergreen retainers' replenishment requests.

Every operation calls billing's services and queries, which fetch matters through the access
policy, check the billing act and write their own audit records; the endpoint wrapper adds the
`api.request` record in the same transaction. A token limited to some clients reaches only their
matters: firm-wide acts (the whole rate table, a timekeeper's default rate, checking every
evergreen matter) are refused to it. A settlement moves trust money: it requires an
Idempotency-Key; the other POSTs accept one.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.params import functions as params

from lawledger.apitokens.scopes import Scope
from lawledger.billing import queries as billing_queries
from lawledger.billing import services as billing_services
from lawledger.billing.arrangements import (
    arrangement_document,
    current_arrangement,
    replenishment_document,
)
from lawledger.billing.common import base_currency
from lawledger.billing.rates import rate_document, rates_for
from lawledger.billing.settlement import settlement_document
from lawledger.core.errors import CurrencyMismatch, InvalidInput
from lawledger.firm.queries import firm_today
from lawledger.interfaces.api.auth import caller_of
from lawledger.interfaces.api.endpoint import (
    IDEMPOTENCY_KEY_OPTIONAL,
    IDEMPOTENCY_KEY_REQUIRED,
    Keys,
)
from lawledger.interfaces.api.fee_schemas import (
    ArrangementIn,
    ArrangementOut,
    AsOfDateQuery,
    RateIn,
    RateListOut,
    RateOut,
    RateQuery,
    ReplenishmentCheckIn,
    ReplenishmentListOut,
    ReplenishmentOut,
    RequestListOut,
    SettlementIn,
    SettlementOut,
    TimekeeperIn,
    TimekeeperOut,
)
from lawledger.interfaces.api.routes import operation
from lawledger.interfaces.api.schemas import PATH_REF

router = Router(tags=["fees"])

RATE_QUERY: Any = params.Query(...)
AS_OF_QUERY: Any = params.Query(...)

_KEY = {"idempotency_key": "Idempotency-Key"}
_RATE_PARAMS = {**_KEY, "email": "timekeeper", "amount": "rate", "from": "effective_from"}
_ARRANGEMENT_PARAMS = {**_KEY, "matter": "matter_id", "amount": "flat_amount",
                       "task_fee": "task_fees", "tier": "tiers", "minimum": "minimum_balance",
                       "from": "effective_from"}


# The fields each kind of arrangement takes: any other is refused rather than silently dropped.
_KIND_FIELDS = {"hourly": frozenset(), "flat": frozenset({"flat_amount", "task_fees"}),
                "capped": frozenset({"cap"}), "contingency": frozenset({"tiers"}),
                "evergreen": frozenset({"minimum_balance"})}


def _same_currency(given: str, expected: str) -> None:
    if given != expected:
        raise CurrencyMismatch(f"currency: the firm bills in {expected}", param="currency")


def _rate_out(document: dict[str, Any]) -> RateOut:
    fields = dict(document)
    fields["effective_from"] = fields.pop("from")
    return RateOut(**fields)


# rates --------------------------------------------------------------------------------------

@operation(router, "get", "/rates", scope=Scope.BILLING_READ, response=RateListOut,
           operation_id="listRates", summary="Hourly rates and their overrides", query=RateQuery,
           params={"matter": "matter"})
def list_rates(request: HttpRequest, filters: RateQuery = RATE_QUERY) -> RateListOut:
    """Every rate (oldest first per timekeeper), or only those that can apply to one matter:
    its own, its client's and the timekeepers' defaults (precedence matter > client >
    timekeeper, the latest effective date winning within each)."""
    caller = caller_of(request)
    rows = rates_for(caller.principal, filters.timekeeper)
    if filters.matter is None:
        caller.require_firm_wide()
        return RateListOut(data=[_rate_out(row) for row in rows])
    matter = caller.matter(filters.matter)
    applying = [row for row in rows
                if row["matter"] in (None, matter.number)
                and row["client"] in (None, matter.client.number)]
    return RateListOut(data=[_rate_out(row) for row in applying])


@operation(router, "post", "/rates", scope=Scope.BILLING_WRITE, response=RateOut, status=201,
           operation_id="setRate", summary="Set an hourly rate (effective-dated)",
           keys=Keys.OPTIONAL, params=_RATE_PARAMS)
def set_rate(request: HttpRequest, payload: RateIn,
             idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL) -> RateOut:
    """A timekeeper's default rate, or an override for one client or one matter, from a date.
    Earlier rates stay: work is priced at the rate in effect on the day it was done."""
    caller = caller_of(request)
    if payload.matter:
        caller.matter(payload.matter)
    elif payload.client:
        from lawledger.access.policy import get_client

        caller.check_client(get_client(caller.principal, payload.client))
    else:
        caller.require_firm_wide()
    _same_currency(payload.currency, base_currency())
    rate = billing_services.rate_set(actor=caller.principal, email=payload.timekeeper,
                                     amount=payload.rate, matter=payload.matter,
                                     client=payload.client,
                                     effective_from=payload.effective_from)
    return _rate_out(rate_document(rate))


@operation(router, "post", "/timekeepers", scope=Scope.BILLING_WRITE, response=TimekeeperOut,
           operation_id="setTimekeeper", summary="Set a timekeeper's LEDES id and classification",
           keys=Keys.OPTIONAL, params={**_KEY, "email": "timekeeper", "ledes_id": "ledes_id"})
def set_timekeeper(request: HttpRequest, payload: TimekeeperIn,
                   idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL) -> TimekeeperOut:
    """What LEDES files show for a person's time (firm-wide: admins and bookkeepers)."""
    caller = caller_of(request)
    caller.require_firm_wide()
    keeper = billing_services.timekeeper_set(actor=caller.principal, email=payload.timekeeper,
                                             classification=payload.classification,
                                             number=payload.ledes_id)
    return TimekeeperOut(timekeeper=keeper.user.email, ledes_id=keeper.number,
                         classification=keeper.classification)


# fee arrangements ---------------------------------------------------------------------------

def _arrangement_out(matter: str, document: dict[str, Any]) -> ArrangementOut:
    fields = {"currency": base_currency(), "flat_amount": None, "task_fees": {}, "cap": None,
              "tiers": [], "minimum_balance": None, **document}
    fields["effective_from"] = fields.pop("from")
    return ArrangementOut(matter=matter, **fields)


@operation(router, "get", "/matters/{matter_id}/fee-arrangement", scope=Scope.BILLING_READ,
           response=ArrangementOut, operation_id="getFeeArrangement",
           summary="How a matter is billed", query=AsOfDateQuery, params={"matter": "matter_id"})
def get_fee_arrangement(request: HttpRequest, filters: AsOfDateQuery = AS_OF_QUERY,
                        matter_id: str = PATH_REF) -> ArrangementOut:
    """The arrangement in effect today (or `as_of`); a matter without one is billed hourly."""
    caller = caller_of(request)
    matter = caller.matter(matter_id, param="matter_id")
    day = filters.as_of or firm_today()
    return _arrangement_out(matter.number,
                            arrangement_document(current_arrangement(matter, day)))


@operation(router, "post", "/matters/{matter_id}/fee-arrangement", scope=Scope.BILLING_WRITE,
           response=ArrangementOut, status=201, operation_id="setFeeArrangement",
           summary="Set how a matter is billed (effective-dated)", keys=Keys.OPTIONAL,
           params=_ARRANGEMENT_PARAMS)
def set_fee_arrangement(request: HttpRequest, payload: ArrangementIn, matter_id: str = PATH_REF,
                        idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL
                        ) -> ArrangementOut:
    """hourly; flat (`flat_amount` and/or `task_fees`); capped (`cap`); contingency (`tiers`,
    the last one open-ended); evergreen (`minimum_balance` kept in trust). The earlier
    arrangement still prices the work done before `effective_from`."""
    caller = caller_of(request)
    matter = caller.matter(matter_id, param="matter_id")
    _same_currency(payload.currency, base_currency())
    for name in ("flat_amount", "task_fees", "cap", "tiers", "minimum_balance"):
        if getattr(payload, name) is not None and name not in _KIND_FIELDS[payload.kind]:
            raise InvalidInput(f"{name}: not part of a {payload.kind} fee", param=name)
    row = billing_services.arrangement_set(
        actor=caller.principal, matter=matter.number, kind=payload.kind,
        amount=payload.flat_amount, cap=payload.cap, minimum=payload.minimum_balance,
        task_fees=[f"{task}={amount}" for task, amount in (payload.task_fees or {}).items()],
        tiers=[f"{tier.up_to or ''}:{tier.percent}" for tier in payload.tiers or []],
        effective_from=payload.effective_from)
    return _arrangement_out(matter.number, arrangement_document(row))


# settlements and replenishment --------------------------------------------------------------

@operation(router, "post", "/matters/{matter_id}/settlements", scope=Scope.BILLING_WRITE,
           response=SettlementOut, status=201, operation_id="recordSettlement",
           summary="Record a contingency settlement and pay it out of trust",
           keys=Keys.REQUIRED, params={**_KEY, "matter": "matter_id", "lien": "liens"})
def record_settlement(request: HttpRequest, payload: SettlementIn, matter_id: str = PATH_REF,
                      idempotency_key: str = IDEMPOTENCY_KEY_REQUIRED) -> SettlementOut:
    """The fee (the arrangement's tiers of the gross) and unbilled costs on a finalized invoice
    paid from trust, each lien paid, the rest paid to the client: all of it or nothing (409 when
    the client ledger lacks the funds)."""
    caller = caller_of(request)
    matter = caller.matter(matter_id, param="matter_id")
    arrangement = current_arrangement(matter, payload.date)
    _same_currency(payload.currency, arrangement.currency if arrangement else base_currency())
    settlement = billing_services.settlement_record(
        actor=caller.principal, matter=matter.number, gross=payload.gross, date=payload.date,
        account=payload.account, liens=[f"{lien.payee}={lien.amount}" for lien in payload.liens])
    return SettlementOut(**settlement_document(settlement))


@operation(router, "get", "/matters/{matter_id}/replenishment-requests",
           scope=Scope.BILLING_READ, response=RequestListOut,
           operation_id="listReplenishmentRequests",
           summary="A matter's trust replenishment requests", params={"matter": "matter_id"})
def list_replenishment_requests(request: HttpRequest, matter_id: str = PATH_REF
                                ) -> RequestListOut:
    """Newest first: what the client was asked to top up, and why."""
    caller = caller_of(request)
    matter = caller.matter(matter_id, param="matter_id")
    rows = billing_queries.client_replenishments(caller.principal, matter)
    return RequestListOut(matter=matter.number, data=rows)  # type: ignore[arg-type]


@operation(router, "post", "/replenishment-checks", scope=Scope.BILLING_WRITE,
           response=ReplenishmentListOut, operation_id="checkReplenishment",
           summary="Request top-ups of evergreen retainers below their minimum",
           keys=Keys.OPTIONAL, params=_KEY)
def check_replenishment(request: HttpRequest, payload: ReplenishmentCheckIn,
                        idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL
                        ) -> ReplenishmentListOut:
    """One matter, or every evergreen matter the caller sees (firm-wide); the requests made now
    (asking again for the same shortfall adds nothing)."""
    caller = caller_of(request)
    if payload.matter:
        caller.matter(payload.matter)
    else:
        caller.require_firm_wide()
    made = billing_services.replenishment_check(actor=caller.principal, matter=payload.matter,
                                                date=payload.date)
    return ReplenishmentListOut(data=[ReplenishmentOut(**replenishment_document(row))
                                      for row in made])
