"""Built-in CSV profiles, recognising a file's layout by its header, and Firefly III configs.

The built-in profiles describe real bank exports (the layouts in the test corpus: Capital One,
Schwab, UBS, GLS, ING España, N26, Outbank, Payoneer, PC Mastercard, Mint). A file with a header
is matched to the one profile whose named columns it all has. Firefly III's import configurations
(a JSON list of column roles) convert to a profile by `profile_from_firefly`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from lawledger.core.formats.csv_profiles import (
    ColumnRef,
    CsvProfile,
    CsvProfileInvalid,
    SignConvention,
)
from lawledger.core.formats.statement import StatementMalformed
from lawledger.core.formats.text import decode_text

_OUT = SignConvention.MONEY_OUT_POSITIVE

BUILTIN_PROFILES: dict[str, CsvProfile] = {p.name: p for p in (
    CsvProfile(name="generic-iso", date_column="Date", amount_column="Amount",
               description_columns=("Description",)),
    CsvProfile(name="capitalone", date_column="Posted Date", debit_column="Debit",
               credit_column="Credit", description_columns=("Description",)),
    CsvProfile(name="creditunion", date_column="Date", date_format="%m/%d/%y", amount_column="Amount",
               check_number_column="Check Number", description_columns=("Description",),
               sign_convention=_OUT),
    CsvProfile(name="gls", delimiter=";", date_column="Buchungstag", date_format="%d.%m.%Y",
               value_date_column="Wertstellung", amount_column="Betrag", currency="EUR",
               decimal_separator=",", thousands_separator=".",
               counterparty_column="Auftraggeber/Empfänger",
               description_columns=("Buchungstext", *(f"VWZ{i}" for i in range(1, 15)))),
    CsvProfile(name="ing-es", date_column="date", date_format="%d/%m/%Y", amount_column="amount",
               currency="EUR", description_columns=("desc",)),
    CsvProfile(name="mint-headerless", has_header=False, date_column=0, date_format="%m/%d/%y",
               amount_column=3, direction_column=4, description_columns=(1,)),
    CsvProfile(name="n26", date_column="Booking Date", value_date_column="Value Date",
               amount_column="Amount (EUR)", currency="EUR", counterparty_column="Partner Name",
               description_columns=("Payment Reference",)),
    CsvProfile(name="outbank", delimiter=";", date_column="Date", date_format="%m/%d/%y",
               value_date_column="Value Date", amount_column="Amount", currency="EUR",
               decimal_separator=",", thousands_separator=".", counterparty_column="Name",
               description_columns=("Reason",), reference_column="SEPA Reference"),
    CsvProfile(name="payoneer", date_column="Transaction Date", date_format="%m/%d/%Y",
               debit_column="Debit Amount", credit_column="Credit Amount",
               description_columns=("Description",), reference_column="Transaction ID"),
    CsvProfile(name="pc-mastercard", date_column="Date", date_format="%m/%d/%Y", amount_column="Amount",
               currency="CAD", counterparty_column="Merchant Name", sign_convention=_OUT),
    CsvProfile(name="schwab-checking", date_column="Date", date_format="%m/%d/%Y",
               debit_column="Withdrawal", credit_column="Deposit", check_number_column="CheckNumber",
               description_columns=("Description",)),
    CsvProfile(name="ubs-ch-fr", delimiter=";", date_column="Date de valeur", date_format="%d.%m.%Y",
               debit_column="Débit", credit_column="Crédit", currency="CHF", thousands_separator="'",
               description_columns=("Description 1", "Description 2", "Description 3"),
               reference_column="N° de transaction"),
)}


def builtin_profile(name: str) -> CsvProfile:
    try:
        return BUILTIN_PROFILES[name]
    except KeyError:
        known = ", ".join(sorted(BUILTIN_PROFILES))
        raise CsvProfileInvalid(f"no built-in CSV profile {name!r} (known: {known})",
                                param="profile") from None


def match_builtin_profile(data: bytes) -> CsvProfile:
    """The built-in profile whose named columns are all in the file's header row.

    The most specific match wins (the one naming the most columns); a tie, or no match, is refused:
    the user must then choose or build a profile.
    """
    matches: list[tuple[int, CsvProfile]] = []
    for profile in BUILTIN_PROFILES.values():
        if not profile.has_header:
            continue
        header = _header_of(data, profile)
        if header is None:
            continue
        keys = {" ".join(cell.replace("\ufeff", "").split()).casefold() for cell in header}
        named = {ref.casefold() for ref in profile.referenced_columns() if isinstance(ref, str)}
        if named <= keys:
            matches.append((len(named), profile))
    matches.sort(key=lambda pair: -pair[0])
    if not matches:
        raise StatementMalformed("this CSV layout is not one lawledger knows: choose or build a CSV "
                                 "profile naming its date and amount columns", param="profile")
    if len(matches) > 1 and matches[0][0] == matches[1][0]:
        names = " or ".join(p.name for _, p in matches[:2])
        raise StatementMalformed(f"this CSV layout fits several profiles ({names}): choose one",
                                 param="profile")
    return matches[0][1]


def _header_of(data: bytes, profile: CsvProfile) -> list[str] | None:
    head = data[:65536]
    try:
        text = decode_text(head, profile.encoding)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=profile.delimiter)
        for _ in range(profile.skip_rows):
            next(reader, None)
        for row in reader:
            if any(cell.strip() for cell in row):
                return row
    except (StatementMalformed, csv.Error):
        return None
    return None


_FIREFLY_DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t"}
_PHP_DATE_CODES = {"d": "%d", "j": "%d", "m": "%m", "n": "%m", "Y": "%Y", "y": "%y"}


def _firefly_date_format(php_format: str) -> str:
    parts: list[str] = []
    for char in php_format:
        if char.isalpha():
            if char not in _PHP_DATE_CODES:
                raise CsvProfileInvalid(f"Firefly date format {php_format!r}: {char!r} is not supported",
                                        param="date")
            parts.append(_PHP_DATE_CODES[char])
        else:
            parts.append(char)
    return "".join(parts)


def profile_from_firefly(config: Mapping[str, Any], *, name: str, currency: str,
                         decimal_separator: str = ".", thousands_separator: str = ",") -> CsvProfile:
    """A CsvProfile from a Firefly III CSV import configuration (its "roles" list, by position).

    Firefly configs carry no currency or number style, so the caller gives them. The booking date
    is `date_book` when present, else `date_transaction`; the value date the other (or
    `date_interest`).
    """
    roles = config.get("roles")
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise CsvProfileInvalid("a Firefly III config needs a 'roles' list", param="roles")
    delimiter = _FIREFLY_DELIMITERS.get(str(config.get("delimiter", "comma")))
    if delimiter is None:
        raise CsvProfileInvalid(f"Firefly delimiter {config.get('delimiter')!r} is not supported",
                                param="delimiter")

    def first(*wanted: str) -> int | None:
        return next((index for index, role in enumerate(roles) if role in wanted), None)

    posted = first("date_book") if first("date_book") is not None else first("date_transaction")
    if posted is None:
        raise CsvProfileInvalid("the Firefly config has no date column", param="roles")
    value_candidates = [first(role) for role in ("date_transaction", "date_interest")]
    value_date = next((i for i in value_candidates if i is not None and i != posted), None)
    amount, negated = first("amount"), first("amount_negated")
    descriptions: tuple[ColumnRef, ...] = tuple(i for i, role in enumerate(roles) if role == "description")
    return CsvProfile(
        name=name, date_column=posted, date_format=_firefly_date_format(str(config.get("date", "Y-m-d"))),
        currency=currency, amount_column=amount if amount is not None else negated,
        debit_column=first("amount_debit") if amount is None and negated is None else None,
        credit_column=first("amount_credit") if amount is None and negated is None else None,
        delimiter=delimiter, has_header=bool(config.get("headers", True)),
        description_columns=descriptions, counterparty_column=first("opposing-name"),
        reference_column=first("internal_reference", "external-id"), value_date_column=value_date,
        decimal_separator=decimal_separator, thousands_separator=thousands_separator,
        sign_convention=_OUT if amount is None and negated is not None else SignConvention.MONEY_IN_POSITIVE)
