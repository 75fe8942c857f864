"""The route template that serves a request (``/api/v1/stations/{site_id}``, never the ids): the name metrics and
access logs give a request, so their label sets stay bounded."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.types import Scope

UNMATCHED = "unmatched"
"""The label of a request no route matches (404s, probes for paths we never served)."""
STATE_KEY = "route_template"
"""Where a request's template is kept in ``scope["state"]`` once known (both middlewares read it)."""


@dataclass(frozen=True)
class _Candidate:
    """One route as the matcher needs it: its place in the routing order, path pattern, methods, template."""

    order: int
    regex: re.Pattern[str]
    methods: frozenset[str] | None
    template: str


def _first_segment(path: str) -> str:
    return path.split("/", 2)[1] if path.startswith("/") else ""


class RouteTemplates:
    """Names requests by the template of their route; the table is built from the app's routes on first use.

    A request FastAPI routed carries its route object: one dictionary look-up names it. Others (a mount such as
    the static assets, a plain route, a path no route matches, or a request whose scope a middleware copied
    before routing) are matched against the routes whose first path segment fits, in the router's order.
    """

    def __init__(self, app: FastAPI) -> None:
        self._app = app
        self._built = False
        self._by_route: dict[int, str] = {}
        self._by_segment: dict[str, list[_Candidate]] = {}
        self._wild: list[_Candidate] = []

    def _build(self) -> None:
        templates: defaultdict[int, set[str]] = defaultdict(set)
        literal: defaultdict[str, list[_Candidate]] = defaultdict(list)
        wild: list[_Candidate] = []
        for order, context in enumerate(iter_route_contexts(self._app.routes)):
            template, regex = context.path_format, getattr(context, "path_regex", None)
            if not template or regex is None:
                continue
            templates[id(context.original_route)].add(template)
            methods = frozenset(context.methods) if getattr(context, "methods", None) else None
            candidate = _Candidate(order, regex, methods, template)
            segment = _first_segment(template)
            (wild if "{" in segment else literal[segment]).append(candidate)
        # a route object included under two prefixes has two templates: its requests are matched instead
        self._by_route = {key: next(iter(found)) for key, found in templates.items() if len(found) == 1}
        self._by_segment = {
            segment: sorted(found + wild, key=lambda c: c.order) for segment, found in literal.items()
        }
        self._wild = wild
        self._built = True

    def _match(self, scope: Scope) -> str:
        path: str = scope.get("path", "")
        # a mount has moved root_path to its own prefix by now; app_root_path keeps the app's
        root = scope.get("app_root_path", scope.get("root_path", ""))
        if root and path.startswith(root):
            path = path[len(root) :]
        method = scope.get("method")
        partial = None
        for candidate in self._by_segment.get(_first_segment(path), self._wild):
            if candidate.regex.match(path) is None:
                continue
            if candidate.methods is None or method in candidate.methods:
                return candidate.template
            partial = partial or candidate.template  # the path is known, the method is not allowed (405)
        return partial or UNMATCHED

    def template(self, scope: Scope) -> str:
        """The template of the route that served (or would serve) ``scope``; ``UNMATCHED`` when none does."""
        state = scope.setdefault("state", {})
        known = state.get(STATE_KEY)
        if known is not None:
            return known
        if not self._built:
            self._build()
        route = scope.get("route")  # set by FastAPI's router on the scope it was given
        found = self._by_route.get(id(route)) if route is not None else None
        if found is None:
            found = self._match(scope)
        state[STATE_KEY] = found
        return found
