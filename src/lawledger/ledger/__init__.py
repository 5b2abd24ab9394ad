"""The trust ledger engine: bank accounts, journal entries, client ledgers and their rules."""
