from django.urls import include, path

urlpatterns = [
    path("api/", include("lawledger.interfaces.api.urls")),
    path("portal/", include("lawledger.interfaces.portal.urls")),
    path("portal-messages/", include("lawledger.interfaces.portal.urls_staff")),
    path("", include("lawledger.interfaces.web.urls")),
]
