"""URLs of the billing pages, mounted at /billing/ (namespace "billing")."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "billing"
urlpatterns: list[URLPattern | URLResolver] = []
