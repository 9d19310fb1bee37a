"""A small Resonite-like hub served by aiosignalr's SignalR server (PyPI, pinned in
requirements.txt), for tests/tests/interop_aiosignalr.rs, which runs our hub client against
it. Prints `listening <port>`; then reads commands on stdin, one a line, and answers each
with one line:

- `invocations`: `invocations <json>`, the targets invoked since the last `invocations`;
- `client-result`: invokes `Debug` on every connection with an invocation id and prints
  `client-result <json>`, what each client answered (a value or an error text);
- `push`: sends `ReceiveStatusUpdate` and `Debug("pushed")` to every connection, `pushed`;
- `close <true|false>`: a Close message with `allowReconnect`, then the close, `closed`;
- `restart`: stops the server and serves again on the same port, `restarted`;
- `quit`: stops, `bye`.
"""

import asyncio
import json
import sys

from aiosignalr import HubException
from aiosignalr.messages import CloseMessage
from aiosignalr.server.hub import Hub
from aiosignalr.server.server import ServerOptions, SignalRServer

INVOKED: list[str] = []
STATUS = {
    "userId": "U-bob",
    "userSessionId": "b0b",
    "sessionType": "GraphicalClient",
    "outputDevice": "Screen",
    "isMobile": False,
    "isPresent": True,
    "onlineStatus": "Online",
    "lastPresenceTimestamp": "2026-12-01T00:00:00Z",
    "lastStatusChange": "2026-12-01T00:00:00Z",
    "hashSalt": "c2FsdA==",
    "appVersion": "2026.12.1",
    "compatibilityHash": None,
    "publicRSAKey": None,
    "sessions": [],
    "currentSessionIndex": -1,
}


class ResoniteHub(Hub):
    def _authorized(self) -> None:
        headers = {k.lower(): v for k, v in self.context.http_headers.items()}
        if not headers.get("authorization", "").startswith("res "):
            raise HubException("Unauthorized: no res credentials")

    # aiosignalr sends a `result` only for methods with a return annotation.
    async def InitializeStatus(self) -> dict:  # noqa: N802 - SignalR method names
        INVOKED.append("InitializeStatus")
        self._authorized()
        contact = {"id": "U-bob", "contactUsername": "bob", "contactStatus": "Accepted", "userStatus": STATUS}
        return {"contacts": [contact]}

    async def ListenOnKey(self, key: str):  # noqa: N802
        INVOKED.append(f"ListenOnKey:{key}")

    async def ListenOnContact(self, user: str):  # noqa: N802
        INVOKED.append(f"ListenOnContact:{user}")

    async def RequestStatus(self, user, invisible: bool):  # noqa: N802
        INVOKED.append("RequestStatus")
        await self.clients.caller.send("ReceiveStatusUpdate", STATUS)

    async def UpdateContact(self, contact) -> bool:  # noqa: N802
        INVOKED.append("UpdateContact")
        return contact.get("id") == "U-bob"

    async def SendMessage(self, message):  # noqa: N802
        INVOKED.append("SendMessage")
        raise HubException("Unauthorized: sending is not allowed here")


async def main() -> None:
    options = ServerOptions()
    options.keep_alive_interval = 1.0
    options.client_timeout_interval = 5.0
    server = SignalRServer(ResoniteHub, options=options)
    _, port = await server.serve("127.0.0.1", 0)
    print(f"listening {port}", flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = (await reader.readline()).decode().strip()
        if not line or line == "quit":
            await server.close()
            print("bye", flush=True)
            return
        command, _, argument = line.partition(" ")
        contexts = list(server.lifetime.connections.values())
        if command == "invocations":
            print(f"invocations {json.dumps(INVOKED)}", flush=True)
            INVOKED.clear()
        elif command == "client-result":
            answers = []
            for ctx in contexts:
                try:
                    value = await asyncio.wait_for(
                        server.lifetime.invoke_connection(ctx.connection_id, "Debug", ("asked",)), 5
                    )
                    answers.append({"result": value})
                except Exception as error:  # noqa: BLE001 - the client's error is the answer
                    answers.append({"error": str(error)})
            print(f"client-result {json.dumps(answers)}", flush=True)
        elif command == "push":
            await server.lifetime.send_all("ReceiveStatusUpdate", (STATUS,))
            await server.lifetime.send_all("Debug", ("pushed",))
            print("pushed", flush=True)
        elif command == "close":
            allow = argument == "true"
            for ctx in contexts:
                await ctx.send(CloseMessage(error="bye", allow_reconnect=allow))
                await ctx.close()
            print("closed", flush=True)
        elif command == "restart":
            await server.close()
            for ctx in contexts:
                await ctx.abort()
            server = SignalRServer(ResoniteHub, options=options)
            await server.serve("127.0.0.1", port)
            print("restarted", flush=True)
        else:
            print(f"unknown {command}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
