"""URLs of the billing pages, mounted at /billing/ (namespace "billing")."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from lawledger.interfaces.web import views_billing as views
from lawledger.interfaces.web import views_billing_invoices as invoices

app_name = "billing"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("time/", views.time_entry, name="time"),
    path("expenses/", views.expenses, name="expenses"),
    path("receipts/<str:ref>/", views.receipt, name="receipt"),
    path("payments/", views.payments, name="payments"),
    path("reports/wip/", views.wip, name="wip"),
    path("reports/aging/", views.aging, name="aging"),
    path("invoices/", invoices.invoices, name="invoices"),
    path("invoices/<str:ref>/", invoices.invoice, name="invoice"),
    path("invoices/<str:ref>/approve/", invoices.approve, name="approve"),
    path("invoices/<str:ref>/finalize/", invoices.finalize, name="finalize"),
    path("invoices/<str:ref>/discount/", invoices.discount, name="discount"),
    path("invoices/<str:ref>/remove-line/", invoices.remove_line, name="remove_line"),
    path("invoices/<str:ref>/delete/", invoices.delete, name="delete"),
    path("invoices/<str:ref>/pay/", invoices.pay, name="pay"),
    path("invoices/<str:ref>/credit/", invoices.credit, name="credit"),
    path("invoices/<str:ref>/write-off/", invoices.write_off, name="write_off"),
    path("invoices/<str:ref>/pdf/", invoices.pdf, name="pdf"),
    path("invoices/<str:ref>/ledes/", invoices.ledes, name="ledes"),
]
