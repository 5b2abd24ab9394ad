"""EncryptedTextField: confidential free text stored AES-256-GCM sealed, bound to its row.

Values read from the database stay sealed until the attribute is read on a model instance, which
opens them with associated data `<table>.<column>:<public_id>`. Writing plain text through
`QuerySet.update()` or filtering by plain text is refused: plaintext never reaches the database.
A model with encrypted fields has a `public_id` (set before the first save) and a
`PUBLIC_ID_PREFIX`.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.query_utils import DeferredAttribute

from lawledger.core.ids import new_public_id
from lawledger.crypto.keyring import KEYRING


class Sealed:
    """A ciphertext token as loaded from the database, not yet opened."""

    __slots__ = ("token",)

    def __init__(self, token: str) -> None:
        self.token = token

    def __repr__(self) -> str:
        return "<Sealed>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sealed) and other.token == self.token

    def __hash__(self) -> int:
        return hash(self.token)


class PublicIdField(models.CharField):  # type: ignore[type-arg]
    """A prefixed random id, set before the row is first written (and before any sealed field).

    Declare it before encrypted fields: Django prepares column values in field order, and the
    sealed values are bound to this id.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 24)
        kwargs.setdefault("unique", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        return ensure_public_id(model_instance)


def ensure_public_id(instance: models.Model) -> str:
    public_id = getattr(instance, "public_id", None)
    if not public_id:
        prefix = getattr(type(instance), "PUBLIC_ID_PREFIX", None)
        if prefix is None:
            raise TypeError(f"{type(instance).__name__} needs a PUBLIC_ID_PREFIX")
        public_id = new_public_id(prefix)
        instance.public_id = public_id  # type: ignore[attr-defined]
    return str(public_id)


def row_key(instance: models.Model) -> str:
    return ensure_public_id(instance)


def associated_data(instance: models.Model, field: models.Field[Any, Any]) -> bytes:
    return column_aad(instance._meta.db_table, field.column, row_key(instance))


def column_aad(db_table: str, column: str | None, public_id: str) -> bytes:
    """The associated data binding a sealed value to its table, column and row (F5)."""
    return f"{db_table}.{column}:{public_id}".encode()


class EncryptedAttribute(DeferredAttribute):
    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Sealed):
            value = KEYRING.open(value.token, associated_data(instance, self.field))
            instance.__dict__[self.field.attname] = value
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        # A data descriptor: without __set__ a loaded (sealed) value in the instance's __dict__
        # would shadow __get__ and be returned unopened.
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    descriptor_class = EncryptedAttribute

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return None if value is None else Sealed(value)

    def to_python(self, value: Any) -> Any:
        return value

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = model_instance.__dict__.get(self.attname)
        if value is None or isinstance(value, Sealed):
            return value
        if not isinstance(value, str):
            raise TypeError(f"{self.name}: encrypted fields hold text, not {type(value).__name__}")
        return Sealed(KEYRING.seal(value, associated_data(model_instance, self)))

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, Sealed):
            return value.token
        raise TypeError(f"{self.name} is encrypted: it cannot be written or searched as plain text")

    # Pattern lookups (icontains, startswith, regex, …) skip get_prep_value and would quietly
    # search the ciphertext with plain text; only these mean something on a sealed column.
    ALLOWED_LOOKUPS = frozenset({"isnull", "exact", "in"})

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in self.ALLOWED_LOOKUPS:
            raise TypeError(f"{self.name} is encrypted: it cannot be searched with "
                            f"'{lookup_name}'")
        return super().get_lookup(lookup_name)

    def value_to_string(self, obj: models.Model) -> str:
        raise TypeError("encrypted fields are not serialised in plain text")
