"""B7 cross-site request forgery from a second loopback origin, and B10 stored script in client
data, both in a real browser."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.test import Client

from lawledger.audit.models import AuditRecord
from lawledger.ledger.models import JournalEntry
from tests import factories
from tests.browser import browser_page
from tests.mfa import login, login_page
from tests.security.auth.support import firm

BOOKKEEPER = "bookkeeper@firm.example"


@contextmanager
def attacker_site(html: str) -> Iterator[str]:
    """Serve one page from 127.0.0.2, another origin (and site) than the app's."""
    body = html.encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return

    server = http.server.HTTPServer(("127.0.0.2", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.2:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def _deposit_fields(matter: str) -> str:
    fields = {"account": "IOLTA", "date": "2026-03-10", "amount": "999.00", "payor": "Mallory",
              "method": "wire", "reference": "x", "memo": "forged"}
    return "".join(f'<input name="{k}" value="{v}">' for k, v in fields.items())


@pytest.mark.django_db(transaction=True)
@pytest.mark.browser
def test_a_form_and_a_fetch_from_another_origin_post_nothing(live_server: Any) -> None:
    matrix = firm()
    factories.trust_account("IOLTA")
    base = str(live_server).replace("127.0.0.1", "localhost")
    target = f"{base}/matters/{matrix.matter}/trust/deposit/"
    page_html = (f'<html><body><form id="f" method="post" action="{target}">'
                 f'{_deposit_fields(matrix.matter)}</form>'
                 f'<script>fetch("{target}", {{method: "POST", credentials: "include", '
                 f'mode: "no-cors", body: "amount=5"}});'
                 f'document.getElementById("f").submit();</script></body></html>')
    before = JournalEntry.objects.count()
    with browser_page() as page, attacker_site(page_html) as evil:
        login_page(page, base, BOOKKEEPER)
        responses: list[int] = []
        page.on("response", lambda r: responses.append(r.status) if r.url == target else None)
        page.goto(evil)
        page.wait_for_load_state("networkidle")
        assert responses and all(status in (302, 403) for status in responses)
    assert JournalEntry.objects.count() == before


@pytest.mark.django_db
def test_a_signed_in_post_without_the_csrf_token_is_refused() -> None:
    matrix = firm()
    factories.trust_account("IOLTA")
    browser = Client(enforce_csrf_checks=True)
    login(browser, BOOKKEEPER)
    answer = browser.post(f"/matters/{matrix.matter}/trust/deposit/",
                          {"account": "IOLTA", "date": "2026-03-10", "amount": "10.00",
                           "payor": "P", "method": "wire"})
    assert answer.status_code == 403
    assert JournalEntry.objects.count() == 0
    assert browser.post("/logout/").status_code == 403  # logout is a POST with a token too
    assert browser.get("/logout/").status_code in (403, 405)  # and never a GET


HOSTILE = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'


@pytest.mark.django_db(transaction=True)
@pytest.mark.browser
def test_a_client_name_with_markup_is_shown_as_text_and_never_runs(live_server: Any) -> None:
    factories.firm()
    factories.user("bookkeeper", email=BOOKKEEPER)
    client = factories.client(HOSTILE)
    matter = factories.matter(client, 'Title <a href="javascript:alert(1)">x</a>')
    base = str(live_server).replace("127.0.0.1", "localhost")
    with browser_page() as page:
        login_page(page, base, BOOKKEEPER)
        for path in ("/matters/", f"/matters/{matter}/"):
            page.goto(f"{base}{path}")
            assert page.evaluate("window.pwned === undefined"), path
            assert HOSTILE in page.locator("main").inner_text(), path
            assert page.locator("main a[href^='javascript:']").count() == 0, path
    assert AuditRecord.objects.exists()
