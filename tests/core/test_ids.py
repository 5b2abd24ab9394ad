"""Public ids: prefixed, 16 digits of the lower-case Crockford alphabet, 80 random bits."""

from __future__ import annotations

from collections import Counter

from lawledger.core.ids import looks_like_public_id, new_public_id


def test_a_public_id_is_the_prefix_and_sixteen_crockford_digits() -> None:
    ids = [new_public_id("je") for _ in range(2000)]
    assert all(looks_like_public_id(public_id, "je") for public_id in ids)
    assert {len(public_id) for public_id in ids} == {19}
    assert len(set(ids)) == 2000


def test_every_digit_of_the_alphabet_is_used_and_no_other() -> None:
    digits = Counter(ch for _ in range(2000) for ch in new_public_id("mt")[3:])
    assert set(digits) == set("0123456789abcdefghjkmnpqrstvwxyz")
