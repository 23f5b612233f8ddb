"""The API fuzzed from its own OpenAPI description: no 5xx, every answer as described."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from pwa.store import accounts
from tests.pwa.support import add_people, assert_error, bearer, sign_in
from tests.reliability import summary

EXAMPLES = 25
# the handbook's upload is a tar.gz: sent as the bytes the fuzzer makes, like a photo
schemathesis.serializer.alias("application/gzip", "application/octet-stream")
# checks that do not fit the protocol by design, with the reason
EXCLUDED = {
    # a push answers 200 with a per-record status: invalid records come back "rejected"
    ("POST", "/api/v1/records"): [negative_data_rejection],
    # a photo is named by the sha256 of its bytes; no schema can say a body must match it
    ("PUT", "/api/v1/blobs/{sha256}"): [positive_data_acceptance],
    # a publish is a tar.gz of a built site; the fuzzer's bytes are not one (400)
    ("POST", "/api/v1/handbook/versions"): [positive_data_acceptance],
}


def _token(app) -> str:
    with app.extensions["dutybook.engine"].begin() as conn:
        user_id = accounts.user_id_of(conn, "admin")
        return accounts.issue_token(conn, user_id, "fuzzer", 24)[0]


def test_the_api_holds_to_its_description(sqlite_app):
    fuzz(sqlite_app, EXAMPLES, "schemathesis")


@pytest.mark.soak
def test_the_api_fuzzed_twenty_times_longer(sqlite_app):
    fuzz(sqlite_app, EXAMPLES * 20, "schemathesis_soak")


def fuzz(sqlite_app, examples: int, name: str) -> None:
    add_people(sqlite_app)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", sqlite_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    failures: list[str] = []
    cases = {"operations": len(operations), "examples": 0, "by_status": {}, "no_negative_cases": []}
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(mode))
            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def run(case) -> None:
                # a fresh token per case: the fuzzer may well revoke the one it holds
                # (the matrix tests cover callers without one)
                headers = {"Authorization": f"Bearer {_token(sqlite_app)}"}
                response = case.call(headers=headers)
                cases["examples"] += 1
                name = (case.operation.method.upper(), case.operation.path)
                key = f"{name[0]} {name[1]} {response.status_code}"
                cases["by_status"][key] = cases["by_status"].get(key, 0) + 1
                assert response.status_code < 500, (case.as_curl_command(), response.text)
                excluded = EXCLUDED.get(name, [])
                case.validate_response(response, headers=headers, excluded_checks=excluded)

            try:
                run()
            except Unsatisfiable:
                # nothing in this operation can be made invalid (no parameters, no body)
                assert mode == GenerationMode.NEGATIVE
                cases["no_negative_cases"].append(f"{operation.method.upper()} {operation.path}")
            except BaseExceptionGroup as exc:
                failures.append(f"{operation.method.upper()} {operation.path} {mode}: {exc}")
    assert failures == [], "\n".join(failures)
    # 12, the phone's handover sheet, the records' export and the site's day, and publishing:
    # the upload, the versions, going back and what changed
    assert cases["operations"] == 19
    summary.record("fuzz", name, cases)


# what the fuzzer found, pinned: a token id that is not a number, or past the column's range,
# was a 405 naming GET (the handbook's catch-all route) instead of the API's 404
@pytest.mark.parametrize("token_id", ["abc", "8.7e-193", "99999999999999999999", "１"])
def test_revoking_a_token_that_cannot_exist_is_404(app, client, token_id):
    add_people(app, ("admin",))
    headers = bearer(sign_in(client, "admin"))
    response = client.delete(f"/api/v1/tokens/{token_id}", headers=headers)
    assert_error(response, 404, f"No token {token_id}.", [])


def test_every_answer_the_fuzzer_met_is_described(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    codes = {
        f"{method.upper()} {path}": sorted(op["responses"])
        for path, ops in paths.items()
        for method, op in ops.items()
    }
    assert codes["POST /api/v1/session"] == ["201", "400", "401", "403", "415", "422", "429"]
    assert codes["POST /api/v1/records"] == ["200", "400", "401", "403", "413", "415", "422"]
    assert codes["PUT /api/v1/blobs/{sha256}"] == [
        "200", "201", "400", "401", "403", "413", "415", "422"
    ]  # fmt: skip
    assert codes["GET /api/v1/blobs/{sha256}"] == ["200", "400", "401", "403", "404"]
    assert codes["DELETE /api/v1/tokens/{token_id}"] == ["204", "400", "401", "403", "404"]
