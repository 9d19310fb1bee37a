// The official ASP.NET Core SignalR client (@microsoft/signalr) against the Resonite hub
// emulator, driven by tests/tests/interop_js.rs. Reads HUB_URL (http://127.0.0.1:PORT/hub)
// and HUB_AUTH (the `Authorization` value) from the environment. Prints `ok <check>` per
// check; `ask <what>` asks the Rust side to act on the emulator and waits for one line on
// stdin. Exits 1 on the first failure, 2 when it runs out of time.
import * as readline from "node:readline";
import * as signalR from "@microsoft/signalr";

const url = process.env.HUB_URL;
const auth = process.env.HUB_AUTH;
if (!url || !auth) {
  console.log("fail setup: HUB_URL and HUB_AUTH must be set");
  process.exit(1);
}
setTimeout(() => {
  console.log("fail timeout: the script ran out of time");
  process.exit(2);
}, 60_000).unref();

const lines = readline.createInterface({ input: process.stdin });
const answers = [];
const waiters = [];
lines.on("line", (line) => {
  const waiter = waiters.shift();
  if (waiter) waiter(line);
  else answers.push(line);
});
async function ask(what) {
  console.log(`ask ${what}`);
  const answer = answers.length ? answers.shift() : await new Promise((r) => waiters.push(r));
  if (answer !== "done") throw new Error(`the test side answered ${answer} to ${what}`);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/// Resolves with the first arguments of `target` that `pick` accepts, within `ms`.
function once(connection, target, pick = () => true, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      connection.off(target, handler);
      reject(new Error(`no ${target} within ${ms} ms`));
    }, ms);
    function handler(...args) {
      if (!pick(...args)) return;
      clearTimeout(timer);
      connection.off(target, handler);
      resolve(args);
    }
    connection.on(target, handler);
  });
}

function closed(connection, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not closed within ${ms} ms`)), ms);
    connection.onclose((error) => {
      clearTimeout(timer);
      resolve(error);
    });
  });
}

function build(options = {}, tune = (b) => b) {
  const builder = new signalR.HubConnectionBuilder()
    .withUrl(url, { headers: { Authorization: auth }, ...options })
    .configureLogging(signalR.LogLevel.None);
  const connection = tune(builder).build();
  // The emulator pings every 200 ms and drops a client silent for 2 s (the test sets it).
  connection.keepAliveIntervalInMilliseconds = 200;
  connection.serverTimeoutInMilliseconds = 3000;
  return connection;
}

async function run() {
  // Negotiate (the default) and every hub function the emulator serves.
  const hub = build({}, (b) => b.withAutomaticReconnect([0, 100, 200, 500, 1000, 1000, 1000]));
  await hub.start();
  check(hub.connectionId, "negotiate gave no connection id");
  console.log("ok negotiate");

  const status = await hub.invoke("InitializeStatus");
  check(Array.isArray(status.contacts) && status.contacts.length > 0, "no contacts");
  check(typeof status.contacts[0].userStatus.userSessionId === "string", "Offline status without userSessionId");
  const statusUpdate = once(hub, "ReceiveStatusUpdate");
  await hub.invoke("RequestStatus", null, false);
  await statusUpdate;
  await hub.invoke("BroadcastStatus", { onlineStatus: "Online", sessionType: "Bot", userSessionId: "js", sessions: [] }, { group: 1, targetIds: null });
  await hub.invoke("ListenOnContact", "U-bob");
  await hub.invoke("ListenOnKey", "key-js");
  const id = `MSG-js-${Date.now()}`;
  const echo = once(hub, "MessageSent", (m) => m.id === id);
  await hub.invoke("SendMessage", { id, recipientId: "U-bob", senderId: "U-alice", ownerId: "U-alice", messageType: "Text", content: "hi from js", sendTime: new Date().toISOString() });
  await echo;
  await hub.invoke("MarkMessagesRead", { senderId: "U-bob", ids: [], readTime: new Date().toISOString() });
  const added = once(hub, "ContactAddedOrUpdated", (c) => c.id === "U-carol");
  check((await hub.invoke("UpdateContact", { id: "U-carol", contactUsername: "carol", contactStatus: "Accepted" })) === true, "UpdateContact did not answer true");
  await added;
  await hub.invoke("BroadcastSession", {});
  await hub.invoke("BroadcastSessionEnded", {});
  let unknown = null;
  await hub.invoke("NoSuchMethod").catch((e) => (unknown = e));
  check(unknown && /Unknown hub method/.test(unknown.message), "an unknown method did not fail");
  console.log("ok functions");
  console.log("ok events");

  // A stream to its end, then one cancelled after its first item.
  const items = await new Promise((resolve, reject) => {
    const got = [];
    hub.stream("InitializeContacts").subscribe({ next: (c) => got.push(c), complete: () => resolve(got), error: reject });
  });
  check(items.length > 1, `the stream gave ${items.length} items`);
  await new Promise((resolve, reject) => {
    const subscription = hub.stream("InitializeContacts").subscribe({
      next: () => {
        subscription.dispose();
        resolve();
      },
      complete: () => reject(new Error("the stream completed before the cancel")),
      error: reject,
    });
  });
  await hub.invoke("ListenOnKey", "after-cancel");
  console.log("ok stream");

  // Pings both ways: idle well past the emulator's 2 s client timeout, still connected.
  await new Promise((r) => setTimeout(r, 3000));
  check(hub.state === signalR.HubConnectionState.Connected, `state ${hub.state} after idling`);
  await hub.invoke("ListenOnKey", "after-idle");
  console.log("ok pings");

  // A server Close that allows a reconnect: the client reconnects.
  let reconnected = new Promise((r) => hub.onreconnected(r));
  await ask("close-allow-reconnect");
  await Promise.race([reconnected, new Promise((_, j) => setTimeout(() => j(new Error("no reconnect after a Close that allows it")), 5000))]);
  await hub.invoke("ListenOnKey", "after-close");
  console.log("ok close-allow-reconnect");

  // An emulator restart: the client reconnects.
  reconnected = new Promise((r) => hub.onreconnected(r));
  await ask("restart");
  await Promise.race([reconnected, new Promise((_, j) => setTimeout(() => j(new Error("no reconnect after a restart")), 8000))]);
  await hub.invoke("ListenOnKey", "after-restart");
  console.log("ok restart");

  // A clean stop: no error.
  const stopped = closed(hub);
  await hub.stop();
  check((await stopped) === undefined, "stop() closed with an error");
  console.log("ok stop");

  // Skip negotiate: the WebSocket straight away.
  const direct = build({ skipNegotiation: true, transport: signalR.HttpTransportType.WebSockets });
  await direct.start();
  await direct.invoke("ListenOnKey", "direct");
  const directStopped = closed(direct);
  await direct.stop();
  check((await directStopped) === undefined, "stop() after skipNegotiation closed with an error");
  console.log("ok skip-negotiate");

  // A server Close that does not allow a reconnect: closed, with the server's error.
  const final = build({}, (b) => b.withAutomaticReconnect([0]));
  await final.start();
  const finalClosed = closed(final);
  await ask("close-no-reconnect");
  const error = await finalClosed;
  check(error && /bye/.test(error.message), `the close error was ${error}`);
  console.log("ok close-no-reconnect");

  // A client that sends no SignalR pings is dropped by the client timeout, with a Close.
  const quiet = build();
  quiet.keepAliveIntervalInMilliseconds = 30_000;
  await quiet.start();
  const quietClosed = await closed(quiet, 5000);
  check(quietClosed, "the timeout closed without an error");
  console.log("ok client-timeout");
}

run()
  .then(() => {
    console.log("done");
    process.exit(0);
  })
  .catch((error) => {
    console.log(`fail ${error && error.message ? error.message : error}`);
    process.exit(1);
  });
