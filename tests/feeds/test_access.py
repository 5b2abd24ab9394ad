"""Who may add, run and watch bank feeds, over the role matrix: adding is firm management
(admin); running imports statement lines (admin, bookkeeper); the status is a firm report
(admin, bookkeeper, auditor). A refusal changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from lawledger.banking.feeds.models import Feed
from lawledger.banking.feeds.queries import feeds_status
from lawledger.banking.feeds.services import feed_add, feed_sync
from lawledger.core.errors import PermissionDenied
from tests import factories
from tests.access_matrix import EXPECTED_VIEW, build_matrix
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db

ADDERS = {"admin", "admin_walled"}
RUNNERS = {"admin", "admin_walled", "bookkeeper"}
WATCHERS = {"admin", "admin_walled", "bookkeeper", "auditor"}


@pytest.mark.parametrize("who", sorted(set(EXPECTED_VIEW) - {"anonymous"}))
def test_feeds_follow_the_policy_for(who: str, tmp_path: Path) -> None:
    matrix = build_matrix()
    factories.trust_account()
    factories.trust_account("Second")
    principal = matrix.principals[who]
    assert principal is not None
    feed = feed_add(actor=OPERATOR, account="IOLTA", connector="file_drop",
                    settings={"folder": str(tmp_path)})["id"]
    outcomes = {}
    for name, act in (
            ("add", lambda: feed_add(actor=principal, account="Second", connector="file_drop",
                                     settings={"folder": str(tmp_path)})),
            ("run", lambda: feed_sync(actor=principal, feed=feed)),
            ("watch", lambda: feeds_status(principal))):
        try:
            act()
            outcomes[name] = True
        except PermissionDenied:
            outcomes[name] = False
    assert outcomes == {"add": who in ADDERS, "run": who in RUNNERS, "watch": who in WATCHERS}
    assert Feed.objects.count() == (2 if who in ADDERS else 1)
