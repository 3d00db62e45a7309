import { Writable } from "node:stream";
import Fastify from "fastify";
import { expect, it } from "vitest";
import { logSerializers, pathForLog } from "./log.js";

it("a setup link never reaches the server's log, the rest of the line does", async () => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const app = Fastify({ logger: { level: "info", stream, serializers: logSerializers } });
  app.get("/setup/:token", async () => "ok");
  const link = "q2Jx7GkP0v9LwR3sT8yB1nM4cZ6hF5dA2eU0iO9pK7w";
  expect((await app.inject({ method: "GET", url: `/setup/${link}?x=1` })).statusCode).toBe(200);
  await app.close();
  const log = lines.join("");
  expect(log).toContain('"url":"/setup/[link]?x=1"');
  expect(log).toContain('"method":"GET"');
  expect(log).not.toContain(link);
  expect(pathForLog("/signin?next=/setup/abc")).toBe("/signin?next=/setup/abc");
});
