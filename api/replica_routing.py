"""Routing reads to replicas at the HTTP edge: read-your-writes positions in and out, and one retry on the primary.

- A write (POST, PUT, PATCH, DELETE) that succeeds answers only after its transaction committed, with the primary's
  WAL position in ``X-VetMap-LSN``; a browser also gets it as the ``vetmap_lsn`` cookie, and a bearer token's
  holder has it noted in the app (by the token's digest). Later reads by that writer go to a replica only once it
  has replayed that position (api/deps.py chooses); a client of another app process may send the header's value
  back as ``X-VetMap-Min-LSN``.
- A read served by a replica that fails before any byte is sent (the 503 of a lost connection) is taken again once
  on the primary, and the replica is taken out for the back-off period: the user sees no error.
"""

from __future__ import annotations

from contextlib import suppress

from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.headers import bearer_token, request_cookies
from geo.database.replicas import ReplicaSet, WriterNotes, format_lsn, parse_lsn

LSN_COOKIE = "vetmap_lsn"
LSN_HEADER = "X-VetMap-LSN"
MIN_LSN_HEADER = "X-VetMap-Min-LSN"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# keys in the request's state (request.state.<key> in api/deps.py)
STATE_MIN_LSN = "vetmap_min_lsn"
STATE_REPLICA = "vetmap_replica"
STATE_PRIMARY_ONLY = "vetmap_primary_only"


class ReplicaRoutingMiddleware:
    """ASGI middleware: the writer's WAL position on writes, its minimum position on reads, the primary retry."""

    def __init__(self, app: ASGIApp, replicas: ReplicaSet, notes: WriterNotes, cookie_max_age_s: int) -> None:
        self.app = app
        self.replicas = replicas
        self.notes = notes
        self.cookie_max_age_s = cookie_max_age_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif scope["method"] in SAFE_METHODS:
            await self._read(scope, receive, send)
        else:
            await self._write(scope, receive, send)

    def _min_lsn(self, headers: Headers) -> int | None:
        """The writer's position from the header (malformed: ValueError), the cookie and the bearer note."""
        found = []
        given = headers.get(MIN_LSN_HEADER)
        if given:
            found.append(parse_lsn(given))
        cookie = request_cookies(headers).get(LSN_COOKIE)
        if cookie:
            with suppress(ValueError):  # a cookie we did not write: ignored
                found.append(parse_lsn(cookie))
        token = bearer_token(headers)
        noted = self.notes.lsn_of(token) if token else None
        if noted is not None:
            found.append(noted)
        return max(found, default=None)

    async def _read(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            min_lsn = self._min_lsn(Headers(scope=scope))
        except ValueError:
            answer = JSONResponse(
                {"detail": f"{MIN_LSN_HEADER} must be a WAL position such as 0/16B3748 (from {LSN_HEADER})"},
                400,
            )
            await answer(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state[STATE_MIN_LSN] = min_lsn
        retry = False

        async def send_unless_replica_failed(message: Message) -> None:
            nonlocal retry
            if (
                message["type"] == "http.response.start"
                and message["status"] == 503
                and state.get(STATE_REPLICA)
            ):
                retry = True  # nothing has gone out yet: hold the 503 back and ask the primary
            if not retry:
                await send(message)

        await self.app(scope, receive, send_unless_replica_failed)
        if retry:
            self.replicas.mark_down(state[STATE_REPLICA], "a read on it failed; answered by the primary")
            again = {**scope, "state": {**state, STATE_REPLICA: None, STATE_PRIMARY_ONLY: True}}
            await self.app(again, _no_body(receive), send)

    async def _write(self, scope: Scope, receive: Receive, send: Send) -> None:
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        # the transaction of a request commits after its handler has answered: the answer waits for the commit,
        # so the position read below includes this write (and nothing is acknowledged that was not committed)
        await self.app(scope, receive, hold)
        if held and held[0]["type"] == "http.response.start" and held[0]["status"] < 400:
            lsn = await run_in_threadpool(self.replicas.current_primary_lsn, True)
            if lsn is not None:
                self._remember(scope, held[0], lsn)
        for message in held:
            await send(message)

    def _remember(self, scope: Scope, start: Message, lsn: int) -> None:
        headers = MutableHeaders(scope=start)
        text = format_lsn(lsn)
        headers.append(LSN_HEADER, text)
        token = bearer_token(Headers(scope=scope))
        if token:
            self.notes.remember(token, lsn)
            return
        secure = "; Secure" if scope.get("scheme") == "https" else ""
        headers.append(
            "set-cookie",
            f"{LSN_COOKIE}={text}; Max-Age={self.cookie_max_age_s}; Path=/; HttpOnly; SameSite=Lax{secure}",
        )


def _no_body(receive: Receive) -> Receive:
    """A receive channel for taking a bodiless request again: an empty body, then the client's own messages."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return await receive()

    return again
