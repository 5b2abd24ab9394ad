"""Encryption at rest (I11): a key ring of data keys wrapped by a master key, and an AEAD field."""
