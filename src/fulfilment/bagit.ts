import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";

/**
 * BagIt 1.0 (RFC 8493): the layout agencies already verify with standard tools (Library of Congress
 * bagit-python `bagit.py --validate`, bagit-java). Payload under data/, a SHA-256 manifest of the
 * payload, and a tag manifest over the tag files.
 */

export const BAGIT_TXT = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";

export interface ManifestLine {
  /** Relative to the bag's root, with forward slashes: `data/records.ip_logs.csv`. */
  path: string;
  sha256: string;
}

// RFC 8493 §2.1.3: CR, LF and % in a manifest path are percent-encoded.
function encodePath(path: string): string {
  return path.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function decodePath(path: string): string {
  return path.replace(/%0D/gi, "\r").replace(/%0A/gi, "\n").replace(/%25/g, "%");
}

export function manifestText(lines: readonly ManifestLine[]): string {
  return lines.map((line) => `${line.sha256}  ${encodePath(line.path)}\n`).join("");
}

/** bag-info.txt: `Label: value`, one per line; values are folded onto one line. */
export function bagInfoText(fields: ReadonlyArray<readonly [string, string]>): string {
  return fields.map(([label, value]) => `${label}: ${value.replace(/\s*[\r\n]+\s*/g, " ")}\n`).join("");
}

export function sha256Of(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

async function sha256File(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest("hex"), size };
}

async function walk(root: string, dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(root, full)));
    else out.push(relative(root, full).split(sep).join("/"));
  }
  return out;
}

function parseManifest(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const match = /^([0-9a-fA-F]{64})\s+(.+)$/.exec(line);
    if (!match) throw new Error(`malformed manifest line: ${line}`);
    map.set(decodePath(match[2] as string), (match[1] as string).toLowerCase());
  }
  return map;
}

export interface BagReport {
  ok: boolean;
  payloadFiles: number;
  payloadBytes: number;
  problems: string[];
}

/**
 * Validate a bag on disk the way bagit-python's `--validate` does: bagit.txt present, every payload file
 * listed in manifest-sha256.txt and every listed file present with that digest, the tag manifest right,
 * and Payload-Oxum (octets.files) matching.
 */
export async function verifyBag(root: string): Promise<BagReport> {
  const problems: string[] = [];
  const read = async (name: string) => readFile(join(root, name), "utf8").catch(() => undefined);
  const declaration = await read("bagit.txt");
  if (!declaration?.startsWith("BagIt-Version: ")) problems.push("bagit.txt is missing or malformed");
  const manifest = await read("manifest-sha256.txt");
  if (manifest === undefined) {
    return { ok: false, payloadFiles: 0, payloadBytes: 0, problems: [...problems, "manifest-sha256.txt is missing"] };
  }
  const expected = parseManifest(manifest);
  const files = await walk(root, root);
  const payload = files.filter((f) => f.startsWith("data/"));
  let payloadBytes = 0;
  for (const file of payload) {
    const want = expected.get(file);
    const { sha256, size } = await sha256File(join(root, file));
    payloadBytes += size;
    if (want === undefined) problems.push(`${file} is in the payload but not in the manifest`);
    else if (want !== sha256) problems.push(`${file}: SHA-256 ${sha256} does not match the manifest's ${want}`);
  }
  for (const listed of expected.keys()) {
    if (!payload.includes(listed)) problems.push(`${listed} is in the manifest but missing`);
  }
  const tagManifest = await read("tagmanifest-sha256.txt");
  if (tagManifest !== undefined) {
    for (const [file, want] of parseManifest(tagManifest)) {
      const exists = await stat(join(root, file)).catch(() => undefined);
      if (!exists) problems.push(`tag file ${file} is missing`);
      else if ((await sha256File(join(root, file))).sha256 !== want) problems.push(`tag file ${file} was altered`);
    }
  }
  const oxum = /^Payload-Oxum:\s*(\d+)\.(\d+)\s*$/m.exec((await read("bag-info.txt")) ?? "");
  if (oxum && (Number(oxum[1]) !== payloadBytes || Number(oxum[2]) !== payload.length)) {
    problems.push(`Payload-Oxum ${oxum[1]}.${oxum[2]} does not match ${payloadBytes}.${payload.length}`);
  }
  return { ok: problems.length === 0, payloadFiles: payload.length, payloadBytes, problems };
}
