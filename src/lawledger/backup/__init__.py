"""Encrypted, verified, restorable backups."""
