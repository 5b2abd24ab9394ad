"""API tokens for integrations (scoped, client-limited, expiring, revocable, hashed at rest) and the
API's idempotency records."""
