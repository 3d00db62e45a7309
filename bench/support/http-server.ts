import Fastify from "fastify";
import { loadConfig } from "../../src/config.js";
import { openDatabase } from "../../src/db/database.js";
import { buildApp } from "../../src/server/app.js";

/**
 * A server for the HTTP benchmark, in a process of its own so the load generator does not share its event
 * loop: `custodian` (the real app on DATABASE_URL) or `bare` (Fastify answering a constant). Prints the
 * port on stdout, then serves until killed.
 */
const kind = process.argv[2];
if (kind === "bare") {
  const app = Fastify();
  app.post("/api/v1/requests", async (_request, reply) => reply.code(201).send({ id: "constant", status: "received" }));
  await app.listen({ host: "127.0.0.1", port: 0 });
  process.stdout.write(`${(app.server.address() as { port: number }).port}\n`);
} else {
  const config = loadConfig(process.env);
  const database = await openDatabase({ url: config.databaseUrl });
  const app = await buildApp({ db: database.db, config });
  await app.listen({ host: "127.0.0.1", port: 0 });
  process.stdout.write(`${(app.server.address() as { port: number }).port}\n`);
}

// Asked (SIGUSR2), say how much CPU this process has spent: on a machine busy with other work the
// benchmark can still report what one submission costs the server.
process.on("SIGUSR2", () => {
  const { user, system } = process.cpuUsage();
  process.stdout.write(`cpu-ms ${(user + system) / 1000}\n`);
});
