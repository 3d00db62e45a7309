import type { loadPolicyInForce } from "../policy/policy.store.js";
import type { Keyring } from "../shared/master-key.js";
import type { ArchiveStore } from "./archive.storage.js";
import type { StoredRequest } from "./collection.js";
import type { DataSourceFactory } from "./sources/source.js";

/** What fulfilment's steps (production.start.ts, fulfilment.collect.ts, fulfilment.service.ts) share. */

export interface FulfilmentSettings {
  keyring: Keyring | undefined;
  retentionDays: number;
  downloadLinkDays: number;
  emergencyNoticeDelayDays: number;
  publicUrl: string;
  /** Where archives are stored (archive.storage.ts). */
  archives: ArchiveStore;
}

export interface Progress {
  phase: "collect" | "package" | "seal";
  done: number;
  total: number;
  detail?: string;
}

export interface FulfilOptions {
  requestId: string;
  actor: string;
  settings: FulfilmentSettings;
  now?: () => Date;
  source?: DataSourceFactory;
  onProgress?: (progress: Progress) => void;
  chunkSize?: number;
  /**
   * Payload bytes the production may keep in memory after measuring them rather than read them again
   * from the source (package.builder.ts; default 16 MiB). 0 reads every file twice.
   */
  keepBytes?: number;
  /** Stops the work (the production fails) when aborted: the job's lease was taken over. */
  signal?: AbortSignal;
}

export interface FulfilResult {
  productionId: string;
  bagName: string;
  archiveBytes: number;
  payloadBytes: number;
  files: Array<{ path: string; size: number; sha256: string }>;
  targets: Array<{ target: string; result: "data_produced" | "no_data"; records: number }>;
  refused: Array<{ target: string; category: string; reason: string }>;
  expiresAt: Date;
}

export interface Started {
  /** Where its archive goes in the archive store. */
  archiveKey: string;
  /** The production of a dead builder this start discarded, whose archive is to be deleted. */
  abandoned: string | undefined;
  productionId: string;
  packageKey: Buffer;
  bagName: string;
  decisionId: string;
  decisionOutcome: string;
  policyLabel: string;
  approvedBy: string | null;
  approvedAt: Date | null;
  request: StoredRequest & { id: string; agencyName: string; jurisdiction: string; process: string };
  items: unknown[];
  /** Items the enforcing authority refused (Art. 12(1)): left out of the production, listed as not produced. */
  withheld: Array<{ target: string; category: string; reason: string }>;
  provider: string;
  compiled: Awaited<ReturnType<typeof loadPolicyInForce>>["compiled"];
}
