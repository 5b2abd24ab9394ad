from django.db import migrations

from lawledger.db.triggers import run_sql
from lawledger.privacy import triggers_sql


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial"), ("ledger", "0002_backstops")]
    operations = [
        run_sql({"sqlite": triggers_sql.sqlite_sql(), "postgresql": triggers_sql.postgresql_sql()},
                {"sqlite": triggers_sql.reverse_sql("sqlite"),
                 "postgresql": triggers_sql.reverse_sql("postgresql")}),
    ]
