"""Staff's side of a public report in tests: a public note written on its work order through the API."""

from __future__ import annotations

from fastapi.testclient import TestClient


def add_public_note(client: TestClient, report_id: int, note: str) -> None:
    """Write ``note`` as the public note of report ``report_id`` (its work order), at its current version."""
    current = client.get(f"/api/v1/work-orders/{report_id}").json()
    version = current.get("version", (current.get("properties") or {}).get("version"))
    response = client.patch(
        f"/api/v1/work-orders/{report_id}", json={"public_note": note, "version": version}
    )
    assert response.status_code == 200, response.text
