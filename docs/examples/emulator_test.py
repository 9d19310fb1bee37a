#!/usr/bin/env python3
"""A test of "your code" in Python against omniauth-emulator, standard library only.

It starts the emulator with the default seed (the demo accounts), waits for the ready file,
logs in to GoScrobble, makes the next login fail through the control API, and signs in to
the email-link service by confirming the link through the control API.

Run: OMNIAUTH_EMULATOR=path/to/omniauth-emulator python3 docs/examples/emulator_test.py
(without the variable, `omniauth-emulator` is looked up on PATH).
"""

import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request


def call(method, url, body=None):
    """Sends JSON, returns (status, parsed JSON body or None)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            status, raw = answer.status, answer.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, None


def root(url):
    """The control API lives at the server root, whatever the base path."""
    scheme, rest = url.split("://", 1)
    return scheme + "://" + rest.split("/", 1)[0]


def main():
    binary = os.environ.get("OMNIAUTH_EMULATOR", "omniauth-emulator")
    with tempfile.TemporaryDirectory() as tmp:
        ready = os.path.join(tmp, "ready.json")
        emulator = subprocess.Popen(
            [binary, "goscrobble", "maillink", "--ready-file", ready],
            stdout=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while not os.path.exists(ready):
                assert emulator.poll() is None, "the emulator exited early"
                assert time.monotonic() < deadline, "the emulator never got ready"
                time.sleep(0.05)
            with open(ready) as f:
                urls = json.load(f)
            check_goscrobble(urls["goscrobble"])
            check_maillink(urls["maillink"])
        finally:
            emulator.send_signal(signal.SIGTERM)
            assert emulator.wait(timeout=20) == 0, "SIGTERM ends it cleanly"
    print("python example: ok")


def check_goscrobble(base):
    demo = {"username": "demo", "password": "a demo password"}
    status, body = call("POST", base + "/login", demo)
    assert status == 200 and body["token"], (status, body)

    # One 503 for the next login, then the rule is spent.
    rule = {"path": "/api/v1/login", "times": 1, "fault": {"type": "status", "status": 503}}
    status, _ = call("POST", root(base) + "/__omniauth/faults", rule)
    assert status == 204, status
    status, _ = call("POST", base + "/login", demo)
    assert status == 503, status
    status, _ = call("POST", base + "/login", demo)
    assert status == 200, status


def check_maillink(base):
    status, body = call("POST", base + "/auth/login", {"username": "demo", "email": "demo@example.com", "session_platform": "linux"})
    assert status == 200, (status, body)
    auth_id = body["auth_id"]
    # Not confirmed yet: the poll answers 400.
    status, _ = call("GET", base + "/auth/session/" + auth_id)
    assert status == 400, status
    # The user follows the link (the control API does it for the test).
    status, _ = call("POST", root(base) + "/__omniauth/logins/" + auth_id + "/confirm")
    assert status == 204, status
    status, body = call("GET", base + "/auth/session/" + auth_id)
    assert status == 200 and body["session_token"], (status, body)


if __name__ == "__main__":
    main()
