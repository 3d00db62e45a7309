import { mkdir, open } from "node:fs/promises";
import { dirname, isAbsolute, join, normalize, sep } from "node:path";

/**
 * POSIX ustar, just what a bag needs: directories and regular files, written as a stream (a header, the
 * bytes, padding to 512) and read back as a stream. Hand-rolled because it is ~150 lines and the archive
 * must stream into the encryptor with backpressure; every `tar` understands the output.
 */

const BLOCK = 512;
// ustar's size field holds 11 octal digits.
const MAX_SIZE = 8 ** 11 - 1;

export interface TarEntry {
  name: string;
  type: "file" | "directory";
  size: number;
  mtime: Date;
}

function writeOctal(block: Buffer, value: number, offset: number, width: number): void {
  block.write(`${value.toString(8).padStart(width - 1, "0")}\0`, offset, width, "ascii");
}

function splitName(name: string): { prefix: string; base: string } {
  if (Buffer.byteLength(name) <= 100) return { prefix: "", base: name };
  for (let cut = name.lastIndexOf("/"); cut > 0; cut = name.lastIndexOf("/", cut - 1)) {
    const prefix = name.slice(0, cut);
    const base = name.slice(cut + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(base) <= 100) return { prefix, base };
  }
  throw new Error(`tar: name too long for ustar: ${name}`);
}

export function tarHeader(entry: TarEntry): Buffer {
  if (entry.size < 0 || entry.size > MAX_SIZE) throw new Error(`tar: ${entry.name} is too large for ustar`);
  const block = Buffer.alloc(BLOCK);
  const name = entry.type === "directory" && !entry.name.endsWith("/") ? `${entry.name}/` : entry.name;
  const { prefix, base } = splitName(name);
  block.write(base, 0, 100, "utf8");
  writeOctal(block, entry.type === "directory" ? 0o755 : 0o644, 100, 8);
  writeOctal(block, 0, 108, 8);
  writeOctal(block, 0, 116, 8);
  writeOctal(block, entry.type === "directory" ? 0 : entry.size, 124, 12);
  writeOctal(block, Math.floor(entry.mtime.getTime() / 1000), 136, 12);
  block.write("        ", 148, 8, "ascii");
  block.write(entry.type === "directory" ? "5" : "0", 156, 1, "ascii");
  block.write("ustar\0", 257, 6, "ascii");
  block.write("00", 263, 2, "ascii");
  block.write("custodian", 265, 32, "ascii");
  block.write("custodian", 297, 32, "ascii");
  block.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "ascii");
  return block;
}

export function tarPadding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

/** Two zero blocks end an archive. */
export const TAR_END = Buffer.alloc(2 * BLOCK);

function readString(block: Buffer, offset: number, width: number): string {
  const field = block.subarray(offset, offset + width);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? width : end).toString("utf8");
}

function readOctal(block: Buffer, offset: number, width: number): number {
  const text = readString(block, offset, width).trim();
  if (!/^[0-7]*$/.test(text)) throw new Error("tar: malformed number field");
  return text === "" ? 0 : Number.parseInt(text, 8);
}

export function parseTarHeader(block: Buffer): TarEntry | undefined {
  if (block.every((byte) => byte === 0)) return undefined;
  const stored = readOctal(block, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] as number);
  if (sum !== stored) throw new Error("tar: header checksum mismatch");
  const type = String.fromCharCode(block[156] as number);
  if (type !== "0" && type !== "\0" && type !== "5") throw new Error(`tar: unsupported entry type "${type}"`);
  const prefix = readString(block, 345, 155);
  const base = readString(block, 0, 100);
  const name = prefix ? `${prefix}/${base}` : base;
  return {
    name: name.replace(/\/$/, ""),
    type: type === "5" ? "directory" : "file",
    size: type === "5" ? 0 : readOctal(block, 124, 12),
    mtime: new Date(readOctal(block, 136, 12) * 1000),
  };
}

/**
 * Read a tar stream entry by entry. `onEntry` receives each entry and returns a consumer for its bytes
 * (or nothing to skip them); the consumer's promise is awaited, so a slow disk holds the stream back.
 */
export async function readTar(
  source: AsyncIterable<Buffer>,
  onEntry: (entry: TarEntry) => Promise<((data: Buffer | null) => Promise<void>) | undefined>,
): Promise<number> {
  let pending: Buffer = Buffer.alloc(0);
  let current:
    | { remaining: number; padding: number; sink: ((data: Buffer | null) => Promise<void>) | undefined }
    | undefined;
  let entries = 0;
  let ended = false;
  for await (const data of source) {
    pending = pending.length === 0 ? data : Buffer.concat([pending, data]);
    while (!ended) {
      if (current) {
        if (current.remaining > 0) {
          if (pending.length === 0) break;
          const take = Math.min(current.remaining, pending.length);
          await current.sink?.(pending.subarray(0, take));
          pending = pending.subarray(take);
          current.remaining -= take;
          if (current.remaining > 0) break;
        }
        if (pending.length < current.padding) break;
        pending = pending.subarray(current.padding);
        await current.sink?.(null);
        current = undefined;
        continue;
      }
      if (pending.length < BLOCK) break;
      const entry = parseTarHeader(pending.subarray(0, BLOCK));
      pending = pending.subarray(BLOCK);
      if (!entry) {
        ended = true;
        break;
      }
      entries += 1;
      const sink = await onEntry(entry);
      current = { remaining: entry.size, padding: tarPadding(entry.size).length, sink };
    }
  }
  if (current || !ended) throw new Error("tar: the archive ends before its end-of-archive marker");
  return entries;
}

/** A path inside `root` for an entry name, refusing absolute names and `..` that would escape it. */
export function safeJoin(root: string, name: string): string {
  const normalized = normalize(name);
  if (isAbsolute(name) || normalized.split(sep).includes("..") || normalized === ".") {
    throw new Error(`tar: refusing entry "${name}": it would land outside the output directory`);
  }
  return join(root, normalized);
}

/** Extract regular files and directories under `root`, which must not already contain them. */
export async function extractTar(source: AsyncIterable<Buffer>, root: string): Promise<string[]> {
  const names: string[] = [];
  await readTar(source, async (entry) => {
    const path = safeJoin(root, entry.name);
    names.push(entry.name);
    if (entry.type === "directory") {
      await mkdir(path, { recursive: true });
      return undefined;
    }
    await mkdir(dirname(path), { recursive: true });
    // "wx": an archive naming one file twice cannot overwrite what was already checked and written.
    const handle = await open(path, "wx", 0o600);
    return async (data) => {
      if (data) await handle.write(data);
      else await handle.close();
    };
  });
  return names;
}
