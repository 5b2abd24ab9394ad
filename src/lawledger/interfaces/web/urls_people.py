"""The firm's people at /people/ (namespace people)."""

from django.urls import path

from lawledger.interfaces.web import views_people

app_name = "people"
urlpatterns = [
    path("", views_people.people_home, name="home"),
    path("role/", views_people.change_role, name="change_role"),
]
