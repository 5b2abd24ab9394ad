"""Append-only registers, and the settings the firm chose before the packs kept track."""

from typing import Any

from django.db import migrations

from lawledger.db.triggers import make_append_only

_NOT_PACK_DEFAULTS = ("jurisdiction", "name")


def remember_earlier_choices(apps: Any, schema_editor: Any) -> None:
    """Settings set through `firm set` before this migration are the firm's own choices."""
    audit_record = apps.get_model("audit", "AuditRecord")
    firm_settings = apps.get_model("firm", "FirmSettings")
    origin = apps.get_model("jurisdictions", "SettingOrigin")
    row = firm_settings.objects.filter(id=1).first()
    jurisdiction = row.jurisdiction if row is not None else "aba"
    seen = set()
    for record in audit_record.objects.filter(event="firm.setting_changed").order_by("seq"):
        key = record.object_id
        if key in seen or key in _NOT_PACK_DEFAULTS:
            continue
        seen.add(key)
        origin.objects.create(key=key, origin="firm", jurisdiction=jurisdiction,
                              value=str((record.details or {}).get("new", ""))[:200],
                              set_by=record.actor[:254], set_at=record.recorded_at)


class Migration(migrations.Migration):
    dependencies = [("jurisdictions", "0001_initial"), ("ledger", "0002_backstops"),
                    ("audit", "0002_append_only"), ("firm", "0001_initial")]
    operations = [
        migrations.RunPython(remember_earlier_choices, migrations.RunPython.noop),
        make_append_only("jurisdictions_setting_origin", "jurisdictions_residual_payment",
                         "jurisdictions_client_notice"),
    ]
