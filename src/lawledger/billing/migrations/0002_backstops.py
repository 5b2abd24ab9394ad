from django.db import migrations

from lawledger.billing.triggers_sql import APPEND_ONLY, postgresql_sql, reverse_sql, sqlite_sql
from lawledger.db.triggers import make_append_only, run_sql


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial"), ("audit", "0002_append_only"),
                    ("ledger", "0002_backstops")]
    operations = [
        run_sql({"sqlite": sqlite_sql(), "postgresql": postgresql_sql()},
                {"sqlite": reverse_sql("sqlite"), "postgresql": reverse_sql("postgresql")}),
        make_append_only(*APPEND_ONLY),
    ]
