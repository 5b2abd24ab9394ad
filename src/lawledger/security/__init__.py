"""Second factors (TOTP, recovery codes, passkeys) and the record of live login sessions."""
