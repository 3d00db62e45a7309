// Run by `npm run build` (and so by `npm ci`): the templates new embedded stores start from (src/db/pglite-template.ts).
const { writeTemplates } = await import("../dist/db/store-templates.js");
process.stdout.write(`PGlite templates for new embedded stores: ${(await writeTemplates()).join(", ")}\n`);
