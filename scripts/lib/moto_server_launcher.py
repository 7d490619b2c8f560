"""moto_server, one request at a time, with snapshots of emulated accounts: save them to a file, load them elsewhere.

Why: the end-to-end tests apply the same stack into a fresh moto in many test files. Applying costs Terraform and the
AWS provider tens of CPU seconds each time; loading what one apply left behind costs moto a fraction of a second.
moto has no such API (its recorder replays requests, whose random ids then differ from Terraform's state), so this
launcher adds two routes in front of moto's own WSGI application, and is otherwise `moto_server -H host -p port`:

  POST /_ecs_coexist/snapshot/save?file=PATH&accounts=A,B   pickle what every service holds for accounts A and B
  POST /_ecs_coexist/snapshot/load?file=PATH               put PATH's accounts in place; other accounts are untouched

Per account, so that one test file can load the applied dev account and the applied prod account into one server.
How a snapshot is taken and loaded: scripts/lib/moto_snapshot.py.
"""

import argparse
import os
import signal
import sys
import threading
from typing import Any
from urllib.parse import parse_qs

from werkzeug.serving import run_simple

import moto_snapshot
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

PREFIX = "/_ecs_coexist/snapshot/"
# One request at a time. moto's server runs each request on its own thread, and its models are not thread-safe: two
# AuthorizeSecurityGroupEgress calls on one group, sent side by side by Terraform, can fail one of them half done; the
# SDK then resends it and moto answers InvalidPermission.Duplicate (the rule went in the first time), or NotFound for
# a revoke. AWS serialises those for the caller; this lock does here. Python runs one thread at a time anyway, so little
# is lost. Long polls (SQS ReceiveMessage) would hold the lock while they wait for another request, so they pass.
_serial = threading.Lock()


def _long_poll(environ: dict[str, Any]) -> bool:
    return environ.get("HTTP_X_AMZ_TARGET", "").startswith("AmazonSQS.")


def with_snapshots(app: Any) -> Any:
    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX) or environ.get("REQUEST_METHOD") != "POST":
            if _long_poll(environ):
                return app(environ, start_response)
            with _serial:
                return list(app(environ, start_response))
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
