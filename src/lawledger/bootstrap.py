"""Start Django for the command line, the web server and the tests, the same way each time."""

from __future__ import annotations

import os


def setup() -> None:
    from django.apps import apps

    if apps.ready:
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lawledger.settings")
    import django

    django.setup()
