#!/usr/bin/env python3
"""A local stand-in for the Hugging Face Hub file server, for
tests/hub/download_test.cpp. Listens on 127.0.0.1 (ephemeral port, written to
--port-file) and serves files under --root as

  GET /{org}/{name}/resolve/{revision}/{path}    (revision must be "main")
  GET /api/models/{org}/{name}/revision/{rev}    {"siblings": [{"rfilename": ...}]}

with HTTP Range support (206 + Content-Range, 416 past the end). Faults for
the tests, each applied to requests for the named file:
  --cut-once FILE:BYTES   first response sends BYTES of the body, then drops the connection
  --fail-once FILE:STATUS first response is STATUS (e.g. 500)
  --ignore-range          answer Range requests with the whole file (200)
  --token TOKEN           require "Authorization: Bearer TOKEN"; a 401 echoes
                          the header it got (so the client must scrub it)
  --etag MODE             sha256 (ETag = content sha256), bad (a wrong sha256),
                          none, or linked (302 to /__blob/... with X-Linked-Etag,
                          as the Hub does for LFS files)
Every request is appended to --log as one JSON line: method, path, range,
auth (none/ok/wrong), status, sent (body bytes written), logged before the body
is sent so that a client holding its answer always finds the line.
"""
import argparse
import hashlib
import json
import os
import signal
import socket
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.cut = {}
        self.fail = {}
        for spec in args.cut_once or []:
            name, n = spec.rsplit(":", 1)
            self.cut[name] = int(n)
        for spec in args.fail_once or []:
            name, n = spec.rsplit(":", 1)
            self.fail[name] = int(n)

    def take(self, table, name):
        with self.lock:
            return table.pop(name, None)

    def log(self, entry):
        with self.lock, open(self.args.log, "a") as f:
            f.write(json.dumps(entry) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None

    def log_message(self, fmt, *a):  # keep stderr quiet
        pass

    def entry(self, status, sent):
        self.state.log({"method": self.command, "path": self.path,
                        "range": self.headers.get("Range"), "auth": self.auth_status(),
                        "status": status, "sent": sent})

    def auth_status(self):
        got = self.headers.get("Authorization")
        if got is None:
            return "none"
        return "ok" if got == "Bearer " + (self.state.args.token or "") else "wrong"

    def reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        # Logged before the body goes out: once the client has its answer the
        # test may read the log at once.
        self.entry(status, 0 if self.command == "HEAD" else len(body))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        args = self.state.args
        if args.token and self.auth_status() != "ok":
            # Echo what we got, as a careless server might: the client must scrub it.
            got = self.headers.get("Authorization", "")
            return self.reply(401, b'{"error":"Invalid credentials"}',
                              {"X-Error-Code": "GatedRepo",
                               "X-Error-Message": "Invalid credentials in Authorization header: " + got})
        parts = [urllib.parse.unquote(p) for p in self.path.split("?")[0].split("/")[1:]]
        if parts[:1] == ["__blob"]:
            return self.serve_file(os.path.join(args.root, *parts[1:]), None, blob=True)
        if parts[:2] == ["api", "models"] and len(parts) >= 6 and parts[4] == "revision":
            return self.serve_listing(parts[2] + "/" + parts[3], parts[5])
        if len(parts) < 5 or parts[2] != "resolve":
            return self.reply(404, b"not found", {"X-Error-Code": "EntryNotFound"})
        repo, rev, name = parts[0] + "/" + parts[1], parts[3], "/".join(parts[4:])
        repo_dir = os.path.join(args.root, repo)
        if not os.path.isdir(repo_dir):
            return self.reply(404, b"repo", {"X-Error-Code": "RepoNotFound",
                                              "X-Error-Message": "Repository not found"})
        if rev != "main":
            return self.reply(404, b"rev", {"X-Error-Code": "RevisionNotFound",
                                             "X-Error-Message": "Invalid rev id: " + rev})
        path = os.path.join(repo_dir, name)
        if not os.path.isfile(path):
            return self.reply(404, b"entry", {"X-Error-Code": "EntryNotFound",
                                               "X-Error-Message": "Entry not found"})
        status = self.state.take(self.state.fail, name)
        if status:
            return self.reply(status, b"injected failure", {"X-Error-Message": "injected"})
        with open(path, "rb") as f:
            data = f.read()
        sha = hashlib.sha256(data).hexdigest()
        if args.etag == "linked":
            # The Hub answers LFS files with a redirect carrying the content hash.
            loc = "/__blob/" + urllib.parse.quote(repo + "/" + name)
            return self.reply(302, b"", {"Location": loc, "X-Linked-Etag": '"%s"' % sha,
                                         "X-Linked-Size": str(len(data)), "ETag": '"deadbeef"'})
        return self.serve_file(path, name, blob=False)

    def serve_file(self, path, name, blob):
        args = self.state.args
        if blob:
            name = os.path.relpath(path, args.root).split(os.sep, 2)[-1]
        with open(path, "rb") as f:
            data = f.read()
        headers = {"Accept-Ranges": "bytes"}
        if args.etag == "sha256":
            headers["ETag"] = '"%s"' % hashlib.sha256(data).hexdigest()
        elif args.etag == "bad":
            headers["ETag"] = '"%s"' % hashlib.sha256(b"something else").hexdigest()
        elif blob:
            headers["ETag"] = '"cdn-%d"' % len(data)  # a CDN's own, non-sha ETag
        status, body = 200, data
        rng = self.headers.get("Range")
        if rng and not args.ignore_range:
            start_s, _, end_s = rng.replace("bytes=", "").partition("-")
            start = int(start_s)
            end = int(end_s) if end_s else len(data) - 1
            if start >= len(data):
                return self.reply(416, b"", {"Content-Range": "bytes */%d" % len(data)})
            status, body = 206, data[start:end + 1]
            headers["Content-Range"] = "bytes %d-%d/%d" % (start, start + len(body) - 1, len(data))
        cut = self.state.take(self.state.cut, name)
        if cut is not None:
            # Promise the whole body, send part of it, then drop the connection.
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.entry(status, cut)
            self.end_headers()
            self.wfile.write(body[:cut])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.reply(status, body, headers)

    def serve_listing(self, repo, rev):
        repo_dir = os.path.join(self.state.args.root, repo)
        if not os.path.isdir(repo_dir):
            return self.reply(404, b"{}", {"X-Error-Code": "RepoNotFound"})
        files = []
        for base, _, names in os.walk(repo_dir):
            for n in names:
                files.append(os.path.relpath(os.path.join(base, n), repo_dir).replace(os.sep, "/"))
        body = json.dumps({"id": repo, "sha": "0" * 40,
                           "siblings": [{"rfilename": f} for f in sorted(files)]}).encode()
        self.reply(200, body, {"Content-Type": "application/json"})


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--token")
    ap.add_argument("--cut-once", action="append")
    ap.add_argument("--fail-once", action="append")
    ap.add_argument("--ignore-range", action="store_true")
    ap.add_argument("--etag", default="sha256", choices=["sha256", "bad", "none", "linked"])
    args = ap.parse_args()
    Handler.state = State(args)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *a: (server.server_close(), os._exit(0)))
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, args.port_file)  # the test polls for this file: write it whole
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
