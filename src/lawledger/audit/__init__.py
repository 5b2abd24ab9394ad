"""The audit chain (I8): append-only, hash-chained records of every change and confidential read."""
