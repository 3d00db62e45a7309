import { CHECKPOINT_EVERY, sealAudit } from "../audit/seal.js";
import type { Config } from "../config.js";
import type { Db } from "../db/database.js";
import { refreshPlannerStatistics } from "../db/statistics.js";
import { runDueJobs } from "../jobs/jobs.js";
import { deliverDueMail, type MailTransport } from "../mail/outbox.js";
import { smtpTransport } from "../mail/smtp.js";
import { renewCanary } from "../reports/canary.service.js";
import { sweepAbandonedBlobs } from "../requests/documents.store.js";
import { HOUR_MS } from "../shared/time.js";
import { buildApp } from "./app.js";
import { configuredJobHandlers } from "./job-handlers.js";

/** Abandoned uploads are rare (a killed process): looking once an hour is enough, and costs one statement. */
const SWEEP_EVERY_MS = HOUR_MS;
/** PGlite runs no autovacuum: its planner's statistics are refreshed daily, the first time well after start. */
const ANALYZE_EVERY_MS = 24 * HOUR_MS;
const FIRST_ANALYZE_AFTER_MS = HOUR_MS;

/**
 * One Custodian process: the HTTP server, and beside it the background work every process shares through
 * the database: sealing the audit trail, running due jobs (SKIP LOCKED, so processes never collide),
 * the day's warrant canary when one is configured, and sending the outbox when SMTP is configured.
 */

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export interface ServeOptions {
  host: string;
  port: number;
  logger?: boolean;
  /** How often the background work runs. */
  workEveryMs?: number;
  /**
   * Links in mail point at the address the server listens on (the demo, whose port may be chosen by the
   * system), instead of the configured public URL.
   */
  publicUrlFromAddress?: boolean;
}

export async function startServer(db: Db, config: Config, options: ServeOptions): Promise<RunningServer> {
  const app = await buildApp({ db, config, logger: options.logger ?? false });
  const address = await app.listen({ host: options.host, port: options.port });
  const url = address.replace("[::1]", "localhost");
  // Before any request is served or job runs (both read config.publicUrl when they write a link).
  if (options.publicUrlFromAddress) config.publicUrl = url.replace(/\/\/(0\.0\.0\.0|\[::\])(?=:)/, "//127.0.0.1");
  const transport: MailTransport | undefined = config.smtpUrl
    ? smtpTransport(config.smtpUrl, config.mailFrom)
    : undefined;
  const workerId = `server:${process.pid}`;
  // Including the configured ones: `request.fulfil` needs the master key.
  const handlers = configuredJobHandlers(config);
  let stopping = false;
  let canaryDecided: string | undefined;
  let blobsSweptAt = 0;
  const embedded = !config.databaseUrl;
  let analyzedAt = Date.now() - ANALYZE_EVERY_MS + FIRST_ANALYZE_AFTER_MS;
  let running: Promise<void> = Promise.resolve();
  const work = async () => {
    try {
      await sealAudit(db, { key: config.auditSigningKey, checkpointEvery: CHECKPOINT_EVERY });
      await runDueJobs(db, handlers, { workerId, limit: 100 });
      // Once a day: the first tick of each UTC day decides it (once across processes, in the database).
      const today = new Date().toISOString().slice(0, 10);
      if (config.canary && canaryDecided !== today) {
        await renewCanary(db, config.canary, new Date());
        canaryDecided = today;
      }
      if (transport) await deliverDueMail(db, transport, { limit: 100 });
      // Uploads a killed process left half-written (or a refusal could not clean up) are swept hourly.
      if (Date.now() - blobsSweptAt >= SWEEP_EVERY_MS) {
        const swept = await sweepAbandonedBlobs(db, new Date());
        blobsSweptAt = Date.now();
        if (swept > 0) app.log.info({ swept }, "deleted abandoned uploads no request links to");
      }
      if (embedded && Date.now() - analyzedAt >= ANALYZE_EVERY_MS) {
        await refreshPlannerStatistics(db);
        analyzedAt = Date.now();
      }
    } catch (error) {
      app.log.error({ err: error }, "background work failed; retrying on the next tick");
    }
  };
  const timer = setInterval(() => {
    if (stopping) return;
    running = running.then(work);
  }, options.workEveryMs ?? 2000);
  return {
    url,
    async close() {
      stopping = true;
      clearInterval(timer);
      // Stop accepting; the requests in flight finish (keep-alive connections are closed once idle, a
      // request arriving on one meanwhile is answered 503).
      await app.close();
      // The background tick in progress finishes: its jobs commit, or roll back and stay due.
      await running;
      // Seal what the last requests committed, so nothing acknowledged waits unchained for the next start.
      try {
        await sealAudit(db, { key: config.auditSigningKey, checkpointEvery: CHECKPOINT_EVERY });
      } catch (error) {
        app.log.error({ err: error }, "could not seal the audit trail at shutdown; the next start seals it");
      }
    },
  };
}
