from django.db import migrations

from lawledger.db.triggers import run_sql
from lawledger.portal.triggers_sql import postgresql_sql, reverse_sql, sqlite_sql


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial"), ("audit", "0002_append_only")]

    operations = [
        run_sql({"sqlite": sqlite_sql(), "postgresql": postgresql_sql()},
                {"sqlite": reverse_sql("sqlite"), "postgresql": reverse_sql("postgresql")}),
    ]
