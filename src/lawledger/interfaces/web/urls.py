from django.urls import include, path

from lawledger.interfaces.web import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("", views.home, name="home"),
    path("matters/", views.matter_list, name="matter_list"),
    path("matters/<str:number>/", views.matter_detail, name="matter_detail"),
    path("matters/<str:number>/ledger/", views.client_ledger, name="client_ledger"),
    path("trust/", views.trust_listing, name="trust_listing"),
    path("trust/journal/<str:account>/", views.trust_journal, name="trust_journal"),
    path("banking/", include("lawledger.interfaces.web.urls_banking")),
    path("billing/", include("lawledger.interfaces.web.urls_billing")),
]
