"""The jurisdiction packs at work in a firm: defaults, due dates, retention, residual balances,
client notices and report shapes. The rules themselves live in `lawledger.core.jurisdictions`."""
