"""moto_server, one request at a time, with snapshots of emulated accounts: save them to a file, load them elsewhere.

Why: the end-to-end tests apply the same stack into a fresh moto in many test files. Applying costs Terraform and the
AWS provider tens of CPU seconds each time; loading what one apply left behind costs moto a fraction of a second.
moto has no such API (its recorder replays requests, whose random ids then differ from Terraform's state), so this
launcher adds two routes in front of moto's own WSGI application, and is otherwise `moto_server -H host -p port`:

  POST /_ecs_coexist/snapshot/save?file=PATH&accounts=A,B   pickle what every service holds for accounts A and B
  POST /_ecs_coexist/snapshot/load?file=PATH               put PATH's accounts in place; other accounts are untouched

and it answers an AWS SDK's resend of a call it has already answered 2xx with that answer (see _replay).

Per account, so that one test file can load the applied dev account and the applied prod account into one server.
How a snapshot is taken and loaded: scripts/lib/moto_snapshot.py.
"""

import argparse
import os
import signal
import sys
import threading
from collections import OrderedDict
from typing import Any
from urllib.parse import parse_qs

from werkzeug.serving import run_simple

import moto_snapshot
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

PREFIX = "/_ecs_coexist/snapshot/"
# One request at a time. moto's server runs each request on its own thread, and its models are not thread-safe (two
# rule changes of one security group, sent side by side by Terraform, share one list). AWS serialises what must be; this
# lock does here. Python runs one thread at a time anyway, so little is lost. SQS calls pass without the lock (and
# without _replay): a long poll (ReceiveMessage) would hold the lock while it waits for another request. No stack of
# this project uses SQS.
_serial = threading.Lock()


def _sqs(environ: dict[str, Any]) -> bool:
    return environ.get("HTTP_X_AMZ_TARGET", "").startswith("AmazonSQS.")


# Resends of calls moto has carried out. moto's server answers every call on a fresh connection (werkzeug sends
# `Connection: close`). The AWS SDK for Go v2 in the Terraform AWS provider sometimes closes such a connection itself
# while it reads a 200 answer, and retries the call as a closed connection ("use of closed network connection",
# retryable since aws-sdk-go-v2 PR 2949; issues 1825 and 2737 report it against AWS and against local emulators). A
# packet capture of one sandbox start showed it on 3 of 849 calls: the provider closed the connection between the
# answer's headers and its body, then sent the call again. moto carries the resend out a second time: a create then
# fails (InvalidPermission.Duplicate, EntityAlreadyExists), a revoke fails (NotFound), and the apply fails. Every attempt
# of one call carries the same amz-sdk-invocation-id and counts itself in amz-sdk-request (`attempt=2; max=25`; botocore
# puts `ttl=...; ` first), in the Go, JavaScript and Python SDKs. So a resend of a call answered 2xx gets that answer
# again instead of being carried out twice. Only 2xx: after an error, a retry is a real second try. Bounded: recent calls
# only, small answers only.
_answers: "OrderedDict[tuple[str, str, str, str], tuple[str, list[tuple[str, str]], bytes]]" = OrderedDict()
_ANSWERS_KEPT = 2000
_ANSWER_BYTES_KEPT = 256 * 1024
_ANSWERS_BYTES_KEPT = 64 * 1024 * 1024
_answers_bytes = 0


def _call_key(environ: dict[str, Any]) -> tuple[str, str, str, str] | None:
    invocation = environ.get("HTTP_AMZ_SDK_INVOCATION_ID", "")
    if not invocation:
        return None
    return (invocation, environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))


def _is_resend(environ: dict[str, Any]) -> bool:
    fields = dict(f.strip().partition("=")[::2] for f in environ.get("HTTP_AMZ_SDK_REQUEST", "").split(";"))
    attempt = fields.get("attempt", "")
    return attempt.isdigit() and int(attempt) >= 2


def _keep(key: tuple[str, str, str, str], status: str, headers: list[tuple[str, str]], body: bytes) -> None:
    global _answers_bytes
    # A key kept before (a client that sends one invocation id again as a first attempt) gives its bytes back first,
    # so the byte bound counts each kept answer once.
    previous = _answers.pop(key, None)
    if previous is not None:
        _answers_bytes -= len(previous[2])
    _answers[key] = (status, headers, body)
    _answers_bytes += len(body)
    while len(_answers) > _ANSWERS_KEPT or _answers_bytes > _ANSWERS_BYTES_KEPT:
        _answers_bytes -= len(_answers.popitem(last=False)[1][2])


def _replay(app: Any, environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Runs one call (the caller holds _serial), or answers a resend of a call answered 2xx with that answer."""
    key = _call_key(environ)
    if key is not None and _is_resend(environ) and key in _answers:
        status, headers, body = _answers[key]
        # In moto's log, next to werkzeug's line for the request: how often the emulator answered from a first attempt.
        sys.stderr.write(f"ecs-coexist: {environ.get('HTTP_AMZ_SDK_REQUEST', '')} of call {key[0]} answered with the first attempt's {status}\n")
        start_response(status, list(headers))
        return [body]
    answered: list[tuple[str, list[tuple[str, str]]]] = []

    def recording_start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        answered.append((status, list(headers)))
        return start_response(status, headers, exc_info)

    answer = app(environ, recording_start_response)
    try:
        body_parts = list(answer)
    finally:
        getattr(answer, "close", lambda: None)()
    if key is not None and answered and answered[-1][0].startswith("2") and sum(map(len, body_parts)) <= _ANSWER_BYTES_KEPT:
        _keep(key, answered[-1][0], answered[-1][1], b"".join(body_parts))
    return body_parts


def with_snapshots(app: Any) -> Any:
    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX) or environ.get("REQUEST_METHOD") != "POST":
            if _sqs(environ):
                return app(environ, start_response)
            with _serial:
                return _replay(app, environ, start_response)
        action = path[len(PREFIX):]
        query = parse_qs(environ.get("QUERY_STRING", ""))
        file = query.get("file", [""])[0]
        accounts = set(",".join(query.get("accounts", [])).split(",")) - {""}
        try:
            if action not in ("save", "load") or not file or (action == "save" and not accounts):
                raise ValueError(f"unknown snapshot action {action!r}, or no file, or no accounts to save")
            with _serial:
                count = moto_snapshot.save(file, accounts) if action == "save" else moto_snapshot.load(file)
            body, status = f'{{"services": {count}}}'.encode(), "200 OK"
        except Exception as e:  # the caller reads the reason; the server keeps serving
            body, status = f"{type(e).__name__}: {e}".encode(), "500 Internal Server Error"
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return wsgi


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    app.debug = True  # as moto_server sets it
    run_simple(args.host, args.port, with_snapshots(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
