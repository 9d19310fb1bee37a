"""pysignalr (PyPI, pinned in requirements.txt) against the Resonite hub emulator, driven by
tests/tests/interop_py.rs. Reads HUB_URL (http://127.0.0.1:PORT/hub) and HUB_AUTH (the
`Authorization` value). Prints `ok <check>` per check, `done` at the end; exits 1 on the
first failure, 2 when it runs out of time. pysignalr negotiates (version 0) by default."""

import asyncio
import os
import sys
import time

from pysignalr.client import SignalRClient

URL = os.environ.get("HUB_URL")
AUTH = os.environ.get("HUB_AUTH")
WAIT = 5.0


def say(line: str) -> None:
    print(line, flush=True)


class Fail(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Fail(message)


async def main() -> None:
    if not URL or not AUTH:
        raise Fail("HUB_URL and HUB_AUTH must be set")
    client = SignalRClient(
        URL,
        headers={"Authorization": AUTH},
        signalr_ping_interval=1,
        retry_count=1,
    )
    opened = asyncio.Event()
    events: dict[str, list] = {}
    arrived = asyncio.Event()

    async def on_open() -> None:
        opened.set()

    async def on_error(message) -> None:
        pass

    def record(target: str):
        async def handler(arguments) -> None:
            events.setdefault(target, []).append(arguments)
            arrived.set()

        return handler

    client.on_open(on_open)
    client.on_error(on_error)
    for target in ("ReceiveStatusUpdate", "MessageSent", "ContactAddedOrUpdated"):
        client.on(target, record(target))

    async def invoke(method: str, arguments: list):
        done: asyncio.Future = asyncio.get_running_loop().create_future()

        async def on_completion(message) -> None:
            if not done.done():
                done.set_result(message)

        await client.send(method, arguments, on_invocation=on_completion)
        message = await asyncio.wait_for(done, WAIT)
        check(not message.error, f"{method} failed: {message.error}")
        return message.result

    async def event(target: str, pick=lambda arguments: True):
        deadline = time.monotonic() + WAIT
        while True:
            for arguments in events.get(target, []):
                if pick(arguments):
                    return arguments
            remaining = deadline - time.monotonic()
            check(remaining > 0, f"no {target} within {WAIT} s")
            arrived.clear()
            try:
                await asyncio.wait_for(arrived.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    runner = asyncio.create_task(client.run())
    await asyncio.wait_for(opened.wait(), WAIT)
    say("ok negotiate")

    status = await invoke("InitializeStatus", [])
    check(len(status["contacts"]) > 0, "no contacts")
    check(isinstance(status["contacts"][0]["userStatus"]["appVersion"], str), "appVersion not a string")
    await invoke("RequestStatus", [None, False])
    await invoke(
        "BroadcastStatus",
        [{"onlineStatus": "Online", "sessionType": "Bot", "userSessionId": "py", "sessions": []}, {"group": 1, "targetIds": None}],
    )
    await invoke("ListenOnContact", ["U-bob"])
    await invoke("ListenOnKey", ["key-py"])
    message_id = f"MSG-py-{time.time_ns()}"
    now = "2026-12-01T00:00:00Z"
    await invoke(
        "SendMessage",
        [{"id": message_id, "recipientId": "U-bob", "senderId": "U-alice", "ownerId": "U-alice", "messageType": "Text", "content": "hi from py", "sendTime": now}],
    )
    await invoke("MarkMessagesRead", [{"senderId": "U-bob", "ids": [], "readTime": now}])
    added = await invoke("UpdateContact", [{"id": "U-carol", "contactUsername": "carol", "contactStatus": "Accepted"}])
    check(added is True, f"UpdateContact answered {added!r}")
    say("ok functions")

    await event("ReceiveStatusUpdate")
    await event("MessageSent", lambda arguments: arguments[0]["id"] == message_id)
    await event("ContactAddedOrUpdated", lambda arguments: arguments[0]["id"] == "U-carol")
    say("ok events")

    items: list = []
    complete: asyncio.Future = asyncio.get_running_loop().create_future()

    async def on_next(item) -> None:
        items.append(item)

    async def on_complete(message) -> None:
        if not complete.done():
            complete.set_result(message)

    async def on_stream_error(message) -> None:
        if not complete.done():
            complete.set_exception(Fail(f"the stream failed: {message.error}"))

    await client.stream("InitializeContacts", [], on_next=on_next, on_complete=on_complete, on_error=on_stream_error)
    await asyncio.wait_for(complete, WAIT)
    check(len(items) > 1, f"the stream gave {len(items)} items")
    say("ok stream")

    # Idle past the emulator's client timeout: pysignalr's SignalR pings keep it alive.
    await asyncio.sleep(4.0)
    check(not runner.done(), "the connection ended while idle")
    await invoke("ListenOnKey", ["after-idle"])
    say("ok pings")

    runner.cancel()
    try:
        await runner
    except asyncio.CancelledError:
        pass
    say("ok stop")


async def bounded() -> None:
    await asyncio.wait_for(main(), 60)


if __name__ == "__main__":
    try:
        asyncio.run(bounded())
    except asyncio.TimeoutError:
        say("fail timeout: the script ran out of time")
        sys.exit(2)
    except Exception as error:  # noqa: BLE001 - every failure is reported the same way
        say(f"fail {type(error).__name__}: {error}")
        sys.exit(1)
    say("done")
