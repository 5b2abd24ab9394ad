"""Damaged copies of the corpus files (truncated, bytes flipped, junk inserted, a slice cut out):
each is parsed or refused with a StatementRejected/StatementMalformed, never a traceback."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lawledger.core.formats.detect import parse_statement
from lawledger.core.formats.statement import StatementMalformed, StatementRejected
from tests.core.formats.test_corpus import CORPUS, FILES

FORMAT_FOLDERS = ("ofx", "camt053", "bai2", "mt940", "csv")


@pytest.mark.skipif(not FILES, reason="shared/corpus is not beside the repository")
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_damaged_corpus_file_is_refused_by_name_never_with_a_traceback(data: st.DataObject) -> None:
    assert CORPUS is not None
    name = data.draw(st.sampled_from([n for n in FILES if n.split("/")[0] in FORMAT_FOLDERS]))
    original = (CORPUS / name).read_bytes()
    damage = data.draw(st.sampled_from(["truncate", "flip", "insert", "cut"]))
    at = data.draw(st.integers(min_value=0, max_value=len(original)))
    if damage == "truncate":
        damaged = original[:at]
    elif damage == "flip":
        damaged = original[:at] + bytes([data.draw(st.integers(0, 255))]) + original[at + 1 :]
    elif damage == "insert":
        junk = data.draw(
            st.sampled_from(
                [
                    b"1e309",
                    b"NaN",
                    b"1,234.5.6",
                    b"\x00",
                    b"<",
                    b"/",
                    b",",
                    b"\n",
                    b":61:",
                    b"?20",
                    b"<!DOCTYPE x [<!ENTITY e 'e'>]>",
                ]
            )
        )
        damaged = original[:at] + junk + original[at:]
    else:
        end = data.draw(st.integers(min_value=at, max_value=len(original)))
        damaged = original[:at] + original[end:]
    folder = name.split("/")[0]
    format = data.draw(st.sampled_from(["auto", folder]))
    with contextlib.suppress(StatementRejected, StatementMalformed):
        parse_statement(damaged, format=format, default_currency=data.draw(st.sampled_from([None, "USD"])))
