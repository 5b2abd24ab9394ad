"""Live bank feeds: connectors that fetch new statement lines since a cursor, fed through the same
import, deduplication and matching as statement files (`lawledger.banking.imports`)."""
