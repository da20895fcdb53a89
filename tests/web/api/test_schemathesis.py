"""Schemathesis against the live app (in-process WSGI), from the OpenAPI document it serves.

Every operation gets generated requests, valid and invalid, sent with a valid token that
may write; every answer must be no server error, have a documented status and content type,
match its documented schema, and invalid input must be refused. Examples are limited
(``MAX_EXAMPLES`` per operation and mode) so the run stays near a minute on two cores.

The operations are driven with Hypothesis directly rather than through schemathesis'
pytest plugin, whose per-operation subtests rely on pytest internals that pytest 9 changed.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api_data import bearer, build, token

MAX_EXAMPLES = 12
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection]


@pytest.mark.slow
def test_api_conforms_to_its_openapi_document(app, db, orgs, users):
    build(db, orgs, users)
    headers = bearer(token(db, users["manager"], can_write=True))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 17
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                      derandomize=True, phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                check()
            except (Exception, BaseExceptionGroup) as exc:  # every operation's failures, together
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
