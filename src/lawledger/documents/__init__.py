"""Documents and attachments: encrypted files attached to matters, clients, trust entries, bank
statements, expenses and invoices, kept in versions, served only through the access policy."""
