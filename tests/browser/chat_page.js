// Drives the chat example's page (examples/chat.html) in Debian's headless
// Chromium with puppeteer-core: two tabs join, each sends, each shows the
// other's message; then the same page served from another origin tries the
// socket and is refused. Prints one JSON line per observation; the Rust test
// (tests/channel_traced/browser.rs) asserts on them and on the server's spans.
//
// Usage: node chat_page.js http://127.0.0.1:PORT http://127.0.0.1:OTHER_PORT [screenshot.png]
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const puppeteer = require("puppeteer-core");

const [server, otherOrigin, screenshot] = process.argv.slice(2);
if (!server || !otherOrigin) {
  console.error("usage: node chat_page.js http://HOST:PORT http://HOST:OTHER_PORT [screenshot.png]");
  process.exit(2);
}

const observe = (what, data) => console.log(JSON.stringify({ what, ...data }));
const fail = (why) => {
  console.error(`chat page: ${why}`);
  process.exit(1);
};
setTimeout(() => fail("timed out"), 60000).unref();

const statusText = (page) => page.$eval("#status", (el) => el.textContent);

// Waits use a timer, not animation frames: a background tab gets none.
const waiting = { timeout: 15000, polling: 100 };

// Waits until the page's status reads `text`.
const statusIs = (page, text) =>
  page.waitForFunction((t) => document.querySelector("#status").textContent === t, waiting, text);

// The messages a page shows, as "user: body" (or the body alone).
const messages = (page) =>
  page.$$eval("#messages li", (items) =>
    items.map((li) => {
      const user = li.querySelector(".user");
      const body = user ? li.textContent.slice(user.textContent.length) : li.textContent;
      return user ? `${user.textContent}: ${body}` : body;
    }),
  );

// Waits until the page shows `line` among its messages.
const shows = (page, line) =>
  page.waitForFunction(
    (l) =>
      [...document.querySelectorAll("#messages li")].some((li) => {
        const user = li.querySelector(".user");
        const body = user ? li.textContent.slice(user.textContent.length) : li.textContent;
        return (user ? `${user.textContent}: ${body}` : body) === l;
      }),
    waiting,
    line,
  );

async function say(page, body) {
  await page.type("#body", body);
  await page.keyboard.press("Enter");
}

async function main() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "tracewire-chromium-"));
  const browser = await puppeteer.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    userDataDir: profile,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const pages = [];
  try {
    const open = async (url) => {
      const page = await browser.newPage();
      await page.setViewport({ width: 720, height: 640 });
      const console = [];
      page.on("console", (msg) => console.push(msg.text()));
      page.on("pageerror", (error) => console.push(`page error: ${error.message}`));
      await page.goto(url);
      pages.push({ url, page, console });
      return { page, console };
    };

    const alice = await open(`${server}/?token=alice`);
    await statusIs(alice.page, "joined room:lobby as alice");
    observe("joined", { who: "alice", status: await statusText(alice.page) });
    const bob = await open(`${server}/?token=bob`);
    await statusIs(bob.page, "joined room:lobby as bob");
    observe("joined", { who: "bob", status: await statusText(bob.page) });

    await say(alice.page, "hello from the browser");
    await shows(alice.page, "alice: hello from the browser");
    await shows(bob.page, "alice: hello from the browser");
    await say(bob.page, "hi alice");
    await shows(alice.page, "bob: hi alice");
    observe("messages", { who: "alice", shows: await messages(alice.page) });
    observe("messages", { who: "bob", shows: await messages(bob.page) });
    if (screenshot) {
      await alice.page.screenshot({ path: screenshot });
    }

    // The same page from another origin, pointed at this server's socket.
    const socket = `${server.replace(/^http/, "ws")}/socket`;
    const carol = await open(`${otherOrigin}/?token=carol&socket=${encodeURIComponent(socket)}`);
    await statusIs(carol.page, "the server refused the connection");
    observe("cross-origin", {
      status: await statusText(carol.page),
      // Chromium logs the handshake's HTTP status on the page's console.
      refusal: carol.console.filter((line) => line.includes("Unexpected response code")),
    });
    for (const { console } of [alice, bob]) {
      const errors = console.filter((line) => /error/i.test(line));
      if (errors.length) observe("console errors", { errors });
    }
  } catch (error) {
    // What each page showed, to see why.
    for (const { url, page, console } of pages) {
      const shown = await page.evaluate(() => document.querySelector("main").innerText).catch(String);
      process.stderr.write(`--- ${url}\n${shown}\nconsole: ${JSON.stringify(console)}\n`);
    }
    throw error;
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => fail(error.stack || String(error)),
);
