from django.db import migrations

from lawledger.db.triggers import make_append_only, run_sql
from lawledger.ledger.triggers_sql import postgresql_sql, reverse_sql, sqlite_sql


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial"), ("audit", "0002_append_only")]
    operations = [
        run_sql({"sqlite": sqlite_sql(), "postgresql": postgresql_sql()},
                {"sqlite": reverse_sql("sqlite"), "postgresql": reverse_sql("postgresql")}),
        make_append_only("ledger_journal_entry", "ledger_posting", "ledger_period_lock",
                         "ledger_deposit_clearance", "ledger_idempotency_key"),
    ]
