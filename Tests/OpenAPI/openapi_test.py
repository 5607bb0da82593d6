#!/usr/bin/env python3
"""Gatehouse's OpenAPI documents checked by real tools.

Starts the demo exactly as `make run` does (scripts/run-demo.sh on free ports, its own state
directory), fetches the data plane's document (GET /v1/openapi.json with the demo client key)
and the admin API's (GET /admin/v1/openapi.json with the admin token), checks that the served
document lists only the caller's connections and `gatehouse openapi` all of them, validates
every document with openapi-spec-validator, then runs schemathesis against both APIs for a
bounded number of examples per operation: no 500, no answer that breaks its own schema, every
4xx/5xx in the uniform error body (gatehouse_checks.py), invalid arguments refused. Everything
it starts is stopped at the end, passed or failed. Exit status 0 when every check passed.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "Browser"))
from console_test import DEMO_KEY, ROOT, Demo, Failures, request  # noqa: E402  (the demo runner, no browser)


def fetch(port, path, token):
    status, _, body = request(port, "GET", path, headers={"Authorization": "Bearer " + token} if token else {})
    return status, body


def authorize_checkfront(demo):
    """Admin start → the simulator's consent page (approve=yes) → the data plane's callback."""
    import urllib.parse
    status, headers, _ = request(demo.admin_port, "GET", "/oauth/checkfront-oauth-demo/start",
                                 headers={"Authorization": "Bearer " + demo.admin_token})
    location = dict((k.lower(), v) for k, v in headers).get("location", "")
    consent = urllib.parse.urlsplit(location + "&approve=yes")
    status, headers, _ = request(consent.port, "GET", consent.path + "?" + consent.query)
    callback = urllib.parse.urlsplit(dict((k.lower(), v) for k, v in headers).get("location", ""))
    if not callback.port:
        return False
    request(callback.port, "GET", callback.path + "?" + callback.query)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status, body = fetch(demo.admin_port, "/admin/v1/connections/checkfront-oauth-demo", demo.admin_token)
        if status == 200 and json.loads(body)["data"].get("state") == "ok":
            return True
        time.sleep(0.2)
    return False


def validate(document, name, failures):
    from openapi_spec_validator import validate as spec_validate
    try:
        spec_validate(document)
        failures.check(True, "%s: openapi-spec-validator accepts it" % name)
    except Exception as error:  # the validator's own exception types vary by version
        failures.check(False, "%s: openapi-spec-validator: %s" % (name, str(error)[:2000]))


def schemathesis(venv_bin, document_path, base_url, token, name, examples, artifacts, failures):
    environment = dict(os.environ, SCHEMATHESIS_HOOKS="gatehouse_checks", PYTHONPATH=HERE)
    command = [
        os.path.join(venv_bin, "schemathesis"), "run", document_path, "--url", base_url,
        "-H", "Authorization: Bearer " + token,
        "--max-examples", str(examples), "--seed", "19", "--workers", "2",
        "--phases", "examples,coverage,fuzzing",
        # 2xx for every valid-looking argument cannot hold against real upstreams (an unknown
        # K2 class is K2's 404), and an upstream's refusal is the documented 502 upstream_error,
        # so not_a_server_error gives way to gatehouse_checks' no_internal_error (no 500).
        # Everything else is checked: invalid arguments refused, answers matching their schemas,
        # undeclared methods 405 with Allow, no answer without authentication.
        "--exclude-checks", "positive_data_acceptance,not_a_server_error",
        "--request-timeout", "30", "--suppress-health-check", "all",
        "--report", "junit", "--report-dir", os.path.join(artifacts, "schemathesis-" + name),
        "--output-truncate", "false",
    ]
    started = time.monotonic()
    log_path = os.path.join(artifacts, "schemathesis-%s.log" % name)
    with open(log_path, "wb") as log:
        result = subprocess.run(command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT, timeout=900)
    with open(log_path, encoding="utf-8", errors="replace") as log:
        output = log.read()
    print(output[-6000:] if result.returncode != 0 else "\n".join(output.splitlines()[-12:]), flush=True)
    failures.check(result.returncode == 0, "schemathesis against the %s: exit %d in %.0f s (log %s)" % (
        name, result.returncode, time.monotonic() - started, log_path))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--venv-bin", required=True)
    parser.add_argument("--artifacts", required=True)
    parser.add_argument("--examples", type=int, default=int(os.environ.get("OPENAPI_EXAMPLES", "15")))
    arguments = parser.parse_args()
    os.makedirs(arguments.artifacts, exist_ok=True)
    failures = Failures()
    demo = Demo(arguments.binary, arguments.artifacts)
    try:
        demo.wait_ready()
        print("demo ready: data plane %d, admin %d" % (demo.port, demo.admin_port), flush=True)

        status, body = fetch(demo.port, "/v1/openapi.json", None)
        failures.check(status == 401 and json.loads(body)["error"]["code"] == "unauthenticated",
                       "GET /v1/openapi.json without a key is 401 unauthenticated")
        status, body = fetch(demo.port, "/v1/openapi.json", DEMO_KEY)
        failures.check(status == 200, "GET /v1/openapi.json with the demo key is 200")
        data_plane = json.loads(body)
        paths = data_plane.get("paths", {})
        failures.check("/v1/k2-demo/data.list" in paths and "/v1/okit-demo/token.validate" in paths,
                       "the data plane's document lists the demo client's operations")
        failures.check(not any("/sms-demo/" in path for path in paths),
                       "the data plane's document omits sms-demo, which the demo client may not use")
        status, body = fetch(demo.admin_port, "/admin/v1/openapi.json", demo.admin_token)
        failures.check(status == 200, "GET /admin/v1/openapi.json with the admin token is 200")
        admin = json.loads(body)
        status, _ = fetch(demo.admin_port, "/admin/v1/openapi.json", "wrong-token")
        failures.check(status == 401, "GET /admin/v1/openapi.json with a wrong token is 401")
        status, _ = fetch(demo.port, "/admin/v1/openapi.json", demo.admin_token)
        failures.check(status == 404, "the data plane does not serve the admin document")

        printed = subprocess.run([arguments.binary, "openapi", "--config", os.path.join(demo.state, "gatehouse.yaml")],
                                 capture_output=True, text=True, timeout=120)
        failures.check(printed.returncode == 0, "gatehouse openapi exits 0 (%s)" % printed.stderr.strip()[:300])
        full = json.loads(printed.stdout) if printed.returncode == 0 else {"paths": {}}
        failures.check(any("/sms-demo/" in path for path in full["paths"]) and set(paths) <= set(full["paths"]),
                       "gatehouse openapi prints every connection, sms-demo included")

        # The OAuth demo authorized through the simulator's consent page (as an operator would),
        # so that its operations reach Checkfront instead of answering needs_reauthorization.
        failures.check(authorize_checkfront(demo), "checkfront-oauth-demo is authorized")

        documents = {}
        for name, document in [("data-plane", data_plane), ("admin-api", admin), ("cli-data-plane", full)]:
            validate(document, name, failures)
            documents[name] = os.path.join(arguments.artifacts, name + ".json")
            with open(documents[name], "w", encoding="utf-8") as out:
                json.dump(document, out, indent=2)

        schemathesis(arguments.venv_bin, documents["data-plane"], "http://127.0.0.1:%d" % demo.port, DEMO_KEY,
                     "data-plane", arguments.examples, arguments.artifacts, failures)
        schemathesis(arguments.venv_bin, documents["admin-api"], "http://127.0.0.1:%d" % demo.admin_port, demo.admin_token,
                     "admin-api", arguments.examples, arguments.artifacts, failures)
        status, _ = fetch(demo.port, "/readyz", None)
        failures.check(status == 200, "the gateway is still ready after the runs")
    finally:
        stopped = demo.stop()
        failures.check(stopped, "every process the demo started has ended")
    if failures.items:
        print("%d check(s) failed:\n  %s" % (len(failures.items), "\n  ".join(failures.items)))
        return 1
    print("all OpenAPI checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
