"""Money: integer minor units plus an ISO 4217 currency (I10). Never float.

Rounding and splitting each go through one named function:
- `round_half_up_div(numerator, denominator)`: integer division rounding halves away from zero;
- `allocate(total, weights)`: split by largest remainder, so the parts always sum back exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lawledger.core.errors import CurrencyMismatch, InvalidInput

# ISO 4217 codes and their minor-unit exponents (the currencies a firm may keep accounts in).
CURRENCY_EXPONENTS: dict[str, int] = {
    "AED": 2, "ARS": 2, "AUD": 2, "BHD": 3, "BRL": 2, "CAD": 2, "CHF": 2, "CLP": 0, "CNY": 2,
    "COP": 2, "CZK": 2, "DKK": 2, "EGP": 2, "EUR": 2, "GBP": 2, "HKD": 2, "HUF": 2, "IDR": 2,
    "ILS": 2, "INR": 2, "IQD": 3, "ISK": 0, "JOD": 3, "JPY": 0, "KRW": 0, "KWD": 3, "LYD": 3,
    "MXN": 2, "MYR": 2, "NGN": 2, "NOK": 2, "NZD": 2, "OMR": 3, "PEN": 2, "PHP": 2, "PKR": 2,
    "PLN": 2, "QAR": 2, "RON": 2, "SAR": 2, "SEK": 2, "SGD": 2, "THB": 2, "TND": 3, "TRY": 2,
    "TWD": 2, "UAH": 2, "USD": 2, "VND": 0, "ZAR": 2,
}

# One amount may not exceed 10^15 minor units: sums of many stay far inside a signed 64-bit column.
MAX_AMOUNT_MINOR = 10**15

# ASCII digits only: \d would also accept other scripts' digits.
_PLAIN = re.compile(r"^(?P<sign>[-+]?)(?P<int>[0-9]+)(?:\.(?P<frac>[0-9]+))?$")
_GROUPED = re.compile(r"^(?P<sign>[-+]?)(?P<int>[0-9]{1,3}(?:,[0-9]{3})+)(?:\.(?P<frac>[0-9]+))?$")


def currency_exponent(code: str) -> int:
    try:
        return CURRENCY_EXPONENTS[code]
    except KeyError:
        raise InvalidInput(f"unknown currency {code!r}: use an ISO 4217 code such as USD",
                           param="currency") from None


def normalize_currency(code: str, *, param: str = "currency") -> str:
    upper = (code or "").strip().upper()
    if upper not in CURRENCY_EXPONENTS:
        raise InvalidInput(f"unknown currency {code!r}: use an ISO 4217 code such as USD",
                           param=param)
    return upper


@dataclass(frozen=True, slots=True, order=False)
class Money:
    minor: int
    currency: str

    def __post_init__(self) -> None:
        if type(self.minor) is not int:  # bool is an int subclass and float must never sneak in
            raise TypeError(f"Money.minor must be int, not {type(self.minor).__name__}")
        if self.currency not in CURRENCY_EXPONENTS:
            raise InvalidInput(f"unknown currency {self.currency!r}", param="currency")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def parse(cls, text: str, currency: str, *, param: str = "amount",
              allow_negative: bool = False, allow_zero: bool = False) -> Money:
        return cls(parse_minor(text, currency, param=param, allow_negative=allow_negative,
                               allow_zero=allow_zero), currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}",
                                   param="currency")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __mul__(self, factor: int) -> Money:
        if type(factor) is not int:
            raise TypeError("Money can only be multiplied by an int; use round_half_up_div for rates")
        return Money(self.minor * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.minor >= other.minor

    def is_zero(self) -> bool:
        return self.minor == 0

    def to_decimal_string(self) -> str:
        return format_minor(self.minor, self.currency)

    def __str__(self) -> str:
        return f"{self.to_decimal_string()} {self.currency}"


def format_minor(minor: int, currency: str) -> str:
    """"1250.00" for 125000 USD; "-0.05"; "1250" for JPY; "1.250" for BHD. Never a float."""
    exponent = currency_exponent(currency)
    sign = "-" if minor < 0 else ""
    digits = str(abs(minor))
    if exponent == 0:
        return sign + digits
    digits = digits.rjust(exponent + 1, "0")
    return f"{sign}{digits[:-exponent]}.{digits[-exponent:]}"


def format_minor_grouped(minor: int, currency: str) -> str:
    """For people: "1,250.00"."""
    plain = format_minor(minor, currency)
    sign = "-" if plain.startswith("-") else ""
    body = plain.lstrip("-")
    whole, _, frac = body.partition(".")
    grouped = f"{int(whole):,}"
    return sign + grouped + ("." + frac if frac else "")


def parse_minor(text: str, currency: str, *, param: str = "amount", allow_negative: bool = False,
                allow_zero: bool = False) -> int:
    """Parse "1250.00", "1,250.00" or "1250" into minor units of `currency`, refusing anything else.

    Floats, exponents, NaN, more decimals than the currency has, misplaced separators and amounts
    beyond MAX_AMOUNT_MINOR are refused with a message naming the field.
    """
    if not isinstance(text, str):
        raise InvalidInput(f"{param}: expected a decimal string such as \"1250.00\"", param=param)
    raw = text.strip()
    match = _PLAIN.match(raw) or _GROUPED.match(raw)
    if match is None:
        raise InvalidInput(f"{param}: {text!r} is not an amount; write it like \"1250.00\"",
                           param=param)
    exponent = currency_exponent(currency)
    frac = match.group("frac") or ""
    if len(frac) > exponent:
        raise InvalidInput(
            f"{param}: {text!r} has {len(frac)} decimals but {currency} has {exponent}", param=param)
    whole = match.group("int").replace(",", "")
    scale: int = 10**exponent
    minor = int(whole) * scale + (int(frac.ljust(exponent, "0")) if exponent else 0)
    if minor > MAX_AMOUNT_MINOR:
        raise InvalidInput(f"{param}: {text!r} is larger than any amount lawledger accepts",
                           param=param)
    if match.group("sign") == "-":
        minor = -minor
    if minor < 0 and not allow_negative:
        raise InvalidInput(f"{param}: must not be negative", param=param)
    if minor == 0 and not allow_zero:
        raise InvalidInput(f"{param}: must be more than zero", param=param)
    return minor


def round_half_up_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, halves away from zero."""
    if denominator == 0:
        raise ZeroDivisionError("round_half_up_div by zero")
    if type(numerator) is not int or type(denominator) is not int:
        raise TypeError("round_half_up_div takes ints only")
    sign = -1 if (numerator < 0) != (denominator < 0) else 1
    n, d = abs(numerator), abs(denominator)
    quotient, remainder = divmod(n, d)
    if remainder * 2 >= d:
        quotient += 1
    return sign * quotient


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` minor units in proportion to `weights` by largest remainder.

    The parts always sum to `total`. Ties in remainder go to the earlier weight, so the result is
    deterministic. Negative totals are split as the mirror of the positive split.
    """
    if not weights:
        raise ValueError("allocate needs at least one weight")
    if any(type(w) is not int or w < 0 for w in weights):
        raise ValueError("allocate weights must be non-negative ints")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise ValueError("allocate needs a positive weight")
    if total < 0:
        return [-part for part in allocate(-total, weights)]
    floors = [total * w // weight_sum for w in weights]
    remainders = [total * w % weight_sum for w in weights]
    left = total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        floors[i] += 1
    return floors


def sum_money(items: Iterable[Money], currency: str) -> Money:
    total = Money.zero(currency)
    for item in items:
        total = total + item
    return total
