"""The merged OpenAPI document that GET /api/openapi.json serves: complete and never stale."""

import json

from infra.local.template import LocalTemplate
from infra.openapi import DOCUMENT_PATH, build_document, render


def test_the_committed_document_is_what_the_handlers_generate_now():
    fresh = render(build_document())

    assert DOCUMENT_PATH.read_text(encoding="utf-8") == fresh, (
        "layers/timeport/timeport/api/openapi.json is stale: run python -m infra.openapi"
    )


def test_every_template_route_is_documented_with_its_answers_and_security():
    document = json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))

    for route in LocalTemplate().routes():
        operation = document["paths"][route.path][route.method.lower()]
        codes = set(operation["responses"])
        assert any(code.startswith(("2", "3")) for code in codes), route
        assert ({"401", "403"} <= codes) == route.authorized, route
        assert (operation.get("security") == [{"bearerAuth": []}]) == route.authorized, route


def test_no_route_documents_the_422_that_the_api_never_answers():
    document = json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))

    codes = {
        code
        for path_item in document["paths"].values()
        for operation in path_item.values()
        for code in operation["responses"]
    }
    assert "422" not in codes
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_every_body_taking_route_documents_its_request_body_and_refusals():
    document = json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))
    bodies = {
        f"{method.upper()} {path}": sorted(operation["requestBody"]["content"])
        for path, path_item in document["paths"].items()
        for method, operation in path_item.items()
        if "requestBody" in operation
    }

    assert bodies["POST /api/import/csv"] == ["multipart/form-data"]
    assert bodies["POST /api/backup/restore"] == ["application/json", "multipart/form-data"]
    assert bodies["POST /api/export/filtered"] == ["application/json"]
    for route in bodies:
        method, path = route.split(" ")
        assert {"400", "413", "415"} <= set(document["paths"][path][method.lower()]["responses"])
