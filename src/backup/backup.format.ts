import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { OperationalError } from "../shared/errors.js";

/**
 * The backup file: JSON lines, one self-describing stream.
 *
 *   line 1   the header: format and version, the schema's migration, when, which tables (their columns and
 *            row counts, read in the snapshot) and every sequence's value
 *   then     per table `{"table": NAME}` followed by its rows, each a JSON array of the columns' text
 *            (PostgreSQL's own text form, which its input functions read back exactly; bytea in base64)
 *   last     `{"end": true, "sha256": HEX}`: the SHA-256 of every byte before this line
 *
 * Rows are written and read one at a time, so a store of any size passes through bounded memory. A file
 * whose name ends in .gz is gzip-compressed (the checksum covers the uncompressed lines).
 */

export const BACKUP_FORMAT = "custodian-backup";
export const BACKUP_VERSION = 1;

export interface BackupColumn {
  name: string;
  /** format_type(): what the column's text is cast back to on restore. */
  type: string;
  /** bytea, carried as base64. */
  binary: boolean;
}

export interface BackupTable {
  name: string;
  columns: BackupColumn[];
  rows: number;
}

export interface BackupSequence {
  name: string;
  /** null: never used (nextval not called yet). */
  value: string | null;
}

export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  version: number;
  createdAt: string;
  custodian: string;
  driver: string;
  migration: string;
  tables: BackupTable[];
  sequences: BackupSequence[];
}

export type BackupRow = Array<string | null>;

/** A line of the file as read: a table starts, a row of it, or the end with its checksum. */
export type BackupLine =
  | { kind: "table"; table: BackupTable }
  | { kind: "row"; table: BackupTable; row: BackupRow }
  | { kind: "end"; sha256: string };

export class BackupFileError extends OperationalError {
  constructor(file: string, problem: string) {
    super(`${file} cannot be restored: ${problem}`);
  }
}

/** Lines of a stream as raw bytes (without the newline): the checksum is taken over bytes, not text. */
async function* rawLines(stream: Readable): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, start)) {
      pending.push(chunk.subarray(start, at));
      yield pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending);
      pending = [];
      start = at + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) yield Buffer.concat(pending);
}

async function openFile(file: string): Promise<Readable> {
  const probe = createReadStream(file, { start: 0, end: 1 });
  let magic = Buffer.alloc(0);
  for await (const chunk of probe as AsyncIterable<Buffer>) magic = Buffer.concat([magic, chunk]);
  const stream = createReadStream(file, { highWaterMark: 1024 * 1024 });
  return magic[0] === 0x1f && magic[1] === 0x8b ? stream.pipe(createGunzip()) : stream;
}

function parseJson(file: string, line: Buffer, number: number): unknown {
  try {
    return JSON.parse(line.toString("utf8"));
  } catch {
    throw new BackupFileError(file, `line ${number} is not valid JSON (the file is damaged or was altered)`);
  }
}

/**
 * Read a backup file: its header first, then every line, checked as it goes (the structure, the row counts
 * against the header, and at the end the checksum). A caller writing rows as they come must therefore
 * treat a throw at any point, including after the last row, as "nothing of this may be kept".
 */
export async function readBackup(
  file: string,
): Promise<{ header: BackupHeader; lines: AsyncGenerator<BackupLine, void, undefined> }> {
  const lines = rawLines(await openFile(file));
  const hash: Hash = createHash("sha256");
  const first = await lines.next();
  if (first.done) throw new BackupFileError(file, "it is empty");
  const header = parseJson(file, first.value, 1) as Partial<BackupHeader> | null;
  if (!header || header.format !== BACKUP_FORMAT) {
    throw new BackupFileError(file, "it is not a backup written by custodian backup");
  }
  if (header.version !== BACKUP_VERSION) {
    throw new BackupFileError(file, `its format version is ${header.version}; this custodian reads ${BACKUP_VERSION}`);
  }
  if (!Array.isArray(header.tables) || !Array.isArray(header.sequences) || typeof header.migration !== "string") {
    throw new BackupFileError(file, "its header is incomplete");
  }
  hash.update(first.value).update("\n");
  const tables = new Map(header.tables.map((t) => [t.name, t]));

  async function* body(): AsyncGenerator<BackupLine, void, undefined> {
    let number = 1;
    let current: BackupTable | undefined;
    let count = 0;
    const seen = new Set<string>();
    const closeTable = () => {
      if (current && count !== current.rows) {
        throw new BackupFileError(file, `table ${current.name} has ${count} rows; its header says ${current.rows}`);
      }
    };
    for await (const raw of lines) {
      number += 1;
      if (raw[0] === 0x5b /* [ */) {
        if (!current) throw new BackupFileError(file, `line ${number} is a row outside any table`);
        const row = parseJson(file, raw, number) as BackupRow;
        if (!Array.isArray(row) || row.length !== current.columns.length) {
          throw new BackupFileError(
            file,
            `line ${number} does not have the ${current.columns.length} columns of ${current.name}`,
          );
        }
        hash.update(raw).update("\n");
        count += 1;
        yield { kind: "row", table: current, row };
        continue;
      }
      const marker = parseJson(file, raw, number) as { table?: string; end?: boolean; sha256?: string };
      if (marker.end === true) {
        closeTable();
        const actual = hash.digest("hex");
        if (marker.sha256 !== actual) {
          throw new BackupFileError(
            file,
            `its checksum does not match (the file says ${marker.sha256}, its content hashes to ${actual}): it was altered or damaged`,
          );
        }
        const missing = header?.tables?.filter((t) => !seen.has(t.name)).map((t) => t.name) ?? [];
        if (missing.length > 0) throw new BackupFileError(file, `tables missing from it: ${missing.join(", ")}`);
        for await (const _trailing of lines) {
          throw new BackupFileError(file, "there is data after its end line");
        }
        yield { kind: "end", sha256: actual };
        return;
      }
      const table = typeof marker.table === "string" ? tables.get(marker.table) : undefined;
      if (!table || seen.has(table.name)) {
        throw new BackupFileError(file, `line ${number} names a table the header does not list (or lists twice)`);
      }
      closeTable();
      hash.update(raw).update("\n");
      seen.add(table.name);
      current = table;
      count = 0;
      yield { kind: "table", table };
    }
    throw new BackupFileError(file, "it ends early (no end line): the backup was cut short");
  }
  return { header: header as BackupHeader, lines: body() };
}
