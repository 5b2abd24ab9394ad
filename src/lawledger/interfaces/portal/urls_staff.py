"""/portal-messages/: the firm's side of the portal in the staff web app (namespace
"portal_messages"): the inbox of client messages, a matter's thread, portal invitations."""

from django.urls import path

from lawledger.interfaces.portal import views_staff

app_name = "portal_messages"

urlpatterns = [
    path("", views_staff.inbox, name="home"),
    path("invite/", views_staff.invite, name="invite"),
    path("matters/<str:number>/", views_staff.thread, name="thread"),
]
