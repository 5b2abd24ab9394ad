from django.db import migrations

from lawledger.banking.triggers_sql import postgresql_sql, reverse_sql, sqlite_sql
from lawledger.db.triggers import make_append_only, run_sql


class Migration(migrations.Migration):
    dependencies = [("banking", "0001_initial"), ("ledger", "0002_backstops"),
                    ("audit", "0002_append_only")]
    operations = [
        run_sql({"sqlite": sqlite_sql(), "postgresql": postgresql_sql()},
                {"sqlite": reverse_sql("sqlite"), "postgresql": reverse_sql("postgresql")}),
        make_append_only("banking_statement", "banking_line", "banking_csv_profile",
                         "banking_reconciliation"),
    ]
