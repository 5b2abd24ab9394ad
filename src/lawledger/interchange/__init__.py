"""Files for other accounting tools: general-ledger CSV, QuickBooks IIF and Xero-style CSV."""
