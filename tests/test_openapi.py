"""The OpenAPI document matches what the service answers: schemathesis, with all its default checks, against the real app.

Reasoned exceptions (each a property of a check, not of the service):
- `positive_data_acceptance` is off: a schema cannot say which bytes are an image, so generated
  "valid" uploads are random bytes, rightly refused (415/422).
- GET / (the page for people) is not in the schema.
Examples per operation are kept small so that `make test` stays quick; `make fuzz` runs more.
"""
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from api.main import create_app

app = create_app()
schema = schemathesis.openapi.from_asgi('/openapi.json', app)
EXAMPLES = int(os.environ.get('ARTCOLOR_SCHEMATHESIS_EXAMPLES', '25'))


@pytest.fixture(scope='module', autouse=True)
def running_app():
    from fastapi.testclient import TestClient
    with TestClient(app):                  # runs the lifespan: the model is loaded once for every case
        yield


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_matches_its_schema(case):
    case.call_and_validate(excluded_checks=[schemathesis.checks.positive_data_acceptance])
