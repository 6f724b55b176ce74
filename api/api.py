"""The /api/v1 NinjaAPI: authentication, error translation and the published schema."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer
from pydantic_core import to_json

from .auth import BrowserSessionAuth, TokenAuth
from .parser import ApiParser
from .problems import CONTENT_TYPE, Problem, field_errors, from_exception, problem_response
from .schemas import ProblemOut

logger = logging.getLogger(__name__)

# Documented on every operation; schemathesis checks that nothing else is answered.
ERROR_STATUSES = (400, 401, 403, 404, 405, 409, 412, 413, 415, 422, 428, 429, 503)


IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "description": "The ETag you last read: 428 without it, 412 (with the current "
    "representation) when it is stale.",
    "schema": {"type": "string"},
}
IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "description": "Up to 255 printable ASCII characters. A retry with the same key (and "
    "body) within 24 hours gets the stored answer; another body is a 422.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
}


class GrocerAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Errors are `application/problem+json`; every operation lists them."""
        schema = super().get_openapi_schema(*args, **kwargs)
        problem_ref = {"$ref": "#/components/schemas/ProblemOut"}
        for path, path_item in schema["paths"].items():
            for method, operation in path_item.items():
                parameters = operation.setdefault("parameters", [])
                if method == "patch" and not path.startswith("/api/v1/orders/"):
                    parameters.append(IF_MATCH)
                elif method == "post":
                    parameters.append({**IDEMPOTENCY_KEY, "required": path.endswith("/order")})
                responses = operation.setdefault("responses", {})
                for status in ERROR_STATUSES:
                    responses[str(status)] = {
                        "description": problem_description(status),
                        "content": {CONTENT_TYPE: {"schema": problem_ref}},
                    }
        schema.setdefault("components", {}).setdefault("schemas", {})["ProblemOut"] = (
            ProblemOut.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        return schema


def problem_description(status: int) -> str:
    from http import HTTPStatus

    return f"{HTTPStatus(status).phrase} (a problem document)"


class FastJSONRenderer(JSONRenderer):
    """JSON written by pydantic-core (Rust): datetimes, UUIDs and decimals included."""

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return to_json(data)


api = GrocerAPI(
    title="Grocer API",
    version="1",
    description=(
        "The family grocery lists, for apps, scripts and home automation. Authenticate "
        "with `Authorization: Bearer <token>` (create one under Account → API tokens) or "
        "the browser session (send the CSRF token as `X-CSRFToken`). Errors are RFC 9457 "
        "problem documents. POSTs honour `Idempotency-Key`; PATCH needs `If-Match`."
    ),
    urls_namespace="api",
    auth=[TokenAuth(), BrowserSessionAuth()],
    parser=ApiParser(),
    renderer=FastJSONRenderer(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(Problem)
def _problem(request: HttpRequest, exc: Problem) -> HttpResponse:
    return from_exception(exc)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(404, str(exc) or "No such resource.")


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem_response(403, str(exc) or "You may not do that.")


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(
        401,
        "Send a valid token as `Authorization: Bearer <token>`, or log in.",
        headers={"WWW-Authenticate": 'Bearer realm="grocer"'},
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # The body reader's own refusal (see api.parser) comes wrapped by ninja.
    if isinstance(exc.__cause__, Problem):
        return from_exception(exc.__cause__)
    detail = "The CSRF token is missing or wrong." if "CSRF" in exc.message else exc.message
    return problem_response(exc.status_code, detail)


def _location(loc: list[Any]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header")]
    # ninja names the body parameter itself ("payload"): clients know fields only.
    if parts and parts[0] == "payload":
        parts = parts[1:]
    return ".".join(parts)


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {"field": _location(list(error.get("loc", []))), "message": error.get("msg", "Invalid.")}
        for error in exc.errors
    ]
    return problem_response(422, "Some fields are not valid.", errors=errors)


@api.exception_handler(DjangoValidationError)
def _refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    messages = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
    return problem_response(422, " ".join(exc.messages), errors=field_errors(messages))


@api.exception_handler(DatabaseError)
def _database(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
    if isinstance(exc, (OperationalError, InterfaceError)):
        logger.error("Database unavailable: %s", exc)
        for connection in connections.all(initialized_only=True):
            connection.close_if_unusable_or_obsolete()
        return problem_response(
            503,
            "The service is temporarily unavailable. Retry shortly.",
            headers={"Retry-After": "5"},
        )
    return _crash(request, exc)


@api.exception_handler(Exception)
def _crash(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API request failed: %s %s", request.method, request.path)
    return problem_response(500, "Something went wrong on our side; it was logged.")


from . import routes  # noqa: E402,F401 - registers the routers on `api`
