from django.urls import include, path

urlpatterns = [
    path("", include("lawledger.interfaces.web.urls")),
]
