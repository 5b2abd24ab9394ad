"""Keyed checkpoints (F1): the head's HMAC and an append-only checkpoint table.

An existing chain is sealed as it stands when this migration runs (with the firm's master key).
"""

from typing import Any

from django.db import migrations, models

from lawledger.db.triggers import make_append_only


def seal_existing_chain(apps: Any, schema_editor: Any) -> None:
    from lawledger.audit.checkpoints import CHECKPOINT_EVERY, checkpoint_mac

    head_model = apps.get_model("audit", "AuditHead")
    record_model = apps.get_model("audit", "AuditRecord")
    checkpoint_model = apps.get_model("audit", "AuditCheckpoint")
    head = head_model.objects.filter(id=1).first()
    if head is None or head.seq == 0:
        return
    for seq, digest in record_model.objects.filter(seq__lte=head.seq).values_list("seq", "hash"):
        if seq % CHECKPOINT_EVERY == 0:
            checkpoint_model.objects.create(seq=seq, hash=digest, mac=checkpoint_mac(seq, digest))
    head_model.objects.filter(id=1).update(mac=checkpoint_mac(head.seq, head.hash))


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]
    operations = [
        migrations.AddField(
            model_name="audithead", name="mac",
            field=models.CharField(blank=True, default="", max_length=64)),
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("seq", models.BigIntegerField(unique=True)),
                ("hash", models.CharField(max_length=64)),
                ("mac", models.CharField(max_length=64)),
            ],
            options={"db_table": "audit_checkpoint"},
        ),
        migrations.RunPython(seal_existing_chain, migrations.RunPython.noop),
        make_append_only("audit_checkpoint"),
    ]
