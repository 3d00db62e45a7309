import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAddresseesFile } from "../src/addressees/addressees.js";
import { DEMO_ADDRESSEES_FILE, loadConfig } from "../src/config.js";
import type { Problem } from "../src/shared/validation.js";
import { DRIVERS } from "./support/db.js";
import { type Desk, openDesk } from "./support/http.js";

/**
 * Where authorities send orders (docs/addressees.md): the deployment's file checked whole at start, and
 * shown as it stands on the public page and over the API.
 */

const dir = mkdtempSync(join(tmpdir(), "custodian-addressees-"));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function read(path: string | undefined): { addressees: ReturnType<typeof readAddresseesFile>; problems: Problem[] } {
  const problems: Problem[] = [];
  const addressees = readAddresseesFile(path, "addressees.yaml", problems);
  return { addressees, problems };
}

describe("the addressees file", () => {
  it("reads the demo's, the EU first, and publishes nothing without a file", () => {
    const { addressees, problems } = read(DEMO_ADDRESSEES_FILE);
    expect(problems).toEqual([]);
    expect(addressees.map((a) => [a.region, a.kind, a.establishedIn, a.languages])).toEqual([
      ["EU", "legal_representative", "IE", ["en", "de", "fr"]],
      ["GB", "contact_point", "US", ["en"]],
    ]);
    expect(read(undefined)).toEqual({ addressees: [], problems: [] });
    expect(loadConfig({}).addressees).toEqual([]);
    expect(loadConfig({ CUSTODIAN_ADDRESSEES: DEMO_ADDRESSEES_FILE }).addressees).toHaveLength(2);
  });

  it("lists every problem at once, each at its field, and publishes nothing from a wrong file", () => {
    const path = file(
      "wrong.yaml",
      `version: 1
addressees:
  - region: EU
    kind: contact_point
    name: Wrong Ltd
    establishedIn: DK
    address: Somewhere
    languages: [en, ja, en]
  - region: GB
    kind: legal_representative
    name: Also Wrong Ltd
    establishedIn: GB
    address: London
    phone: "020 7946 0000"
    languages: [xx]
  - region: GB
    kind: contact_point
    name: Twice Ltd
    establishedIn: GB
    address: London
    email: twice@example.org
    languages: [en]
`,
    );
    const { addressees, problems } = read(path);
    expect(addressees).toEqual([]);
    const at = (field: string) => problems.filter((p) => p.path === `addressees.yaml addressees${field}`);
    // The shapes first (the schema's pass): the rules that need whole entries wait until those are right.
    expect(at("[1].phone")[0]?.message).toMatch(/international number/);
    expect(at("[1].languages[0]")[0]?.message).toMatch(/"xx" is not a language/);
    expect(problems).toHaveLength(2);

    const shaped = file(
      "rules.yaml",
      `version: 1
addressees:
  - region: EU
    kind: contact_point
    name: Wrong Ltd
    establishedIn: DK
    address: Somewhere
    languages: [en, ja, en]
  - region: GB
    kind: legal_representative
    name: Also Wrong Ltd
    establishedIn: GB
    address: London
    phone: "+44 20 7946 0000"
    languages: [en]
  - region: GB
    kind: contact_point
    name: Twice Ltd
    establishedIn: GB
    address: London
    email: twice@example.org
    languages: [en]
`,
    );
    const second = read(shaped);
    expect(second.addressees).toEqual([]);
    expect(second.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      "addressees.yaml addressees[0].email: give an e-mail address or a phone number (or both)",
      "addressees.yaml addressees[0].languages: names a language twice",
      "addressees.yaml addressees[0].kind: an EU addressee is a designated_establishment or a legal_representative (Directive (EU) 2023/1544)",
      'addressees.yaml addressees[0].establishedIn: "DK" is not a Member State taking part in the e-evidence rules',
      'addressees.yaml addressees[0].languages[1]: "ja" is not an official language of the Union',
      "addressees.yaml addressees[1].kind: a legal_representative is the EU's (Directive (EU) 2023/1544); GB's addressee is a contact_point",
      'addressees.yaml addressees[2].region: "GB" is listed twice: one addressee a region',
    ]);
  });

  it("refuses a file it cannot read or parse, and an unknown field, naming the variable", () => {
    expect(read(join(dir, "missing.yaml")).problems[0]?.message).toMatch(/cannot read .*ENOENT/);
    expect(read(file("bad.yaml", "version: 1\naddressees: [")).problems[0]?.message).toMatch(/not valid YAML/);
    expect(read(file("v2.yaml", "version: 2\naddressees: []\n")).problems).toEqual([
      { path: "addressees.yaml version", message: "must be 1 (the only version of this format)" },
    ]);
    expect(() =>
      loadConfig({ CUSTODIAN_ADDRESSEES: file("extra.yaml", "version: 1\naddressees: []\nx: 1\n") }),
    ).toThrow(/CUSTODIAN_ADDRESSEES \(.*extra\.yaml\)/);
  });
});

describe.each(DRIVERS)("where to send orders, shown to agencies, on %s", (driver) => {
  let desk: Desk;
  let bare: Desk;
  beforeAll(async () => {
    desk = await openDesk(driver, { CUSTODIAN_ADDRESSEES: DEMO_ADDRESSEES_FILE });
    bare = await openDesk(driver);
  });
  afterAll(async () => {
    await desk?.close();
    await bare?.close();
  });

  it("answers anyone over the API with the addressees as configured", async () => {
    const response = await desk.app.inject({ method: "GET", url: "/api/v1/addressees" });
    expect(response.statusCode).toBe(200);
    const { addressees } = response.json() as { addressees: { region: string; name: string; languages: string[] }[] };
    expect(addressees.map((a) => [a.region, a.name, a.languages])).toEqual([
      ["EU", "Example Messenger EU Representative Ltd", ["en", "de", "fr"]],
      ["GB", "Example Messenger Inc., law enforcement response", ["en"]],
    ]);
    const none = await bare.app.inject({ method: "GET", url: "/api/v1/addressees" });
    expect(none.json()).toEqual({ addressees: [] });
  });

  it("shows the page to an authority without an account, and in an officer's menu", async () => {
    const page = await desk.app.inject({ method: "GET", url: "/portal/addressees" });
    expect(page.statusCode).toBe(200);
    const html = page.body;
    expect(html).toContain('<h2 id="region-eu">European Union</h2>');
    expect(html).toContain("Legal representative, established in Ireland");
    expect(html).toContain("English, German, French");
    expect(html).toContain("An order in another language will be sent back for a translation.");
    expect(html).toContain('href="tel:+35315550199"');
    expect(html).toContain("European Production Orders (EPOC)");
    expect(html).toContain("United Kingdom");
    expect(html.indexOf("European Union")).toBeLessThan(html.indexOf("United Kingdom"));

    const signIn = await desk.app.inject({ method: "GET", url: "/signin" });
    expect(signIn.body).toContain('href="/portal/addressees"');
    const officer = await desk.signInPage(desk.accounts.officerA);
    const portal = await desk.app.inject({ method: "GET", url: "/portal", headers: { cookie: officer.cookie } });
    expect(portal.body).toContain('<a href="/portal/addressees"');

    const empty = await bare.app.inject({ method: "GET", url: "/portal/addressees" });
    expect(empty.statusCode).toBe(200);
    expect(empty.body).toContain("This service has published no addressee for any region.");
  });
});
