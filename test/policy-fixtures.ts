/** Shared helpers for the policy engine, policy schema and request schema tests. Pure: no database. */
import { readdirSync, readFileSync } from "node:fs";
import { parseRequestDocument, type RequestDocument } from "../src/domain/request.schema.js";
import type { CompiledPolicy, Decision } from "../src/policy/engine.js";
import { decide } from "../src/policy/engine.js";
import { loadPolicy } from "../src/policy/policy.load.js";

export const ROOT = new URL("../", import.meta.url).pathname;

export const PRESET_NAMES = [
  "google",
  "facebook",
  "whatsapp",
  "twitter",
  "telegram",
  "signal",
  "apple",
  "microsoft",
] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export function readRepoFile(path: string): string {
  return readFileSync(`${ROOT}${path}`, "utf8");
}

export function presetText(name: PresetName): string {
  return readRepoFile(`policies/presets/${name}.yaml`);
}

const compiled = new Map<string, CompiledPolicy>();
/** Each preset compiled once per test file (compiling resolves every country). */
export function preset(name: PresetName): CompiledPolicy {
  let policy = compiled.get(name);
  if (!policy) {
    policy = loadPolicy(presetText(name), `${name}.yaml`);
    compiled.set(name, policy);
  }
  return policy;
}

export function exampleRequestFiles(): string[] {
  return readdirSync(`${ROOT}examples/requests`)
    .filter((f) => f.endsWith(".json"))
    .sort();
}

/** A valid request document (raw JSON), with fields replaced by `overrides`. */
export function rawRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    reference: "TEST-0001",
    receivedAt: "2020-07-12T09:30:00Z",
    jurisdiction: "US",
    agency: { name: "Test Agency", email: "officer@agency.gov", verified: true },
    process: "court_order",
    targets: [{ type: "phone", value: "+85291234567" }],
    categories: ["subscriber.phone"],
    ...overrides,
  };
}

/** A parsed request document: everything the engine sees went through the request schema. */
export function request(overrides: Record<string, unknown> = {}): RequestDocument {
  return parseRequestDocument(rawRequest(overrides), "test request");
}

/** A minimal policy document in YAML, with the given body lines after the header. */
export function policyYaml(body: string, name = "Test"): string {
  return `policy: 1\nname: ${name}\nversion: "t1"\n${body}`;
}

export function policy(body: string): CompiledPolicy {
  return loadPolicy(policyYaml(body), "test.yaml");
}

/** The action for one category (the request's first target). */
export function actionOf(decision: Decision, category: string): string | undefined {
  return decision.items.find((item) => item.category === category)?.action;
}

export function actionsByCategory(decision: Decision): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of decision.items) out[item.category] ??= item.action;
  return out;
}

export function disclosed(decision: Decision): string[] {
  return [...new Set(decision.items.filter((i) => i.action === "disclose").map((i) => i.category))].sort();
}

export function decideWith(overrides: Record<string, unknown>, compiledPolicy: CompiledPolicy): Decision {
  return decide(request(overrides), compiledPolicy);
}

/** Freeze a value and everything reachable from it (objects and arrays), so any mutation throws. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  }
  return value;
}
