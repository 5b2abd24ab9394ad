"""schemathesis against the API's own OpenAPI schema, in process through WSGI, with a real token.

Every operation is called with generated requests, valid and invalid; every answer must be a
status the schema declares for that operation, in the declared shape, and never a server error.
Examples are bounded (and derandomized, so a run is repeatable) to keep this well under a minute
per engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from lawledger.core.access import Role
from tests import factories
from tests.api.support import mint

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 10
# A request can match the schema and still be refused by a rule the schema cannot express: an
# amount with more decimals than its currency has, a cursor this list never gave out, a name of
# spaces only. Those answers (400, 422) are still checked to be declared, in the error shape.
CONFIG = schemathesis.config.SchemathesisConfig.from_dict({"checks": {
    "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404", "409",
                                                        "422"]}}})


@pytest.fixture
def api_token() -> str:
    """A firm with money on a matter, and an admin's token holding every scope."""
    money = factories.trust_firm()
    factories.operating_account()
    factories.deposit(money["matter"], "900.00")
    return mint(factories.user(Role.ADMIN, email="schemathesis@firm.example"))


def _schema() -> Any:
    """The schema the API serves to signed-in staff (read here without a request: collection runs
    before any database exists), exercised through the WSGI application in process."""
    from django.core.handlers.wsgi import WSGIHandler

    from lawledger.interfaces.api.app import api

    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=CONFIG)
    loaded.app = WSGIHandler()
    return loaded


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """A WSGI request closes the database connection when it ends; the test's transaction lives
    on that connection, so keep it open, as Django's own test client does."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


schema = _schema()


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_to_its_schema(case: Any, api_token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {api_token}"})
