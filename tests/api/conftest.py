"""Fixtures of the API tests: the role-matrix firm with money on its matters, and tokens."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests import factories
from tests.access_matrix import Matrix, build_matrix


@dataclass
class MoneyFirm:
    matrix: Matrix
    account_id: str          # the IOLTA trust account's public id
    entry_m: str             # a deposit on matter M
    entry_n: str             # a deposit on matter N
    matter_m_id: str
    matter_n_id: str


@pytest.fixture
def firm() -> MoneyFirm:
    """The role matrix (tests/access_matrix.py), an IOLTA and an operating account, 500.00 on M
    and 250.00 on N."""
    from lawledger.access.policy import get_matter
    from lawledger.ledger.accounts import get_bank_account

    matrix = build_matrix()
    factories.firm(uncleared_funds="off")
    factories.trust_account()
    factories.operating_account()
    on_m = factories.deposit(matrix.matter, "500.00", payor="Canary Payor 7731").entry.public_id
    on_n = factories.deposit(matrix.other_matter, "250.00").entry.public_id
    return MoneyFirm(matrix, get_bank_account("IOLTA").public_id, on_m, on_n,
                     get_matter(factories.OPERATOR, matrix.matter).public_id,
                     get_matter(factories.OPERATOR, matrix.other_matter).public_id)
