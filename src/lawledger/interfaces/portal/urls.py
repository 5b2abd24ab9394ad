"""/portal/: the client portal (namespace "portal")."""

from django.urls import path

from lawledger.interfaces.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("invitation/<str:token>/", views.accept_invitation, name="invitation"),
    path("matters/<str:number>/", views.matter, name="matter"),
    path("matters/<str:number>/statement.pdf", views.statement_pdf, name="statement_pdf"),
    path("matters/<str:number>/messages/", views.messages, name="messages"),
    path("invoices/<str:invoice_id>/", views.invoice, name="invoice"),
    path("invoices/<str:invoice_id>/pdf/", views.invoice_pdf, name="invoice_pdf"),
]
