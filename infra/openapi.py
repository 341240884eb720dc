"""`python -m infra.openapi`: the OpenAPI document of the whole API, merged from its handlers.

On AWS a function's package holds only its own folder and the layer, so the function behind
GET /api/openapi.json cannot import the other handlers. This script does, for every function
that template.yaml routes, merges their documents with Powertools' OpenAPIMerge and writes the
result into the layer (timeport/api/openapi.json). `--check` only compares the committed file
with a fresh one; tests/unit/test_openapi_document.py does the same on every run.
"""

import argparse
import json
import os
import sys
from importlib.metadata import version

from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

from infra.local.template import LocalTemplate
from timeport.api.answers import BEARER_SCHEME, DOCUMENT_PATH

DESCRIPTION = (
    "The import/export service of TimeTracker: CSV, Toggl and Harvest imports, GDPR and "
    "filtered exports, admin backups and restores, each followed as a job. Every route but "
    "the health check and this document needs `Authorization: Bearer <API token>`."
)
# Powertools documents a 422 with its own error shapes on every validated route; create_app
# answers invalid requests with 400 and the shared error body instead, so none of these occurs.
UNUSED_RESPONSE = "422"
UNUSED_SCHEMAS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")


SECURITY_SCHEMES = {
    BEARER_SCHEME: HTTPBearer(
        bearerFormat="tp_ followed by 43 URL-safe characters",
        description="An API token: an admin creates users with POST /api/admin/users",
    )
}


class DocumentError(Exception):
    """The handlers and template.yaml disagree, or two handlers describe one thing twice."""


def build_document(template: LocalTemplate | None = None) -> dict:
    template = template or LocalTemplate()
    functions = template.functions()
    merge = OpenAPIMerge(
        title="Timeport",
        version=version("timeport"),
        description=DESCRIPTION,
        security_schemes=SECURITY_SCHEMES,
        on_conflict="error",
    )
    schemas: dict[str, dict] = {}
    for name in sorted({route.function for route in template.routes()}):
        app = functions[name].load_module().app
        part = app.get_openapi_schema(security_schemes=SECURITY_SCHEMES)
        part = json.loads(part.model_dump_json(by_alias=True, exclude_none=True))
        _check_same_models(name, part.get("components", {}).get("schemas", {}), schemas)
        merge.add_schema(part)
    document = json.loads(merge.get_openapi_json_schema())
    _drop_unused_validation_error(document)
    document["paths"] = dict(sorted(document["paths"].items()))
    _check_routes(template, document)
    return document


def _check_same_models(function: str, models: dict, seen: dict) -> None:
    """The merge keeps one schema per name, so two different models of one name would lose
    one of them without a word."""
    for model, schema in models.items():
        if seen.setdefault(model, schema) != schema:
            raise DocumentError(f"{function} describes the model {model} differently")


def _drop_unused_validation_error(document: dict) -> None:
    for path_item in document["paths"].values():
        for operation in path_item.values():
            operation["responses"].pop(UNUSED_RESPONSE, None)
    models = document["components"]["schemas"]
    for model in UNUSED_SCHEMAS:
        models.pop(model, None)


def _check_routes(template: LocalTemplate, document: dict) -> None:
    """Every template route is documented, with the bearer scheme exactly when the
    authorizer guards it; nothing else is documented."""
    documented = {
        f"{method.upper()} {path}": operation
        for path, path_item in document["paths"].items()
        for method, operation in path_item.items()
    }
    routes = {f"{route.method} {route.path}": route for route in template.routes()}
    if set(documented) != set(routes):
        raise DocumentError(
            f"Routes in template.yaml but not documented: {sorted(set(routes) - set(documented))}; "
            f"documented but not in template.yaml: {sorted(set(documented) - set(routes))}"
        )
    for key, route in routes.items():
        if bool(documented[key].get("security")) != route.authorized:
            raise DocumentError(f"{key}: its security does not match the template's authorizer")


def render(document: dict) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    # The handlers read their settings when imported; nothing here reaches AWS.
    os.environ.update(LocalTemplate().shared_environment())
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, write nothing")
    arguments = parser.parse_args(argv)
    fresh = render(build_document())
    current = DOCUMENT_PATH.read_text(encoding="utf-8") if DOCUMENT_PATH.exists() else ""
    if arguments.check:
        if fresh != current:
            sys.stderr.write(f"{DOCUMENT_PATH} is stale: run python -m infra.openapi\n")
            return 1
        return 0
    DOCUMENT_PATH.write_text(fresh, encoding="utf-8")
    sys.stdout.write(f"Wrote {DOCUMENT_PATH}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
