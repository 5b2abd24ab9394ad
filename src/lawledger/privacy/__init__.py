"""Confidentiality guards around client data: alerts on unusual access, legal holds, consents."""
