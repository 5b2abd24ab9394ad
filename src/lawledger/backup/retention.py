"""Which backups to keep: daily, weekly and monthly generations (grandfather–father–son).

For each rule the newest backup of each of the N most recent periods that have a backup is kept
(days; ISO weeks; calendar months, in UTC); a backup kept by any rule stays, and the newest
backup is always kept whatever the counts. Everything else may be pruned. Pure: names and times
in, names out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from lawledger.backup.archive import BACKUP_NAME


@dataclass(frozen=True)
class Keep:
    daily: int = 7
    weekly: int = 5
    monthly: int = 12

    def __post_init__(self) -> None:
        if min(self.daily, self.weekly, self.monthly) < 0:
            raise ValueError("keep counts are never negative")


def created_at(name: str) -> dt.datetime | None:
    """The creation time written into a backup's file name, or None for any other file."""
    match = BACKUP_NAME.match(name)
    if match is None:
        return None
    stamp = match.group(1)
    layout = "%Y%m%dT%H%M%S.%fZ" if "." in stamp else "%Y%m%dT%H%M%SZ"
    return dt.datetime.strptime(stamp, layout).replace(tzinfo=dt.UTC)


def _newest_per_period(backups: list[tuple[str, dt.datetime]], count: int,
                       period: Callable[[dt.datetime], Hashable]) -> set[str]:
    kept: set[str] = set()
    seen: set[Hashable] = set()
    for name, when in backups:  # newest first
        key = period(when)
        if key in seen:
            continue
        if len(seen) == count:
            break
        seen.add(key)
        kept.add(name)
    return kept


def plan(backups: list[tuple[str, dt.datetime]], keep: Keep) -> tuple[list[str], list[str]]:
    """(kept, pruned) names, each newest first."""
    ordered = sorted(backups, key=lambda item: (item[1], item[0]), reverse=True)
    if not ordered:
        return [], []
    kept = {ordered[0][0]}
    kept |= _newest_per_period(ordered, keep.daily, lambda when: when.date())
    kept |= _newest_per_period(ordered, keep.weekly, lambda when: when.isocalendar()[:2])
    kept |= _newest_per_period(ordered, keep.monthly, lambda when: (when.year, when.month))
    return ([name for name, _ in ordered if name in kept],
            [name for name, _ in ordered if name not in kept])
