"""Data keys, each wrapped (AES-256-GCM) by the master key; the plaintext key never touches disk."""

from __future__ import annotations

from django.db import models


class DataKey(models.Model):
    key_id = models.CharField(max_length=16, unique=True)
    wrapped_key = models.BinaryField()
    is_primary = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "crypto_datakey"
        constraints = [
            models.UniqueConstraint(fields=["is_primary"], condition=models.Q(is_primary=True),
                                    name="crypto_one_primary_key"),
        ]

    def __str__(self) -> str:
        return self.key_id
