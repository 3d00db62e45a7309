// Run by `npm run build` (and so by `npm ci`): the template new embedded stores start from (src/db/pglite-template.ts).
const { writeTemplate } = await import("../dist/db/pglite-template.js");
process.stdout.write(`PGlite's initdb, for new embedded stores: ${await writeTemplate()}\n`);
