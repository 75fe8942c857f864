"""Property-based API test: Schemathesis generates requests from /api/v1/openapi.json; no answer may be a 5xx.

Every GET operation is exercised, and the POST operations that only read (polygon queries and
protection-zone checks), as the anonymous public, with a bounded number of examples per operation;
the OGC API – Features document (/ogc/api) is run the same way.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from api.app import create_app
from geo.settings import SecuritySettings, Settings

EXAMPLES_PER_OPERATION = 12
READ_ONLY_POSTS = r"POST /api/v1/(\{collection\}/within|protection-zones/check)$"


@pytest.fixture(scope="module")
def fuzzed_app(settings: Settings, demo_counts: dict[str, int]) -> Iterator[FastAPI]:
    """The app over the demo atlas with rate limits off (the fuzzer posts far faster than a person)."""
    security = SecuritySettings(rate_limit_requests=0, login_rate_limit_requests=0)
    with TestClient(create_app(settings, security)) as client:
        yield client.app


def _operations(app: FastAPI, document: str, name_regex: str) -> list:
    schema = schemathesis.openapi.from_asgi(document, app).include(name_regex=name_regex)
    return [result.ok() for result in schema.get_all_operations()]


def _server_errors(operations: list) -> dict[str, str]:
    """Each operation's first 5xx (shrunk by Hypothesis), by operation label."""
    failures: dict[str, str] = {}
    for operation in operations:
        cases = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
        )

        @given(case=cases)
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def call(case) -> None:
            case.call_and_validate(checks=[not_a_server_error])

        try:
            call()
        except Exception as exc:  # every operation is tried; the failures are reported together
            failures[operation.label] = str(exc)[:2000]
    return failures


def _report(failures: dict[str, str]) -> str:
    return "\n\n".join(f"{label}:\n{reason}" for label, reason in failures.items())


def test_no_api_operation_answers_with_a_server_error(fuzzed_app: FastAPI) -> None:
    operations = _operations(fuzzed_app, "/api/v1/openapi.json", rf"^(GET |{READ_ONLY_POSTS})")
    assert len(operations) > 20
    failures = _server_errors(operations)
    assert not failures, _report(failures)


def test_no_ogc_operation_answers_with_a_server_error(fuzzed_app: FastAPI) -> None:
    operations = _operations(fuzzed_app, "/ogc/api", r"^GET ")
    assert len(operations) > 20
    failures = _server_errors(operations)
    assert not failures, _report(failures)
