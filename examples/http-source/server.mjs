#!/usr/bin/env node
import { timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
// A reference implementation of Custodian's source protocol, version 1 (docs/source-protocol.openapi.yaml):
// what a provider writes, in any language, so that Custodian reaches a system over HTTP (kind `http`,
// docs/sources.md). Plain Node, no dependencies. It answers from a JSON file shaped as
//   { "accounts": [{ "id", "username", "name", "email" }], "logins": [{ "account", "at", "ip", "userAgent" }] }
// Run it:  SOURCE_TOKEN=… node examples/http-source/server.mjs data.json 8081
// The tests start it in-process (startSourceServer) and add faults to it: failing the first calls, stalling
// the records, writing a line that is not JSON.
import { createServer } from "node:http";

const COLUMNS = {
  "subscriber.name": ["display_name"],
  "subscriber.email": ["email"],
  "records.ip_logs": ["ip", "user_agent"],
};

/** The records of one category for one account within [from, to), oldest first. */
function* records(data, account, category, from, to) {
  if (category === "subscriber.name") yield { at: null, fields: { display_name: account.name } };
  if (category === "subscriber.email" && account.email) yield { at: null, fields: { email: account.email } };
  if (category === "records.ip_logs") {
    for (const login of data.logins) {
      const at = Date.parse(login.at);
      if (login.account !== account.id || (from !== null && at < from) || at >= to) continue;
      yield { at: login.at, fields: { ip: login.ip, user_agent: login.userAgent } };
    }
  }
}

function readBody(req, limit = 64 * 1024) {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > limit) reject(new Error("body too large"));
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/**
 * Starts the server on 127.0.0.1:`port` (0: any free port). `faults` are for tests: `failFirst` calls answer
 * 503, `stallRecords` leaves a records answer open after its headers, `badLine` writes a line that is not JSON.
 */
export async function startSourceServer({ file, token, port = 0, faults = {} }) {
  const data = JSON.parse(readFileSync(file, "utf8"));
  const expected = Buffer.from(`Bearer ${token}`);
  let failures = faults.failFirst ?? 0;
  const calls = [];
  const server = createServer(async (req, res) => {
    calls.push(`${req.method} ${req.url}`);
    const given = Buffer.from(req.headers.authorization ?? "");
    // Constant-time comparison: the token is a password.
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return send(res, 401, { error: "unauthorized" });
    }
    if (failures > 0) {
      failures -= 1;
      return send(res, 503, { error: "try again" });
    }
    let body = {};
    if (req.method === "POST") {
      try {
        body = JSON.parse(await readBody(req));
      } catch {
        return send(res, 400, { error: "the body must be JSON" });
      }
    }
    const byId = (id) => data.accounts.find((a) => a.id === id);
    if (req.method === "GET" && req.url === "/v1/categories") {
      return send(res, 200, { protocol: 1, categories: COLUMNS });
    }
    if (req.method === "POST" && req.url === "/v1/accounts/find") {
      const key = { account_id: "id", username: "username", email: "email" }[body.type];
      const value = String(body.value ?? "").toLowerCase();
      const account = key ? data.accounts.find((a) => a[key] === value) : undefined;
      return send(res, 200, { account: account ? { id: account.id, label: `@${account.username}` } : null });
    }
    if (req.method === "POST" && req.url === "/v1/contact") {
      const account = byId(body.accountId);
      return send(res, 200, { contact: account?.email ? { email: account.email, name: account.name } : null });
    }
    if (req.method === "POST" && req.url === "/v1/records") {
      const account = byId(body.accountId);
      if (!COLUMNS[body.category]) return send(res, 404, { error: "no such category here" });
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      if (faults.stallRecords && body.category === "records.ip_logs") return; // headers sent, then nothing
      if (faults.badLine && body.category === "records.ip_logs") {
        res.end('{"at": "2020-08-02T00:00:00Z", "fields": {"ip": "1.2.3.4", "user_agent": "x"}}\n{"at": oops}\n');
        return;
      }
      const from = body.from === null ? null : Date.parse(body.from);
      const to = Date.parse(body.to);
      if (account) {
        for (const record of records(data, account, body.category, from, to)) {
          // Respect back-pressure: wait for the socket to drain rather than buffer the whole answer.
          if (!res.write(`${JSON.stringify(record)}\n`)) await new Promise((resolve) => res.once("drain", resolve));
        }
      }
      return res.end();
    }
    return send(res, 404, { error: "not found" });
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    calls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, port] = process.argv.slice(2);
  if (!file || !process.env.SOURCE_TOKEN) {
    process.stderr.write("usage: SOURCE_TOKEN=… node examples/http-source/server.mjs DATA.json [PORT]\n");
    process.exit(2);
  }
  const server = await startSourceServer({ file, token: process.env.SOURCE_TOKEN, port: Number(port ?? 8081) });
  process.stdout.write(`source protocol v1 at ${server.url}\n`);
}
