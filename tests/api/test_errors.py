"""API conventions and hostile input: one error shape, unknown fields refused (A6), allow-listed
sort and filter parameters (C1), size limits (C5), generic server errors (A9), cursor pages,
amounts as strings with their currency, and no integer key ever leaving the server."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from lawledger.core.access import Role
from lawledger.firm.models import Client, Matter
from lawledger.ledger.models import JournalEntry
from tests import factories
from tests.api.support import BASE, Api, mint

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> Api:
    factories.trust_firm()
    return Api(mint(factories.user(Role.ADMIN, email="admin@firm.example")))


def _deposit(**changes: Any) -> dict[str, Any]:
    return {"matter": "M-0001", "account": "IOLTA", "amount": "100.00", "currency": "USD",
            "date": "2026-03-10", "payor": "Acme Corp", **changes}


def _assert_error_shape(body: Any) -> None:
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "param"}
    assert isinstance(body["error"]["code"], str) and isinstance(body["error"]["message"], str)


def test_every_refusal_has_the_one_error_shape(api: Api) -> None:
    answers = {
        401: Api().get("/matters"),
        403: Api(mint(factories.user(Role.PARALEGAL), ["matters:read"])).get("/trust/listing"),
        404: api.get("/matters/M-9999"),
        405: Api(api.token).client.delete(BASE + "/matters",
                                          headers={"Authorization": f"Bearer {api.token}"}),
        409: api.post("/trust/disbursements", {
            "matter": "M-0001", "account": "IOLTA", "amount": "1.00", "currency": "USD",
            "date": "2026-03-10", "payee": "Court clerk"}, key="shape-409"),
        413: api.post("/trust/deposits", raw="x" * (1024 * 1024 + 1), key="shape-413"),
        422: api.post("/trust/deposits", _deposit(amount=100), key="shape-422"),
        400: api.get("/matters", {"sort": "nope"}),
    }
    for status, answer in answers.items():
        code = getattr(answer, "status", None) or answer.status_code
        body = answer.body if hasattr(answer, "body") else json.loads(answer.content)
        assert code == status, (status, body)
        _assert_error_shape(body)
    assert Api().get("/no/such/path").error["code"] == "not_found"
    assert Api().client.get("/api/v2/matters").status_code == 404


@pytest.mark.parametrize("field", ["status", "client_id", "matter_id", "total_minor",
                                   "created_by", "amount_minor", "recorded_by"])
def test_an_unknown_field_is_refused_by_name_and_nothing_changes(api: Api, field: str) -> None:
    answer = api.post("/trust/deposits", _deposit(**{field: "final"}), key=f"a6-{field}")
    assert answer.status == 422
    assert answer.error == {"code": "unknown_field", "message": f"{field}: unknown field",
                            "param": field}
    matter = api.post("/matters", {"client": "C-0001", "title": "x", field: 1})
    assert (matter.status, matter.error["param"]) == (422, field)
    assert JournalEntry.objects.count() == 0
    assert Matter.objects.count() == 1


def test_values_of_the_wrong_type_are_refused_naming_the_field(api: Api) -> None:
    cases = [({"amount": 100}, "amount"), ({"amount": "1e3"}, "amount"),
             ({"amount": "-5.00"}, "amount"), ({"amount": "NaN"}, "amount"),
             ({"date": 20260310}, "date"), ({"date": "2026-13-45"}, "date"),
             ({"currency": "usd"}, "currency"), ({"payor": "a\x00b"}, "payor"),
             ({"matter": ["M-0001"]}, "matter"), ({"method": "bitcoin"}, "method")]
    for number, (change, field) in enumerate(cases):
        answer = api.post("/trust/deposits", _deposit(**change), key=f"type-{number}")
        assert (answer.status, answer.error["param"]) == (422, field), (change, answer.body)
    assert JournalEntry.objects.count() == 0


def test_an_amount_in_another_currency_than_the_accounts_is_refused(api: Api) -> None:
    answer = api.post("/trust/deposits", _deposit(currency="EUR"), key="eur")
    assert (answer.status, answer.error["code"], answer.error["param"]) == (
        409, "currency_mismatch", "currency")
    assert JournalEntry.objects.count() == 0


@pytest.mark.parametrize("sort", ["amount;DROP TABLE firm_matter", "' OR 1=1--",
                                  ") UNION SELECT password FROM access_user--", "number,id",
                                  "-", "client__name", "pk"])
def test_an_unknown_sort_key_is_400_naming_the_parameter(api: Api, sort: str) -> None:
    for path in ("/matters", "/clients"):
        answer = api.get(path, {"sort": sort})
        assert (answer.status, answer.error["code"], answer.error["param"]) == (
            400, "invalid_parameter", "sort")
    assert Matter.objects.count() == 1


@pytest.mark.parametrize("search", ["' OR 1=1--", "%", "_", "M-0001' UNION SELECT 1--"])
def test_a_search_is_text_never_sql(api: Api, search: str) -> None:
    answer = api.get("/matters", {"q": search})
    assert answer.status == 200
    assert answer.body["data"] == []


def test_unknown_and_malformed_parameters_are_refused_by_name(api: Api) -> None:
    cases = [({"status": "deleted"}, "status"), ({"limit": "0"}, "limit"),
             ({"limit": "101"}, "limit"), ({"limit": "ten"}, "limit"),
             ({"cursor": "!!"}, "cursor"), ({"cursor": "bm90IGEgY3Vyc29y"}, "cursor"),
             ({"client_id": "1"}, "client_id"), ({"format": "csv"}, "format")]
    for params, name in cases:
        answer = api.get("/matters", params)
        assert (answer.status, answer.error["param"]) == (400, name), (params, answer.body)


def test_a_body_over_the_limit_is_413_before_it_is_read(api: Api) -> None:
    answer = api.post("/trust/deposits", raw=json.dumps(_deposit(memo="x" * (1024 * 1024))),
                      key="big")
    assert (answer.status, answer.error["code"]) == (413, "request_too_large")
    assert JournalEntry.objects.count() == 0


@pytest.mark.parametrize("raw", ["{", "[" * 100_000 + "]" * 100_000, '{"payor": "\\ud800"}',
                                 "\xff\xfe", "null", "[]", '"text"'])
def test_a_body_that_is_not_a_json_object_is_refused(api: Api, raw: str) -> None:
    answer = api.post("/trust/deposits", raw=raw, key="bad-json")
    assert answer.status in (400, 422)
    _assert_error_shape(answer.body)
    assert JournalEntry.objects.count() == 0


def test_path_ids_that_cannot_exist_are_plain_404s(api: Api) -> None:
    for ref in ("%00", "..%2f..%2fetc", "M-0001%00", "x" * 65, "%E2%80%AE", "'%20OR%201=1"):
        answer = Api(api.token).client.get(f"{BASE}/matters/{ref}",
                                           headers={"Authorization": f"Bearer {api.token}"})
        assert answer.status_code == 404, ref
        _assert_error_shape(json.loads(answer.content))


def test_a_server_error_says_nothing_of_its_cause(api: Api, monkeypatch: Any) -> None:
    from lawledger.firm import queries

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail: Canary Client 991")

    monkeypatch.setattr(queries, "matters_for", boom)
    answer = api.get("/matters")
    assert answer.status == 500
    assert answer.body == {"error": {"code": "internal_error", "param": None,
                                     "message": "something went wrong on our side"}}
    assert answer.headers["Cache-Control"] == "no-store"


def test_responses_are_never_cached(api: Api) -> None:
    for answer in (api.get("/matters"), Api().get("/matters"), api.get("/nope")):
        assert answer.headers["Cache-Control"] == "no-store"


def _walk(value: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [item for key, child in value.items() for item in _walk(child, f"{path}.{key}")]
    if isinstance(value, list):
        return [item for child in value for item in _walk(child, path + "[]")]
    return [(path, value)]


def test_ids_are_prefixed_public_ids_and_amounts_are_strings(api: Api) -> None:
    posted = api.post("/trust/deposits", _deposit(), key="ids")
    matter = posted.body["matter"]["id"]
    bodies = [posted.body, api.get(f"/matters/{matter}").body,
              api.get(f"/matters/{matter}/ledger").body, api.get("/clients").body,
              api.get("/bank-accounts").body, api.get("/trust/listing").body,
              api.get(f"/trust/entries/{posted.body['id']}").body]
    for body in bodies:
        for path, value in _walk(body):
            name = path.rsplit(".", 1)[-1].removesuffix("[]")
            if name == "id" or name.endswith("_id"):
                assert isinstance(value, str) and re.match(r"^[a-z]{2,4}_[0-9a-z]{16}$", value), path
            if name in ("amount", "balance", "running_balance", "total", "opening_balance"):
                assert isinstance(value, str) and re.match(r"^-?[0-9]+(\.[0-9]+)?$", value), path
            assert not isinstance(value, float), path
    assert posted.body["amount"] == "100.00" and posted.body["currency"] == "USD"


def test_lists_page_with_an_opaque_cursor_in_every_allowed_order(api: Api) -> None:
    for number in range(2, 8):
        factories.matter("C-0001", f"Matter {9 - number}")
    for sort in ("number", "-number", "title", "-title", "opened_on", "-opened_on"):
        seen: list[str] = []
        cursor = None
        while True:
            params = {"sort": sort, "limit": "3", **({"cursor": cursor} if cursor else {})}
            page = api.get("/matters", params)
            assert page.status == 200, page.body
            seen += [row["number"] for row in page.body["data"]]
            cursor = page.body["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == [f"M-{n:04d}" for n in range(1, 8)], sort
        assert len(set(seen)) == 7
    first = api.get("/matters", {"sort": "title", "limit": "2"}).body["next_cursor"]
    other = api.get("/matters", {"sort": "number", "cursor": first})
    assert (other.status, other.error["param"]) == (400, "cursor")
    clients = api.get("/clients", {"limit": "1"})
    assert len(clients.body["data"]) == 1 and clients.body["next_cursor"] is None
    assert Client.objects.count() == 1
