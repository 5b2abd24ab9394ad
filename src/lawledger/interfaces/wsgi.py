"""The WSGI application (gunicorn serves it via `lawledger serve`)."""

from __future__ import annotations

from lawledger import bootstrap

bootstrap.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
