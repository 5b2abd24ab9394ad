"""The `lawledger` command line: a stable contract (DESIGN.md) for scripts and people."""
