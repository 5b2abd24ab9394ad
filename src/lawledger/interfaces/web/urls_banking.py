"""URLs of the banking pages, mounted at /banking/ (namespace "banking")."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from lawledger.interfaces.web import views_banking as views

app_name = "banking"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("reconciliations/<str:ref>/pdf/", views.reconciliation_pdf, name="pdf"),
    path("<str:account>/import/", views.statement_upload, name="import"),
    path("<str:account>/match/", views.workbench, name="workbench"),
    path("<str:account>/match/auto/", views.auto_match, name="auto_match"),
    path("<str:account>/match/confirm/", views.confirm, name="confirm"),
    path("<str:account>/match/undo/", views.unmatch, name="unmatch"),
    path("<str:account>/match/manual/", views.manual_match, name="manual_match"),
    path("<str:account>/bank-only/propose/", views.propose, name="propose"),
    path("<str:account>/bank-only/decide/", views.proposal, name="proposal"),
    path("<str:account>/reconcile/", views.reconcile, name="reconcile"),
]
