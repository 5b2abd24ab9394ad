"""The role-matrix firm with money on matter M, shared by the trust web tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests import factories
from tests.access_matrix import Matrix, build_matrix

CANARY_PAYOR = "Canary Payor 7731"


@pytest.fixture
def matrix() -> Matrix:
    built = build_matrix()
    factories.trust_account()
    factories.operating_account()
    factories.deposit(built.matter, "500.00", payor=CANARY_PAYOR, memo="canary memo 4412")
    factories.deposit(built.other_matter, "250.00", payor="Other payor")
    return built


@pytest.fixture
def first_entry(matrix: Matrix) -> Any:
    from lawledger.ledger.queries import client_ledger_report

    return client_ledger_report(factories.OPERATOR, matrix.matter, "IOLTA")["entries"][0]["id"]
