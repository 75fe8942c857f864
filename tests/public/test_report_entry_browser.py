"""The report form can be found from the overview map (issue 22): a memorial's popup offers "report a problem
here", which opens /report with the pin at that memorial. Real Chromium, offline but for 127.0.0.1."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine, text

from tests.browser_pages import WatchedPage

pytestmark = pytest.mark.browser

MEMORIAL = "兰前村革命烈士纪念馆"


def test_a_map_popup_opens_the_report_form_at_its_site(
    watched: WatchedPage, engine: Engine, demo_counts
) -> None:
    with engine.connect() as conn:
        memorial = conn.execute(
            text("SELECT id FROM memorials WHERE name = :n"), {"n": MEMORIAL}
        ).scalar_one()
    page = watched.page
    page.set_viewport_size({"width": 390, "height": 844})
    watched.open("/")
    page.get_by_role("combobox", name=re.compile("查找地点或点位")).fill(MEMORIAL)
    option = page.get_by_role("option").filter(
        has=page.locator(".atlas-result-name", has_text=re.compile(f"^{MEMORIAL}$"))
    )
    option.first.click()
    popup = page.locator(".leaflet-popup-content")
    link = popup.get_by_role("link", name="在此报告问题")
    expect(link).to_have_attribute("href", f"/report?site=memorials/{memorial}")
    link.click()
    page.wait_for_url(re.compile(rf"/report\?site=memorials/{memorial}$"))
    expect(page.locator("#near")).to_contain_text(MEMORIAL)
    expect(page.locator("#map .leaflet-marker-icon")).to_have_count(1)
    watched.assert_clean()
