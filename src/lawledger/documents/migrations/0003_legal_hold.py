from django.db import migrations

from lawledger.db.triggers import run_sql
from lawledger.documents.triggers_sql import hold_reverse_sql, hold_sql


class Migration(migrations.Migration):
    dependencies = [("documents", "0002_backstops"), ("privacy", "0001_initial")]
    operations = [
        run_sql({"sqlite": hold_sql("sqlite"), "postgresql": hold_sql("postgresql")},
                {"sqlite": hold_reverse_sql("sqlite"),
                 "postgresql": hold_reverse_sql("postgresql")}),
    ]
