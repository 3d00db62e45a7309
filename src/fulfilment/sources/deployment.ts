import { pathToFileURL } from "node:url";
import type { Db, Tx } from "../../db/database.js";
import { targetKey } from "../../domain/request.schema.js";
import type { Category } from "../../domain/vocabulary.js";
import { type Problem, ValidationError } from "../../shared/validation.js";
import { openHttpSource } from "./http.source.js";
import { messengerSource } from "./messenger.source.js";
import type { AccountRef, DataSource, DataSourceFactory, FieldValue, SourceRecord } from "./source.js";
import type { ModuleSourceSpec, SourceSpec, SourcesSpec } from "./sources.config.js";
import { openSqlSource } from "./sql.source.js";

/**
 * The deployment's sources, opened from their configuration (sources.config.ts): each connected and
 * checked before the server or a command starts work (every problem listed, nothing started), then put
 * behind one DataSource that fulfilment and user notices use as before. That one source sends each
 * category to the source configured for it, and targets and notices to the accounts source, and it
 * trusts none of them: each answer must come within the source's timeout and have the shape of the
 * interface, or the work fails naming the source and what was wrong (a production fails cleanly:
 * fulfilment.service.ts discards what it stored).
 */

/** Sources compiled into Custodian, named `builtin:<name>` in a sources file. */
const BUILTIN: Record<string, ModuleExport> = { messenger: messengerSource };

/** What a `module` source's default export may be: a source, or a factory given Custodian's database and the configured options. */
type ModuleFactory = (db: Db | Tx, options: Record<string, unknown>) => DataSource;
type ModuleExport = DataSource | ModuleFactory;

export class SourceFailure extends Error {
  constructor(
    readonly source: string,
    message: string,
  ) {
    super(message);
    this.name = "SourceFailure";
  }
}

interface Opened {
  spec: SourceSpec;
  instance(db: Db | Tx): DataSource;
  close(): Promise<void>;
}

export interface DeploymentSources {
  spec: SourcesSpec;
  /** One line for a start-up log: which file, which sources. */
  summary: string;
  factory: DataSourceFactory;
  close(): Promise<void>;
}

const FUNCTIONS = ["columns", "findAccount", "read", "contactFor"] as const;

function shapeProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return "is not an object with the DataSource interface";
  const missing = FUNCTIONS.filter((f) => typeof (value as Record<string, unknown>)[f] !== "function");
  if (missing.length > 0)
    return `has no ${missing.join(", ")} (the DataSource interface, src/fulfilment/sources/source.ts)`;
  return undefined;
}

async function openModule(
  spec: ModuleSourceSpec,
  db: Db,
  categories: Category[],
  problems: Problem[],
): Promise<Opened | undefined> {
  const at = `sources.${spec.name}`;
  let exported: unknown;
  if (spec.module.startsWith("builtin:")) {
    exported = BUILTIN[spec.module.slice("builtin:".length)];
    if (!exported) {
      problems.push({ path: `${at}.module`, message: `no such built-in source (${Object.keys(BUILTIN).join(", ")})` });
      return undefined;
    }
  } else {
    try {
      exported = ((await import(pathToFileURL(spec.module).href)) as { default?: unknown }).default;
    } catch (error) {
      problems.push({ path: `${at}.module`, message: `cannot load ${spec.module}: ${(error as Error).message}` });
      return undefined;
    }
  }
  if (exported === undefined) {
    problems.push({ path: `${at}.module`, message: `${spec.module} has no default export` });
    return undefined;
  }
  const make = (handle: Db | Tx): DataSource =>
    typeof exported === "function" ? (exported as ModuleFactory)(handle, spec.options) : (exported as DataSource);
  let sample: DataSource;
  try {
    sample = make(db);
  } catch (error) {
    problems.push({ path: `${at}.module`, message: `its factory failed: ${(error as Error).message}` });
    return undefined;
  }
  const shape = shapeProblem(sample);
  if (shape) {
    problems.push({ path: `${at}.module`, message: `${spec.module}'s default export ${shape}` });
    return undefined;
  }
  for (const category of categories) {
    const columns = sample.columns(category);
    if (!Array.isArray(columns) || columns.length === 0 || columns.some((c) => typeof c !== "string")) {
      problems.push({
        path: `categories[${JSON.stringify(category)}]`,
        message: `${spec.name} produces no columns for it`,
      });
    }
  }
  return { spec, instance: make, close: async () => undefined };
}

function openedSql(spec: Extract<SourceSpec, { kind: "sql" }>) {
  const opened = openSqlSource(spec);
  return {
    check: opened.check,
    opened: { spec, instance: () => opened.source, close: opened.close } satisfies Opened,
  };
}

/** Connects to and checks every configured source; throws a ValidationError listing every problem. */
export async function openSources(spec: SourcesSpec, db: Db): Promise<DeploymentSources> {
  const problems: Problem[] = [];
  const opened = new Map<string, Opened>();
  const categoriesOf = (name: string) =>
    (Object.entries(spec.categories) as Array<[Category, string]>).filter(([, s]) => s === name).map(([c]) => c);
  // Checked side by side: a start with three unreachable sources waits for one timeout, not three.
  const checks = await Promise.all(
    Object.values(spec.sources).map(async (source) => {
      const found: Problem[] = [];
      if (source.kind === "module") {
        const module = await openModule(source, db, categoriesOf(source.name), found);
        if (module) opened.set(source.name, module);
      } else if (source.kind === "http") {
        const http = openHttpSource(source);
        opened.set(source.name, { spec: source, instance: () => http.source, close: async () => undefined });
        found.push(...(await http.check(categoriesOf(source.name))));
      } else {
        const sql = openedSql(source);
        opened.set(source.name, sql.opened);
        found.push(...(await sql.check()));
      }
      return found;
    }),
  );
  for (const found of checks) problems.push(...found);
  const closeAll = async () => {
    await Promise.all([...opened.values()].map((o) => o.close().catch(() => undefined)));
  };
  if (problems.length > 0) {
    await closeAll();
    throw new ValidationError(problems, `data sources (${spec.file})`);
  }
  const names = Object.values(spec.sources).map((s) => `${s.name} (${s.kind})`);
  return {
    spec,
    summary: `data sources from ${spec.file}: ${names.join(", ")}; accounts from ${spec.accounts}`,
    factory: routedFactory(spec, opened),
    close: closeAll,
  };
}

function routedFactory(spec: SourcesSpec, opened: Map<string, Opened>): DataSourceFactory {
  return (db) => {
    const instances = new Map<string, DataSource>();
    const use = (name: string) => {
      let instance = instances.get(name);
      if (!instance) {
        const source = opened.get(name) as Opened;
        instance = guarded(source.instance(db), source.spec);
        instances.set(name, instance);
      }
      return instance;
    };
    const routed = routedSource(spec, use);
    // One snapshot of every source in use that offers one, held together: the routed view reads each of
    // those through its snapshot and the others as they are.
    const names = [...new Set([spec.accounts, ...Object.values(spec.categories)])];
    const snapshot = async <T>(work: (view: DataSource) => Promise<T>): Promise<T> => {
      const views = new Map<string, DataSource>();
      const open = (i: number): Promise<T> => {
        const name = names[i];
        if (name === undefined) return work(routedSource(spec, (n) => views.get(n) ?? use(n)));
        const source = use(name);
        if (!source.snapshot) return open(i + 1);
        return source.snapshot((view) => {
          views.set(name, view);
          return open(i + 1);
        });
      };
      return open(0);
    };
    return { ...routed, snapshot };
  };
}

/** One DataSource sending each category to its configured source, and targets and notices to the accounts source. */
function routedSource(spec: SourcesSpec, use: (name: string) => DataSource): DataSource {
  return {
    name: Object.keys(spec.sources).join(", "),
    columns: (category) => {
      const name = spec.categories[category];
      return name ? use(name).columns(category) : undefined;
    },
    findAccount: (target) => use(spec.accounts).findAccount(target),
    contactFor: (account) => use(spec.accounts).contactFor(account),
    read: (account, category, period) => {
      const name = spec.categories[category];
      return name ? use(name).read(account, category, period) : (async function* () {})();
    },
  };
}

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function isFieldValue(value: unknown): value is FieldValue {
  return (
    value === null ||
    typeof value === "string" ||
    typeof value === "boolean" ||
    (typeof value === "number" && Number.isFinite(value))
  );
}

/** Why a record does not have the interface's shape, or undefined when it has. */
function malformed(record: unknown, columns: readonly string[]): string | undefined {
  if (typeof record !== "object" || record === null) return "a record that is not an object";
  const { at, fields } = record as { at?: unknown; fields?: unknown };
  if (at !== null && !(at instanceof Date && !Number.isNaN(at.getTime()))) {
    return `a record whose at is ${at === undefined ? "missing" : JSON.stringify(at)?.slice(0, 60)}, not a Date or null`;
  }
  if (typeof fields !== "object" || fields === null || Array.isArray(fields)) return "a record without fields";
  for (const column of columns) {
    if (!(column in fields)) return `a record without the column ${column}`;
    const value = (fields as Record<string, unknown>)[column];
    if (!isFieldValue(value)) {
      return `a record whose ${column} is ${Array.isArray(value) ? "a list" : typeof value}, not a string, number, boolean or null`;
    }
  }
  return undefined;
}

/** The source, answering within its timeout and in the interface's shape, or failing with its name. */
function guarded(source: DataSource, spec: SourceSpec): DataSource {
  const label = `data source ${spec.name} (${spec.kind})`;
  const fail = (doing: string, why: unknown) =>
    why instanceof SourceFailure
      ? why
      : new SourceFailure(spec.name, `${label} failed ${doing}: ${(why as Error)?.message ?? String(why)}`);
  const ask = async <T>(doing: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await within(Promise.resolve().then(work), spec.timeoutMs);
    } catch (error) {
      throw fail(doing, error);
    }
  };
  const snapshot = source.snapshot?.bind(source);
  return {
    name: source.name,
    ...(snapshot
      ? {
          async snapshot<T>(work: (view: DataSource) => Promise<T>): Promise<T> {
            const at: { stage: "opening" | "working" | "ending" } = { stage: "opening" };
            try {
              return await snapshot(async (view) => {
                at.stage = "working";
                const result = await work(guarded(view, spec));
                at.stage = "ending";
                return result;
              });
            } catch (error) {
              // The work's own failures pass as they are; opening or ending the snapshot is the source's.
              if (at.stage === "working") throw error;
              throw fail(`${at.stage} a snapshot`, error);
            }
          },
        }
      : {}),
    columns: (category) => source.columns(category),
    async findAccount(target) {
      const doing = `finding the account ${targetKey(target)}`;
      const account = await ask(doing, () => source.findAccount(target));
      if (account === undefined) return undefined;
      const ref = account as Partial<AccountRef> | null;
      if (typeof ref?.id !== "string" || ref.id === "" || typeof ref.label !== "string") {
        throw fail(doing, new Error("it answered something other than { id, label } strings"));
      }
      return { id: ref.id, label: ref.label };
    },
    async contactFor(account) {
      const doing = `giving the contact of account ${account.id}`;
      const contact = await ask(doing, () => source.contactFor(account));
      if (contact === undefined) return undefined;
      if (typeof contact?.email !== "string" || typeof contact.name !== "string") {
        throw fail(doing, new Error("it answered something other than { email, name } strings"));
      }
      return contact;
    },
    async *read(account, category, period): AsyncIterable<SourceRecord> {
      const doing = `reading ${category} of account ${account.id}`;
      const columns = source.columns(category) ?? [];
      let iterator: AsyncIterator<SourceRecord>;
      try {
        iterator = source.read(account, category, period)[Symbol.asyncIterator]();
      } catch (error) {
        throw fail(doing, error);
      }
      let finished = false;
      try {
        for (;;) {
          const step = await ask(doing, () => iterator.next());
          if (step.done) {
            finished = true;
            return;
          }
          const why = malformed(step.value, columns);
          if (why) throw fail(doing, new Error(`it returned ${why}`));
          yield step.value;
        }
      } finally {
        // Not awaited: a source that stopped answering may never answer this either.
        if (!finished) void Promise.resolve(iterator.return?.()).catch(() => undefined);
      }
    },
  };
}
