import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { generateSigningKeySeed } from "../audit/signing.js";
import { currentTotpCode } from "../auth/credentials.js";
import type { Config } from "../config.js";
import { DEMO_ADDRESSEES_FILE, loadConfig } from "../config.js";
import type { Db } from "../db/database.js";
import type { TemplateLevel } from "../db/pglite-template.js";
import { DEMO_SCALE, seedDemoHistory } from "../demo/history.js";
import { seedDemo } from "../demo/seed.js";
import { seedMessengerStore } from "../fulfilment/sources/messenger.seed.js";
import { type ServeOptions, startServer } from "../server/server.js";
import { generateMasterKeyText } from "../shared/master-key.js";
import { parseCommandArgs, UsageError } from "./args.js";
import { configFrom, withDatabase, withSources } from "./context.js";
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

interface Alongside {
  /** After the server listens, before it waits for a signal (the demo's world and its sign-ins). */
  started?: (db: Db, url: string) => Promise<void>;
  /** Work that runs beside the server until done, or stopped (between two commits) by a signal. */
  background?: (db: Db, signal: AbortSignal) => Promise<void>;
}

async function serveUntilStopped(
  config: Config,
  options: ServeOptions,
  alongside: Alongside = {},
  newStore: TemplateLevel = "initdb",
): Promise<number> {
  return withDatabase(
    config,
    (database) =>
      withSources(config, database.db, async (sources) => {
        if (!alongside.started) process.stderr.write(`custodian: ${sources.summary}\n`);
        const server = await startServer(database.db, config, options);
        if (alongside.started) await alongside.started(database.db, server.url);
        else process.stdout.write(`Custodian listening on ${server.url} (${database.driver})\n`);
        const stopBackground = new AbortController();
        const background = (alongside.background?.(database.db, stopBackground.signal) ?? Promise.resolve()).catch(
          (error: unknown) => {
            process.stderr.write(`custodian: background work stopped: ${(error as Error).message}\n`);
          },
        );
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
        stopBackground.abort();
        await background;
        await server.close();
        clearTimeout(bound);
        process.stderr.write("custodian: stopped\n");
        return 0;
      }),
    newStore,
  );
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

/**
 * A key the demo makes for itself, kept beside its data (never inside the database), unless one is
 * configured: `variable` (or its _FILE form) names the configured one.
 */
function demoKeyFile(dataDir: string, variable: string, suffix: string, generate: () => string): string {
  const configured = process.env[`${variable}_FILE`];
  if (process.env[variable] || configured) return configured ?? `(${variable})`;
  const keyFile = `${dataDir.replace(/\/+$/, "")}.${suffix}`;
  if (!existsSync(keyFile)) {
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, `${generate()}\n`, { mode: 0o600 });
  }
  process.env[`${variable}_FILE`] = keyFile;
  return keyFile;
}

export async function runDemo(args: string[]): Promise<number> {
  const { values } = parseCommandArgs("demo", args, SERVE_OPTIONS);
  const dataDir = values.data ?? process.env.CUSTODIAN_DATA_DIR ?? DEMO_DATA_DIR;
  // Productions are encrypted under a master key, and audit checkpoints signed, as in a real deployment.
  demoKeyFile(dataDir, "CUSTODIAN_MASTER_KEY", "master-key", generateMasterKeyText);
  const signingKeyFile = demoKeyFile(
    dataDir,
    "CUSTODIAN_AUDIT_SIGNING_KEY",
    "audit-signing-key",
    generateSigningKeySeed,
  );
  // The demo's own sources (the messenger it fills), whatever CUSTODIAN_SOURCES names for `serve`; its
  // fictional addressees unless CUSTODIAN_ADDRESSEES names others.
  const demoEnv = {
    ...process.env,
    CUSTODIAN_SOURCES: undefined,
    CUSTODIAN_ADDRESSEES: process.env.CUSTODIAN_ADDRESSEES ?? DEMO_ADDRESSEES_FILE,
  };
  const config = { ...loadConfig(demoEnv, { dataDir: values.data }), dataDir };
  const scale = demoScale();
  process.stdout.write(engineTour());
  const started = Date.now();
  return serveUntilStopped(
    config,
    {
      host: values.host,
      port: portOf("demo", values.port),
      logger: false,
      // Mail links point where this demo listens (--port 0 included), unless CUSTODIAN_PUBLIC_URL says otherwise.
      publicUrlFromAddress: !process.env.CUSTODIAN_PUBLIC_URL,
    },
    {
      started: async (db, url) => {
        const seeded = await db.selectFrom("app_user").select("id").limit(1).executeTakeFirst();
        if (seeded) {
          process.stdout.write(`\nCustodian demo at ${url} (demo data from an earlier run, in ${config.dataDir})\n`);
          return;
        }
        const world = await seedDemo(db, config, () => new Date());
        await seedMessengerStore(db, { accounts: 300, seed: 20200706 });
        const now = new Date();
        const lines = [
          "",
          `Custodian demo at ${url}   (API: ${url}/api/v1, OpenAPI: ${url}/api/v1/openapi.json)`,
          // The URL is not echoed: it usually carries a password.
          `${config.databaseUrl ? "PostgreSQL database of DATABASE_URL" : `Embedded database in ${config.dataDir}`}; stop with Ctrl-C. Ready to sign in after ${((Date.now() - started) / 1000).toFixed(1)} s.`,
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
          `Transparency report (public, no sign-in): ${url}/reports/2020H2 — from 2019–2021 requests at ${scale} × Apple's`,
          "published volumes, Hong Kong held from 2020-07-06; they are being recorded now (progress below).",
          "Mail (confirmation links, reminders) waits in the outbox: GET /api/v1/outbox as admin or auditor.",
          `Audit checkpoints are signed with ${signingKeyFile}; check the trail (after Ctrl-C) with`,
          `  CUSTODIAN_AUDIT_SIGNING_KEY_FILE=${signingKeyFile} npx custodian audit verify --data ${config.dataDir}`,
          "",
        ];
        process.stdout.write(`${lines.join("\n")}\n`);
      },
      // The long history comes after the server answers: sign-in is ready in seconds, the report fills in.
      background: async (db, signal) => {
        let shown = -1;
        const history = await seedDemoHistory(db, {
          scale,
          signal,
          onProgress: (recorded, total) => {
            const decile = Math.floor((recorded / total) * 10);
            if (decile === shown || recorded === total) return;
            shown = decile;
            process.stdout.write(
              `history: ${recorded.toLocaleString("en")} of ${total.toLocaleString("en")} past requests recorded (${decile * 10}%)\n`,
            );
          },
        });
        if (history.complete) {
          process.stdout.write(
            `history: all ${history.requests.toLocaleString("en")} past requests recorded (${history.seconds.toFixed(1)} s); the transparency report is complete\n`,
          );
        } else {
          process.stdout.write("history: stopped; the next `custodian demo` on this directory goes on from there\n");
        }
      },
    },
    // A new demo store starts with the schema already migrated: sign-in is ready sooner.
    "latest",
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
