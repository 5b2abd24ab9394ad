"""Moving a firm onto lawledger: clients, matters and opening trust balances from CSV."""
