"""Schemathesis checks for Gatehouse (loaded through SCHEMATHESIS_HOOKS by openapi_test.py).

- no_internal_error: no answer is 500 (other 5xx are the gateway's documented refusals:
  upstream_error, unavailable, needs_reauthorization, ...).
- uniform_error_body: every 4xx and 5xx the gateway gives is the uniform error body
  {"error": {"code", "message", "request_id", ...}} as JSON. Proxied answers are the upstream's
  own, so on /proxy only the gateway's own refusals (an `error` object) are judged.
"""
import json

import schemathesis

CODES = {
    "unauthenticated", "forbidden", "not_found", "method_not_allowed", "bad_request", "conflict",
    "payload_too_large", "header_too_large", "rate_limited", "upstream_error", "upstream_unreachable",
    "upstream_timeout", "needs_reauthorization", "unavailable", "internal",
}


@schemathesis.check
def no_internal_error(ctx, response, case):
    if response.status_code == 500:
        raise AssertionError("500 internal: %s" % response.text[:300])


def is_gateway_answer(case, response):
    """Whether the gateway itself answered: always off /proxy; on /proxy only a body whose
    `error` is an object (the upstream's own answers, e.g. {"error": "not_found"}, pass through)."""
    if not case.operation.path.startswith("/proxy/"):
        return True
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    return isinstance(body, dict) and isinstance(body.get("error"), dict)


@schemathesis.check
def uniform_error_body(ctx, response, case):
    if response.status_code < 400 or not is_gateway_answer(case, response):
        return
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError("%d without a JSON body: %r" % (response.status_code, response.content[:200]))
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        raise AssertionError("%d without the uniform error body: %r" % (response.status_code, response.content[:200]))
    if error.get("code") not in CODES or not isinstance(error.get("message"), str) or not isinstance(error.get("request_id"), str):
        raise AssertionError("%d with an error body missing code/message/request_id: %r" % (response.status_code, body))
