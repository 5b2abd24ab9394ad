"""Refuse to start without a working master key (F7): never serve ciphertext, never write plain."""

from __future__ import annotations

from typing import Any

from django.core import checks

from lawledger.crypto.master import MasterKeyError, load_master_key


@checks.register(checks.Tags.security, deploy=False)
def master_key_present(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        load_master_key()
    except MasterKeyError as exc:
        return [checks.Error(str(exc), id="lawledger.E001")]
    return []
