"""Who is asking: the principal every request acts as (anonymous public, or an account with a role and area)."""

from __future__ import annotations

from dataclasses import dataclass

ROLES: tuple[str, ...] = ("public", "crew", "planner", "admin")
"""Roles from least to most rights; every non-public account is scoped to an area code."""


@dataclass(frozen=True)
class Principal:
    """The caller: account id and name, role, and the area its rights hold in (None: the whole atlas)."""

    user_id: int | None
    username: str
    role: str
    area_code: str | None
    area_prefix: str | None = None
    """Leading digits of every area code inside ``area_code`` (from its level); None: derived from the code."""
    auth_version: int | None = None
    """The account's credentials epoch when these credentials were checked (access tokens and sessions made
    from this principal carry it; a password change, disabling, a new role or area raises it); None: unknown."""

    @property
    def is_public(self) -> bool:
        """True for an anonymous caller."""
        return self.role == "public"


PUBLIC = Principal(user_id=None, username="public", role="public", area_code=None)
"""The anonymous caller."""
