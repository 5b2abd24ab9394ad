"""URLs of the banking pages, mounted at /banking/ (namespace "banking")."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "banking"
urlpatterns: list[URLPattern | URLResolver] = []
