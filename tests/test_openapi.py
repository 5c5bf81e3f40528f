"""The OpenAPI document matches what the service answers: schemathesis, with all its default checks, against the real app.

Reasoned exceptions (each a property of a check, not of the service):
- `positive_data_acceptance` is off: a schema cannot say which bytes are an image, so generated
  "valid" uploads are random bytes, rightly refused (415/422).
- `negative_data_rejection` is off for /classify/batch alone: a multipart part is bytes, so a part
  generated as "an integer" is a file of digits; the batch answers 200 with that file's own 415 in
  its entry, by design (one entry per file). /classify refuses the same part with the 415 itself.
- GET / (the page for people) is not in the schema.
Examples per operation are kept small and fixed (derandomized) so that `make test` stays quick and
repeatable; `make fuzz` runs many more, random ones.
"""
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from api.main import create_app

app = create_app()
schema = schemathesis.openapi.from_asgi('/openapi.json', app)
EXAMPLES = int(os.environ.get('ARTCOLOR_SCHEMATHESIS_EXAMPLES', '25'))
RANDOM = os.environ.get('ARTCOLOR_SCHEMATHESIS_RANDOM') == '1'     # make fuzz: fresh examples each run


@pytest.fixture(scope='module', autouse=True)
def running_app():
    from fastapi.testclient import TestClient
    with TestClient(app):                  # runs the lifespan: the model is loaded once for every case
        yield


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM, suppress_health_check=list(HealthCheck))
def test_api_matches_its_schema(case):
    excluded = [schemathesis.checks.positive_data_acceptance]
    if case.operation.path == '/classify/batch': excluded.append(schemathesis.checks.negative_data_rejection)
    case.call_and_validate(excluded_checks=excluded)
