// Presence with the official phoenix client: alice on one node, bob on
// another (or both on one), each with the client's own `Presence` class.
// Prints one JSON line per observation; the Rust test
// (tests/channel_traced/presence_js.rs) asserts on them.
//
// Usage: node presence_client.js ws://NODE_A/socket ws://NODE_B/socket
"use strict";

const { Socket, Presence } = require("phoenix");
const WebSocket = require("ws");

const [urlA, urlB] = process.argv.slice(2);
if (!urlA || !urlB) {
  console.error("usage: node presence_client.js ws://NODE_A/socket ws://NODE_B/socket");
  process.exit(2);
}

const observe = (what, data) => console.log(JSON.stringify({ what, ...data }));
const fail = (why) => {
  console.error(`phoenix client: ${why}`);
  process.exit(1);
};
setTimeout(() => fail("timed out"), 20000).unref();

// Joins the lobby as `user` on `url`; resolves once joined, with the room
// and a function that waits for an onSync listing exactly `users`.
const enter = (url, user, device) =>
  new Promise((resolve, reject) => {
    const socket = new Socket(url, {
      transport: WebSocket,
      params: { token: "secret", user },
      reconnectAfterMs: () => 60000,
    });
    socket.connect();
    const room = socket.channel("presence:lobby", { device });
    const presence = new Presence(room);
    let waiting = null;
    const listed = () => presence.list((key, { metas }) => ({ key, devices: metas.map((m) => m.device) }));
    const users = () => listed().map((p) => p.key).sort();
    presence.onSync(() => {
      if (waiting && JSON.stringify(users()) === JSON.stringify(waiting.users)) {
        const done = waiting.done;
        waiting = null;
        done(listed().sort((a, b) => a.key.localeCompare(b.key)));
      }
    });
    const syncedTo = (wanted) =>
      new Promise((done) => {
        waiting = { users: [...wanted].sort(), done };
        if (JSON.stringify(users()) === JSON.stringify(waiting.users)) {
          waiting = null;
          done(listed().sort((a, b) => a.key.localeCompare(b.key)));
        }
      });
    room
      .join()
      .receive("ok", () => resolve({ socket, syncedTo }))
      .receive("error", (e) => reject(new Error(`join refused: ${JSON.stringify(e)}`)));
  });

async function main() {
  const alice = await enter(urlA, "alice", "phone");
  const bob = await enter(urlB, "bob", "laptop");

  // Both clients' Presence lists both users, whichever node they are on.
  observe("sync", { who: "alice", presences: await alice.syncedTo(["alice", "bob"]) });
  observe("sync", { who: "bob", presences: await bob.syncedTo(["alice", "bob"]) });

  // Bob goes away: alice's list loses him.
  bob.socket.disconnect();
  observe("sync", { who: "alice", presences: await alice.syncedTo(["alice"]) });
  alice.socket.disconnect();
  process.exit(0);
}

main().catch((error) => fail(error.stack || String(error)));
