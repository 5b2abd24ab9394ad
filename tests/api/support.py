"""Helpers for the API tests: tokens minted through the service, and a JSON client for /api/v1."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.test import Client

from lawledger.apitokens.scopes import Scope
from lawledger.core.access import Principal
from tests.factories import OPERATOR

BASE = "/api/v1"
ALL_SCOPES = tuple(str(scope) for scope in Scope)


def mint(principal: Principal, scopes: tuple[str, ...] | list[str] | None = None, *,
         clients: list[str] | None = None, days: int | None = None, name: str = "test") -> str:
    """A token for `principal` with every scope its role may hold (or the ones named)."""
    from lawledger.apitokens.scopes import role_scopes
    from lawledger.apitokens.services import token_create

    wanted = scopes if scopes is not None else [str(s) for s in role_scopes(principal.role)]
    _, text = token_create(actor=OPERATOR, name=name, scopes=wanted, clients=clients,
                           expires_in_days=days, owner_email=principal.label)
    return text


@dataclass
class Answer:
    status: int
    body: Any
    headers: Any
    raw: bytes

    @property
    def error(self) -> dict[str, Any]:
        assert isinstance(self.body, dict) and "error" in self.body, self.body
        return self.body["error"]  # type: ignore[no-any-return]


class Api:
    """The API as an integration sees it: a bearer token on each request."""

    def __init__(self, token: str | None = None, client: Client | None = None) -> None:
        self.token = token
        self.client = client or Client()

    def _headers(self, key: str | None, extra: dict[str, str] | None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.token is not None:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    @staticmethod
    def _answer(response: Any) -> Answer:
        raw = response.content
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        return Answer(response.status_code, body, response.headers, raw)

    def get(self, path: str, params: dict[str, Any] | None = None, *, key: str | None = None,
            headers: dict[str, str] | None = None) -> Answer:
        return self._answer(self.client.get(BASE + path, params or {},
                                            headers=self._headers(key, headers)))

    def post(self, path: str, body: Any = None, *, key: str | None = None,
             headers: dict[str, str] | None = None, raw: bytes | str | None = None) -> Answer:
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self._answer(self.client.post(BASE + path, data=data,
                                             content_type="application/json",
                                             headers=self._headers(key, headers)))

    def call(self, method: str, path: str, body: Any = None, *, key: str | None = None) -> Answer:
        if method == "get":
            return self.get(path, key=key)
        return self.post(path, body, key=key)
