"""The REST API (django-ninja) at /api/v1: calls services and queries only, like every interface."""
