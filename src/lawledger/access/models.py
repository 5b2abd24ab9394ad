"""Users (one role each), matter team assignments and ethical walls.

A wall names a user who is screened off a matter whatever their role; the policy checks walls
before roles, so a wall beats admin, auditor and team membership alike.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models

from lawledger.core.access import Role


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user


class User(AbstractBaseUser):
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True, default="")
    role = models.CharField(max_length=16, choices=[(r.value, r.value) for r in Role])
    client = models.ForeignKey("firm.Client", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="portal_users")
    is_active = models.BooleanField(default=True)
    must_change_password = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()

    class Meta:
        db_table = "access_user"
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(role="client") & models.Q(client__isnull=False))
                | (~models.Q(role="client") & models.Q(client__isnull=True)),
                name="access_user_client_iff_portal"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


class MatterAssignment(models.Model):
    matter = models.ForeignKey("firm.Matter", on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments")
    assigned_at = models.DateTimeField()

    class Meta:
        db_table = "access_matter_assignment"
        constraints = [models.UniqueConstraint(fields=["matter", "user"],
                                               name="access_assignment_unique")]


class EthicalWall(models.Model):
    matter = models.ForeignKey("firm.Matter", on_delete=models.CASCADE, related_name="walls")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="walls")
    reason = models.CharField(max_length=300)
    raised_at = models.DateTimeField()

    class Meta:
        db_table = "access_ethical_wall"
        constraints = [models.UniqueConstraint(fields=["matter", "user"], name="access_wall_unique")]
