from django.db import migrations

from lawledger.apitokens.triggers_sql import postgresql_sql, reverse_sql, sqlite_sql
from lawledger.db.triggers import run_sql


class Migration(migrations.Migration):
    dependencies = [("apitokens", "0001_initial"), ("audit", "0002_append_only")]
    operations = [
        run_sql({"sqlite": sqlite_sql(), "postgresql": postgresql_sql()},
                {"sqlite": reverse_sql("sqlite"), "postgresql": reverse_sql("postgresql")}),
    ]
