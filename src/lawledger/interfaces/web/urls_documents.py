"""URLs of the document pages, mounted at /documents/ (namespace "documents")."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from lawledger.interfaces.web import views_documents as views

app_name = "documents"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("settings/", views.upload_limit, name="settings"),
    path("missing/", views.missing, name="missing"),
    path("missing/csv/", views.missing_csv, name="missing_csv"),
    path("d/<str:document>/", views.detail, name="detail"),
    path("d/<str:document>/download/", views.download, name="download_latest"),
    path("d/<str:document>/v<int:version>/download/", views.download, name="download"),
    path("d/<str:document>/delete/", views.delete, name="delete"),
    path("<str:kind>/<str:ref>/", views.subject, name="subject"),
]
