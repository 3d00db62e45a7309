import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { currentTotpCode } from "../auth/credentials.js";
import type { Config } from "../config.js";
import type { Db } from "../db/database.js";
import { DEMO_SCALE, seedDemoHistory } from "../demo/history.js";
import { seedDemo } from "../demo/seed.js";
import { seedMessengerStore } from "../fulfilment/sources/messenger.seed.js";
import { startServer } from "../server/server.js";
import { generateMasterKeyText } from "../shared/master-key.js";
import { parseCommandArgs, UsageError } from "./args.js";
import { configFrom, withDatabase } from "./context.js";
import { engineTour } from "./demo.js";

/** `custodian serve` and `custodian demo`: run the server until interrupted. */

const SERVE_OPTIONS = {
  data: { type: "string" },
  host: { type: "string", default: "127.0.0.1" },
  port: { type: "string", default: "4000" },
} as const;

function portOf(command: string, text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${command}: --port must be 0–65535`);
  return port;
}

/** How long a stop may take before the process exits anyway (below the usual orchestrator grace of 30 s). */
const SHUTDOWN_BOUND_MS = 25_000;

async function serveUntilStopped(
  config: Config,
  options: { host: string; port: number; logger: boolean },
  before?: (db: Db, url: string) => Promise<void>,
): Promise<number> {
  return withDatabase(config, async (database) => {
    const server = await startServer(database.db, config, options);
    if (before) await before(database.db, server.url);
    else process.stdout.write(`Custodian listening on ${server.url} (${database.driver})\n`);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once("SIGINT", () => resolve("SIGINT"));
      process.once("SIGTERM", () => resolve("SIGTERM"));
    });
    process.stderr.write(`custodian: ${signal}: stopping (finishing the requests and jobs in flight) …\n`);
    // Bounded: an orchestrator's kill comes anyway; better to say what was left. A second signal is a person
    // insisting. Either way nothing committed is lost, and what was not committed rolls back.
    const giveUp = (why: string) => {
      process.stderr.write(`custodian: ${why}; exiting with work in flight (its transactions roll back)\n`);
      process.exit(1);
    };
    const bound = setTimeout(() => giveUp(`not stopped within ${SHUTDOWN_BOUND_MS / 1000} s`), SHUTDOWN_BOUND_MS);
    bound.unref();
    process.once("SIGINT", () => giveUp("interrupted again"));
    process.once("SIGTERM", () => giveUp("terminated again"));
    await server.close();
    clearTimeout(bound);
    process.stderr.write("custodian: stopped\n");
    return 0;
  });
}

export async function runServe(args: string[]): Promise<number> {
  const { values } = parseCommandArgs("serve", args, SERVE_OPTIONS);
  return serveUntilStopped(configFrom(values.data), {
    host: values.host,
    port: portOf("serve", values.port),
    logger: true,
  });
}

export const DEMO_DATA_DIR = "./.custodian/demo";

export async function runDemo(args: string[]): Promise<number> {
  const { values } = parseCommandArgs("demo", args, SERVE_OPTIONS);
  const dataDir = values.data ?? process.env.CUSTODIAN_DATA_DIR ?? DEMO_DATA_DIR;
  // Productions are encrypted under a master key from configuration; the demo makes one of its own,
  // kept beside its data (never inside the database), unless one is configured.
  if (!process.env.CUSTODIAN_MASTER_KEY && !process.env.CUSTODIAN_MASTER_KEY_FILE) {
    const keyFile = `${dataDir.replace(/\/+$/, "")}.master-key`;
    if (!existsSync(keyFile)) {
      mkdirSync(dirname(keyFile), { recursive: true });
      writeFileSync(keyFile, generateMasterKeyText(), { mode: 0o600 });
    }
    process.env.CUSTODIAN_MASTER_KEY_FILE = keyFile;
  }
  const config = { ...configFrom(values.data), dataDir };
  process.stdout.write(engineTour());
  return serveUntilStopped(
    { ...config, publicUrl: `http://${values.host}:${values.port}` },
    { host: values.host, port: portOf("demo", values.port), logger: false },
    async (db, url) => {
      const seeded = await db.selectFrom("app_user").select("id").limit(1).executeTakeFirst();
      if (seeded) {
        process.stdout.write(`\nCustodian demo at ${url} (demo data from an earlier run, in ${config.dataDir})\n`);
        return;
      }
      const scale = demoScale();
      process.stdout.write(`\nSeeding the demo: 2019–2021 requests at ${scale} × Apple's published volumes …\n`);
      const history = await seedDemoHistory(db, { scale });
      const world = await seedDemo(db, config, () => new Date());
      await seedMessengerStore(db, { accounts: 300, seed: 20200706 });
      const now = new Date();
      const lines = [
        "",
        `Custodian demo at ${url}   (API: ${url}/api/v1, OpenAPI: ${url}/api/v1/openapi.json)`,
        `Embedded database in ${config.dataDir}; stop with Ctrl-C.`,
        "",
        "Sign in as (second-factor secrets for an authenticator app; `npx custodian totp SECRET` prints the code):",
        `  ${"role".padEnd(8)} ${"e-mail".padEnd(28)} ${"password".padEnd(28)} ${"TOTP secret".padEnd(33)} now`,
        ...world.accounts.map(
          (a) =>
            `  ${a.role.padEnd(8)} ${a.email.padEnd(28)} ${a.password.padEnd(28)} ${a.totpSecret.padEnd(33)} ${currentTotpCode(a.totpSecret, now)}`,
        ),
        "",
        `${world.pendingOfficer} registered and enrolled, and waits for intake's call-back (POST /api/v1/users/{id}/activate).`,
        `Request ${world.approvedRequestId} was approved; the background job packages it within seconds, and`,
        "agent.smith@fbi.gov may then download the production once (GET /api/v1/productions/{id}/download).",
        `Transparency report (public, no sign-in): ${url}/reports/2020H2 — ${history.requests.toLocaleString("en")} past requests, Hong Kong held from 2020-07-06.`,
        "Mail (confirmation links, reminders) waits in the outbox: GET /api/v1/outbox as admin or auditor.",
        "",
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
    },
  );
}

export function runTotp(args: string[]): number {
  const [secret, ...rest] = args;
  if (!secret || rest.length > 0 || !/^[A-Z2-7]{16,64}$/.test(secret)) {
    throw new UsageError("totp: give one base32 secret, as the demo printed it");
  }
  process.stdout.write(`${currentTotpCode(secret)}\n`);
  return 0;
}

/** The demo's history at Apple's volumes × DEMO_SCALE; CUSTODIAN_DEMO_SCALE changes it (tests use a sliver). */
function demoScale(): number {
  const text = process.env.CUSTODIAN_DEMO_SCALE;
  if (text === undefined || text === "") return DEMO_SCALE;
  const scale = Number(text);
  if (!(scale > 0 && scale <= 1)) throw new UsageError("demo: CUSTODIAN_DEMO_SCALE must be a number in (0, 1]");
  return scale;
}
