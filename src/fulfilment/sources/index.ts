import { messengerSource } from "./messenger.source.js";
import type { DataSourceFactory } from "./source.js";

/**
 * The data sources this process fulfils from and finds users to notify in: the ones its configuration
 * names (CUSTODIAN_SOURCES, docs/sources.md), opened and checked by the command that starts work
 * (cli/context.ts, withSources) and installed here for the process, so that fulfilment, its jobs and the
 * user notices sent from a review's transaction all reach the same systems. Until then (a test, a command
 * that reaches no user data) it is the demo messenger's store, which is also what the configuration
 * shipped for the demo names (data/sources/messenger.yaml). A test may pass its own source instead.
 */
let installed: DataSourceFactory | undefined;

export function installSources(factory: DataSourceFactory | undefined): void {
  installed = factory;
}

export const defaultSource: DataSourceFactory = (db) => (installed ?? messengerSource)(db);
