// Drives a tracewire channel server with the official `phoenix` client, as a
// browser would, over `ws`. Prints one JSON line per observation; the Rust
// test (tests/channel_traced/js.rs) asserts on them and on the server's spans.
//
// Usage: node chat_client.js ws://127.0.0.1:PORT/socket [websocket|longpoll]
//
// With `longpoll`, WebSockets are "blocked" (the transport given to the
// socket connects to a closed port, as behind a proxy that refuses
// upgrades): the socket falls back to LongPoll (`longPollFallbackMs`) and
// the chat runs over it; the refused socket uses LongPoll from the start.
"use strict";

const { Socket, LongPoll } = require("phoenix");
const WebSocket = require("ws");

const url = process.argv[2];
const mode = process.argv[3] || "websocket";
if (!url || !["websocket", "longpoll"].includes(mode)) {
  console.error("usage: node chat_client.js ws://HOST:PORT/socket [websocket|longpoll]");
  process.exit(2);
}

// A WebSocket that never reaches the server: port 9 on loopback is closed.
class BlockedWebSocket extends WebSocket {
  constructor(address, protocols) {
    super(address.replace(/^ws:\/\/[^/]+/, "ws://127.0.0.1:9"), protocols);
  }
}

const observe = (what, data) => console.log(JSON.stringify({ what, ...data }));
const fail = (why) => {
  console.error(`phoenix client: ${why}`);
  process.exit(1);
};
setTimeout(() => fail("timed out"), 15000).unref();

// Resolves with the reply of a push ("ok" or "error"), or rejects on timeout.
const reply = (push) =>
  new Promise((resolve, reject) => {
    push
      .receive("ok", (response) => resolve({ status: "ok", response }))
      .receive("error", (response) => resolve({ status: "error", response }))
      .receive("timeout", () => reject(new Error("push timed out")));
  });

const connect = (token, transport) => {
  const options = {
    transport: transport || WebSocket,
    params: { token },
    reconnectAfterMs: () => 60000, // a refused socket must not retry during the test
  };
  if (mode === "longpoll" && !transport) {
    options.transport = BlockedWebSocket;
    options.longPollFallbackMs = 300;
  }
  const socket = new Socket(url, options);
  socket.connect();
  return socket;
};

async function rejectedOnBadAuth() {
  const socket = connect("not-a-token", mode === "longpoll" ? LongPoll : undefined);
  await new Promise((resolve) => socket.onError(() => resolve()));
  socket.disconnect();
  observe("rejected", { token: "not-a-token" });
}

async function main() {
  await rejectedOnBadAuth();

  const alice = connect("alice");
  const bob = connect("bob");
  const aliceRoom = alice.channel("room:lobby", {});
  const bobRoom = bob.channel("room:lobby", {});

  const broadcast = new Promise((resolve) =>
    bobRoom.on("message:new", (payload) => resolve(payload)),
  );

  observe("join", { who: "alice", ...(await reply(aliceRoom.join())) });
  observe("join", { who: "bob", ...(await reply(bobRoom.join())) });

  const sent = await reply(aliceRoom.push("message:new", { body: "hello from js" }));
  observe("reply", { event: "message:new", ...sent });
  observe("broadcast", { to: "bob", payload: await broadcast });

  const unknown = await reply(aliceRoom.push("no:such:event", {}));
  observe("reply", { event: "no:such:event", ...unknown });

  // phoenix.js answers a leave "ok" locally as soon as it is sent; the
  // server's phx_close, sent once the channel's terminate has run, is what
  // says the server has seen it. Wait for that before disconnecting.
  const closed = (socket, topic) =>
    new Promise((resolve) =>
      socket.onMessage((msg) => {
        if (msg.event === "phx_close" && msg.topic === topic) resolve();
      }),
    );
  const aliceClosed = closed(alice, "room:lobby");
  const bobClosed = closed(bob, "room:lobby");
  observe("leave", { who: "alice", ...(await reply(aliceRoom.leave())) });
  observe("leave", { who: "bob", ...(await reply(bobRoom.leave())) });
  await Promise.all([aliceClosed, bobClosed]);
  if (mode === "longpoll") {
    const name = (socket) => (socket.transport === LongPoll ? "LongPoll" : "WebSocket");
    observe("transport", { alice: name(alice), bob: name(bob) });
  }
  alice.disconnect();
  bob.disconnect();
  process.exit(0);
}

main().catch((error) => fail(error.stack || String(error)));
