"""The request's principal as a dependency: who is asking (anonymous until authentication says otherwise)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from geo.principal import PUBLIC, Principal


async def get_principal(request: Request) -> Principal:
    """The caller of this request; the anonymous public when no credentials were presented."""
    return getattr(request.state, "principal", PUBLIC)


PrincipalDep = Annotated[Principal, Depends(get_principal)]
