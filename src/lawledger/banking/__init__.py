"""Bank statements: import, matching to journal entries, and three-way reconciliation."""
