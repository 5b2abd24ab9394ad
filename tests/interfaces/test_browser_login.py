"""A person logs in through a real browser and sees only the matters the policy allows."""

from __future__ import annotations

import pytest

from tests.access_matrix import build_matrix
from tests.browser import browser_page, screenshot
from tests.mfa import login_page

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_an_attorney_logs_in_and_sees_only_permitted_matters(live_server: object) -> None:
    matrix = build_matrix()
    attorney = matrix.principals["attorney_assigned"]
    assert attorney is not None
    with browser_page() as page:
        page.goto(f"{live_server}/matters/")
        assert "/login/" in page.url
        login_page(page, str(live_server), attorney.label)
        page.wait_for_url(f"{live_server}/matters/")
        rows = page.locator("table.matters tbody tr")
        numbers = [rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())]
        screenshot(page, "attorney-matters")
        assert numbers == [matrix.matter]
        page.goto(f"{live_server}/matters/{matrix.other_matter}/")
        assert page.locator("h1").count() == 0 or matrix.other_matter not in page.content()
        page.goto(f"{live_server}/matters/{matrix.matter}/")
        assert page.locator("h1").inner_text().startswith(matrix.matter)
        screenshot(page, "attorney-matter-page")


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
        live_server: object) -> None:
    build_matrix()
    with browser_page() as page:
        page.goto(f"{live_server}/login/")
        page.get_by_label("E-mail").fill("nobody@firm.example")
        page.get_by_label("Password").fill("wrong password here")
        page.get_by_role("button", name="Sign in").click()
        assert page.get_by_role("alert").inner_text() == (
            "Your e-mail and password did not match. Try again.")
