"""Fixtures shared by every tier of tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop


def _flush_with_maintenance_window() -> None:
    """Let transactional tests empty append-only tables: flush inside a declared 'purge' window."""
    from django.db import transaction
    from django.db.backends.base.operations import BaseDatabaseOperations

    from lawledger.db.triggers import MAINTENANCE_TABLE

    original = BaseDatabaseOperations.execute_sql_flush
    if getattr(original, "_lawledger", False):
        return

    def execute_sql_flush(self: BaseDatabaseOperations, sql_list: list[str]) -> None:
        connection = self.connection
        # SQLite empties tables one DELETE at a time: keep the flag table for last (it is empty
        # outside windows). PostgreSQL truncates everything in one statement: keep it whole.
        statements = sql_list if connection.vendor == "postgresql" else [
            sql for sql in sql_list if MAINTENANCE_TABLE not in sql]
        with transaction.atomic(using=connection.alias,
                                savepoint=connection.features.can_rollback_ddl):
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("SELECT set_config('lawledger.maintenance', 'purge', true)")
                else:
                    cursor.execute(f"INSERT INTO {MAINTENANCE_TABLE} (mode) VALUES ('purge')")
                for sql in statements:
                    cursor.execute(sql)
                if connection.vendor != "postgresql":
                    cursor.execute(f"DELETE FROM {MAINTENANCE_TABLE}")

    execute_sql_flush._lawledger = True  # type: ignore[attr-defined]
    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]


_flush_with_maintenance_window()


@pytest.fixture(autouse=True)
def _data_key(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every database test starts with a primary data key and an empty key cache."""
    from lawledger.audit import services as audit_services
    from lawledger.crypto.keyring import KEYRING

    KEYRING.reset()
    audit_services.fault_hook = None
    marker = request.node.get_closest_marker("django_db")
    if marker is not None:
        transactional = marker.kwargs.get("transaction", False) or (
            len(marker.args) > 0 and marker.args[0])
        request.getfixturevalue("transactional_db" if transactional else "db")
        from django.db import transaction

        from lawledger.crypto.keyring import ensure_data_key

        with transaction.atomic():
            ensure_data_key()
    yield
    KEYRING.reset()
    audit_services.fault_hook = None
