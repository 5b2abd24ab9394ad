from django.urls import include, path

urlpatterns = [
    path("api/", include("lawledger.interfaces.api.urls")),
    path("", include("lawledger.interfaces.web.urls")),
]
