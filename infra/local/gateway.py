"""A local HTTP API: the template's routes, its Lambda authorizer and payload format 2.0.

It answers the way API Gateway (HTTP API) does where the app can see a difference: no
Authorization header is 401 without calling the authorizer, a refused token is 403, an
unknown route is 404, a body over 10 MB is 413.

One route exists only here, never in template.yaml: `/_local/clock` reads (GET) or sets (POST
`{"offset_seconds": n}`) how far the app's clock runs ahead of real time, so that tests see
expiry without waiting days.
"""

import base64
import json
import logging
import time
import uuid
from datetime import timedelta
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request, Response

from infra.local.lambdas import LocalLambdaRuntime
from infra.local.template import ACCOUNT_ID, REGION, Route
from timeport import clock

logger = logging.getLogger("timeport.local.gateway")
API_ARN = f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:local"
LOCAL_CLOCK_PATH = "/_local/clock"
MAX_CLOCK_OFFSET_SECONDS = 100 * 366 * 24 * 3600
MAX_BODY_BYTES = 10 * 1024 * 1024
_TEXT_TYPES = (
    "text/",
    "application/json",
    "application/xml",
    "application/x-www-form-urlencoded",
    "application/javascript",
)


def _message(status: int, message: str) -> Response:
    return Response(
        json.dumps({"message": message}), status=status, content_type="application/json"
    )


def _local_clock(request: Request) -> Response:
    if request.method == "POST":
        try:
            seconds = float(json.loads(request.get_data() or b"{}")["offset_seconds"])
        except (ValueError, KeyError, TypeError):
            return _message(400, 'Send {"offset_seconds": <number>}')
        # Finite and within a century either way, so every date the app computes stays valid.
        if not abs(seconds) <= MAX_CLOCK_OFFSET_SECONDS:
            return _message(400, f"offset_seconds must lie within ±{MAX_CLOCK_OFFSET_SECONDS}")
        clock.set_offset(timedelta(seconds=seconds))
    elif request.method != "GET":
        return _message(405, "Method Not Allowed")
    body = {"now": clock.iso(clock.utc_now()), "offset_seconds": clock.offset().total_seconds()}
    return Response(json.dumps(body), status=200, content_type="application/json")


class LocalHttpApi:
    def __init__(self, routes: list[Route], authorizer: str, runtime: LocalLambdaRuntime):
        self._routes = routes
        self._authorizer = authorizer
        self._runtime = runtime

    def __call__(self, environ, start_response):
        return self.handle(Request(environ))(environ, start_response)

    def _match(self, method: str, path: str) -> tuple[Route, dict] | None:
        for route in self._routes:
            if route.method != method:
                continue
            match = route.pattern.match(path)
            if match:
                return route, match.groupdict()
        return None

    def handle(self, request: Request) -> Response:
        if request.path == LOCAL_CLOCK_PATH:
            return _local_clock(request)
        found = self._match(request.method, request.path)
        if found is None:
            return _message(404, "Not Found")
        route, path_parameters = found
        if request.content_length and request.content_length > MAX_BODY_BYTES:
            return _message(413, "Request Entity Too Large")
        body = request.get_data(cache=False)
        if len(body) > MAX_BODY_BYTES:
            return _message(413, "Request Entity Too Large")

        event = self._event(request, route, path_parameters, body)
        if route.authorized:
            if not request.headers.get("Authorization"):
                return _message(401, "Unauthorized")
            try:
                decision = self._runtime.invoke(self._authorizer, self._authorizer_event(event))
            except Exception:  # API Gateway answers a failing authorizer with a bare 500
                logger.exception("Authorizer failed")
                return _message(500, "Internal Server Error")
            if not decision.get("isAuthorized"):
                return _message(403, "Forbidden")
            event["requestContext"]["authorizer"] = {"lambda": decision.get("context", {})}
        try:
            result = self._runtime.invoke(route.function, event)
        except Exception:  # an uncaught handler error reaches the client as a bare 500
            logger.exception("Function failed", extra={"function": route.function})
            return _message(500, "Internal Server Error")
        return self._response(result)

    @staticmethod
    def _event(request: Request, route: Route, path_parameters: dict, body: bytes) -> dict:
        headers: dict[str, str] = {}
        for name, value in request.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        query: dict[str, str] = {}
        for name, value in parse_qsl(
            request.query_string.decode("latin-1"), keep_blank_values=True
        ):
            query[name] = f"{query[name]},{value}" if name in query else value
        content_type = headers.get("content-type", "")
        is_text = content_type.startswith(_TEXT_TYPES)
        if is_text:
            try:
                body_text, encoded = body.decode("utf-8"), False
            except UnicodeDecodeError:
                body_text, encoded = base64.b64encode(body).decode(), True
        else:
            body_text, encoded = base64.b64encode(body).decode(), True
        now = time.time()
        route_key = f"{route.method} {route.path}"
        event = {
            "version": "2.0",
            "routeKey": route_key,
            "rawPath": request.path,
            "rawQueryString": request.query_string.decode("latin-1"),
            "headers": headers,
            "requestContext": {
                "accountId": ACCOUNT_ID,
                "apiId": "local",
                "domainName": request.host,
                "http": {
                    "method": request.method,
                    "path": request.path,
                    "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                    "sourceIp": request.remote_addr or "127.0.0.1",
                    "userAgent": headers.get("user-agent", ""),
                },
                "requestId": str(uuid.uuid4()),
                "routeKey": route_key,
                "stage": "$default",
                "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
                "timeEpoch": int(now * 1000),
            },
            "isBase64Encoded": encoded,
        }
        if query:
            event["queryStringParameters"] = query
        if path_parameters:
            event["pathParameters"] = path_parameters
        if body:
            event["body"] = body_text
        return event

    @staticmethod
    def _authorizer_event(event: dict) -> dict:
        return {
            "version": "2.0",
            "type": "REQUEST",
            "routeArn": f"{API_ARN}/$default/{event['routeKey'].replace(' ', '')}",
            "identitySource": [event["headers"].get("authorization", "")],
            "routeKey": event["routeKey"],
            "rawPath": event["rawPath"],
            "rawQueryString": event["rawQueryString"],
            "headers": event["headers"],
            "requestContext": event["requestContext"],
            "pathParameters": event.get("pathParameters", {}),
            "queryStringParameters": event.get("queryStringParameters", {}),
        }

    @staticmethod
    def _response(result) -> Response:
        if not isinstance(result, dict) or "statusCode" not in result:
            return Response(json.dumps(result), status=200, content_type="application/json")
        body = result.get("body") or ""
        payload = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
        response = Response(payload, status=int(result["statusCode"]))
        response.headers.clear()
        for name, value in (result.get("headers") or {}).items():
            response.headers[name] = value
        for name, values in (result.get("multiValueHeaders") or {}).items():
            for value in values:
                response.headers.add(name, value)
        for cookie in result.get("cookies") or []:
            response.headers.add("Set-Cookie", cookie)
        return response
