"""The role-matrix firm with money on matter M (and on the other matter N), for the pack tests."""

from __future__ import annotations

import pytest

from tests import factories
from tests.access_matrix import Matrix, build_matrix


@pytest.fixture
def matrix() -> Matrix:
    built = build_matrix()
    factories.trust_account()
    factories.deposit(built.matter, "500.00", date="2026-03-02", payor="Canary Payor 7731")
    factories.deposit(built.other_matter, "250.00", date="2026-03-03", payor="Other payor")
    return built
