"""Oversight pages at /admin/: open alerts and the auditor's audit-log search.

The names are global (no namespace): base.html shows the Admin link once `admin_home` exists.
"""

from django.urls import path

from lawledger.interfaces.web import views_admin

urlpatterns = [
    path("", views_admin.admin_home, name="admin_home"),
    path("audit/", views_admin.audit_search, name="admin_audit"),
    path("alerts/<int:alert_id>/acknowledge/", views_admin.acknowledge_alert,
         name="admin_alert_acknowledge"),
]
