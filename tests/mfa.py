"""Signing a test user in as the web app's login flow would leave them: password checked and,
once MFA is enforced, a verified second factor on the session.

Web tests call `login(browser, email)` rather than `Client.login` or `force_login`, so that the
login flow can grow (MFA, lockout) without every web test learning its steps.
"""

from __future__ import annotations

from django.test import Client

from lawledger.access.models import User


def login(browser: Client, email: str) -> User:
    """Sign `email` in on the Django test client `browser` and return the user."""
    user = User.objects.get(email=email)
    browser.force_login(user)
    return user
