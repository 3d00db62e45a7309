import type { ConsoleMessage } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/server/app.js";
import { type RunningServer, startServer } from "../../src/server/server.js";
import { CHROMIUM_FOUND, Chromium, screenshot } from "../support/browser.js";
import { DRIVERS } from "../support/db.js";
import { type Desk, openDesk } from "../support/http.js";

/**
 * Unknown addresses over a real port: a page a person can read (with a way back) for anything outside
 * the API, a problem document inside it, never a server error; the favicon and robots.txt that browsers
 * and crawlers ask for unprompted; and a route without an access rule refused when it is declared.
 */

describe.each(DRIVERS)("unknown addresses, favicon and robots.txt, on %s", (driver) => {
  let desk: Desk;
  let server: RunningServer;

  beforeAll(async () => {
    desk = await openDesk(driver);
    server = await startServer(desk.db, desk.config, { host: "127.0.0.1", port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await desk?.close();
  });

  it("answers an unknown page address with a 404 page and a way back, signed in or not", async () => {
    for (const path of ["/nope", "/desk/nope", "/assets/nope.css", "/admin/users/nope/extra"]) {
      const response = await fetch(`${server.url}${path}?x=1`);
      expect(response.status, path).toBe(404);
      expect(response.headers.get("content-type")).toContain("text/html");
      const html = await response.text();
      expect(html).toContain("<h1>Page not found</h1>");
      expect(html).toContain(`<code>${path}</code>`);
      expect(html).toContain('href="/signin"');
    }
    const reviewer = await desk.signIn(desk.accounts.reviewer);
    const signedIn = await fetch(`${server.url}/desk/typo`, { headers: { cookie: reviewer.headers.cookie as string } });
    expect(signedIn.status).toBe(404);
    const html = await signedIn.text();
    expect(html).toContain('<a href="/desk">Go to your start page</a>');
    expect(html).toContain("reviewer@provider.example");
    // A write to nowhere does nothing: it is told the address is unknown, not refused for its missing token.
    const post = await fetch(`${server.url}/desk/typo`, {
      method: "POST",
      headers: { cookie: reviewer.headers.cookie as string, "content-type": "application/x-www-form-urlencoded" },
      body: "a=1",
    });
    expect(post.status).toBe(404);
  });

  it("answers an unknown API address with a 404 problem document", async () => {
    for (const [method, path] of [
      ["GET", "/api/v1/nope"],
      ["POST", "/api/v1/requests/x/nope"],
      ["GET", "/api"],
    ] as const) {
      const response = await fetch(`${server.url}${path}`, { method });
      expect(response.status, path).toBe(404);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
      const problem = (await response.json()) as { title: string; status: number; detail: string };
      expect(problem).toMatchObject({ title: "Not Found", status: 404, detail: `no route ${method} ${path}` });
    }
  });

  it("serves a favicon and a robots.txt that keeps crawlers to the public reports", async () => {
    const ico = await fetch(`${server.url}/favicon.ico`);
    expect(ico.status).toBe(200);
    expect(ico.headers.get("content-type")).toMatch(/^image\/(x-icon|vnd\.microsoft\.icon)/);
    expect([...new Uint8Array(await ico.arrayBuffer()).subarray(0, 4)]).toEqual([0, 0, 1, 0]);
    const svg = await fetch(`${server.url}/assets/favicon.svg`);
    expect(svg.status).toBe(200);
    expect(svg.headers.get("content-type")).toContain("image/svg+xml");
    const robots = await fetch(`${server.url}/robots.txt`);
    expect(robots.status).toBe(200);
    expect(robots.headers.get("content-type")).toContain("text/plain");
    const rules = (await robots.text()).split("\n").filter((line) => /^(allow|disallow):/i.test(line));
    expect(rules).toEqual([
      "Allow: /reports",
      "Disallow: /desk",
      "Disallow: /portal",
      "Disallow: /admin",
      "Disallow: /signin",
      "Disallow: /api/",
    ]);
  });

  it("refuses, when it is declared, a route that says nothing about who may call it", async () => {
    const app = await buildApp({ db: desk.db, config: desk.config });
    try {
      expect(() => app.get("/undeclared", async () => "anyone")).toThrow(
        "route GET /undeclared declares no access rule",
      );
      expect(() => app.get("/declared", { config: { access: "public" } }, async () => "anyone")).not.toThrow();
    } finally {
      await app.close();
    }
  });
});

describe.skipIf(!CHROMIUM_FOUND)("unknown addresses in Chromium", () => {
  let desk: Desk;
  let server: RunningServer;
  let chrome: Chromium;

  beforeAll(async () => {
    desk = await openDesk("pglite");
    server = await startServer(desk.db, desk.config, { host: "127.0.0.1", port: 0 });
    chrome = await Chromium.launch();
  });
  afterAll(async () => {
    await chrome?.close();
    await server?.close();
    await desk?.close();
  });

  it("a page asks for the favicon and gets it, with no console error; a typo shows the 404 page", async () => {
    const page = await chrome.page();
    const errors: string[] = [];
    page.on("console", (message: ConsoleMessage) => {
      if (message.type() === "error") errors.push(`${message.location().url}: ${message.text()}`);
    });
    const favicon = page.waitForResponse((response) => /favicon/.test(response.url()));
    await page.goto(`${server.url}/signin`);
    expect((await favicon).status()).toBe(200);
    expect(errors).toEqual([]);

    const response = await page.goto(`${server.url}/desk/requets`);
    expect(response?.status()).toBe(404);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Page not found");
    await screenshot(page, "60-not-found");
    await Promise.all([
      page.waitForURL((url) => url.pathname === "/signin"),
      page.getByRole("link", { name: "Sign in" }).click(),
    ]);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Sign in to Custodian");
    // Chromium reports the 404 document's own status, and nothing else: no asset of the page is missing.
    expect(errors).toEqual([
      `${server.url}/desk/requets: Failed to load resource: the server responded with a status of 404 (Not Found)`,
    ]);
  });
});
