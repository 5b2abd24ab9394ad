from django.db import migrations

from lawledger.db.triggers import make_append_only, run_sql
from lawledger.documents.triggers_sql import postgresql_sql, reverse_sql, sqlite_sql


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial"), ("audit", "0002_append_only")]
    operations = [
        # lawledger_append_only() (PostgreSQL) and the maintenance table come with the audit app.
        make_append_only("documents_version"),
        run_sql({"sqlite": sqlite_sql(), "postgresql": postgresql_sql()},
                {"sqlite": reverse_sql("sqlite"), "postgresql": reverse_sql("postgresql")}),
    ]
