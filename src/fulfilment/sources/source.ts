import type { Db, Tx } from "../../db/database.js";
import type { Target } from "../../domain/request.schema.js";
import type { Category } from "../../domain/vocabulary.js";

/**
 * A data source: how Custodian reaches the systems that hold user data. A provider implements this
 * for its own stores (README, "Plugging in your own systems"); Custodian ships one, the demo
 * messenger's user store (messenger.source.ts).
 *
 * A source only answers what it is asked. It is never trusted to decide: collection (collection.ts)
 * chooses which account, category and period to ask for, from the approved decision and the policy in
 * force, and filters every record that comes back against the same rules again.
 */

export type FieldValue = string | number | boolean | null;

export interface SourceRecord {
  /**
   * When the recorded event happened (a login, a message sent, a post). `null` for a current attribute
   * of the account (its name, its phone number), which has no time of its own.
   */
  at: Date | null;
  /** Values for the category's columns; other keys are dropped. */
  fields: Record<string, FieldValue>;
}

export interface AccountRef {
  /** The source's own identifier of the account. */
  id: string;
  /** How a person recognizes it in the package (e.g. the username). */
  label: string;
}

/** A half-open period [from, to); `from` null means from the beginning. */
export interface Period {
  from: Date | null;
  to: Date;
}

export interface DataSource {
  readonly name: string;
  /** The columns this source produces for a category, or undefined if it holds none of it. */
  columns(category: Category): readonly string[] | undefined;
  /** The account a request's target names, or undefined if there is none. */
  findAccount(target: Target): Promise<AccountRef | undefined>;
  /** The account's records of one category within the period, oldest first, as a stream. */
  read(account: AccountRef, category: Category, period: Period): AsyncIterable<SourceRecord>;
  /** Where the account's owner is told about a request (user notice), if the service knows. */
  contactFor(account: AccountRef): Promise<{ email: string; name: string } | undefined>;
  /**
   * Optional: runs `work` with a view of this source whose every answer comes from one consistent state
   * of its data (a snapshot: a read-only repeatable-read transaction, say), ended when `work` settles.
   * A production reads each category twice, once to measure it and once to write it (package.builder.ts),
   * and holds one snapshot across both; without one, data changed between the reads fails the production.
   */
  snapshot?<T>(work: (view: DataSource) => Promise<T>): Promise<T>;
}

/** `work` against one snapshot of `source` where it offers one, else against the source as it is. */
export function consistently<T>(source: DataSource, work: (view: DataSource) => Promise<T>): Promise<T> {
  return source.snapshot ? source.snapshot(work) : work(source);
}

/**
 * Sources are made per use with the database handle of that moment, so that a source backed by
 * Custodian's own database reads within the caller's transaction (the job runner's, say).
 */
export type DataSourceFactory = (db: Db | Tx) => DataSource;
