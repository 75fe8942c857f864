"""Test set-up shared by the crew tests (not a test module): a work order made through the API and assigned to a
crew, as the office does before a crew sees it on the phone."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def make_assigned_order(
    client: TestClient, site_id: int, crew_id: int, title: str, collection: str = "memorials", **fields: Any
) -> dict:
    """A work order of the site (``fields``: priority, due_on, ...) made, triaged and assigned to the crew through
    the API, each step checked: the order as the assignment answers it (version 3)."""
    made = client.post(
        "/api/v1/work-orders", json={"collection": collection, "site_id": site_id, "title": title, **fields}
    )
    assert made.status_code == 201, made.text
    order_id = made.json()["id"]
    for version, body in ((1, {"to": "triaged"}), (2, {"to": "assigned", "assigned_to": crew_id})):
        moved = client.post(f"/api/v1/work-orders/{order_id}/transitions", json={**body, "version": version})
        assert moved.status_code == 200, moved.text
    return moved.json()
