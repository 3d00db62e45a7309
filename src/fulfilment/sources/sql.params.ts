/**
 * Named parameters (`:account_id`) in a provider's SQL, turned into the driver's placeholders. Values are
 * always sent apart from the text (never spliced into it), so a target's value cannot change a query.
 * Quoted strings, quoted identifiers, comments and PostgreSQL's `::type` casts are left as they are.
 */

interface Token {
  name: string;
  start: number;
  end: number;
}

function scan(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === "'" || c === '"' || c === "`") {
      i += 1;
      while (i < text.length) {
        if (text[i] === "\\" && c === "'") i += 2;
        else if (text[i] === c && text[i + 1] === c) i += 2;
        else if (text[i] === c) break;
        else i += 1;
      }
      i += 1;
    } else if ((c === "-" && next === "-") || c === "#") {
      while (i < text.length && text[i] !== "\n") i += 1;
    } else if (c === "/" && next === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end === -1 ? text.length : end + 2;
    } else if (c === ":" && next === ":") {
      i += 2;
    } else if (c === ":" && next !== undefined && /[A-Za-z_]/.test(next)) {
      let end = i + 1;
      while (end < text.length && /[A-Za-z0-9_]/.test(text[end] as string)) end += 1;
      tokens.push({ name: text.slice(i + 1, end), start: i, end });
      i = end;
    } else {
      i += 1;
    }
  }
  return tokens;
}

/** The parameters a query uses, in order of appearance (repeats included). */
export function namedParameters(text: string): string[] {
  return scan(text).map((t) => t.name);
}

/** The query in the driver's placeholders, and the order its values are sent in. */
export function compileQuery(text: string, dialect: "postgresql" | "mysql"): { text: string; order: string[] } {
  const tokens = scan(text);
  const order: string[] = [];
  let out = "";
  let last = 0;
  for (const token of tokens) {
    out += text.slice(last, token.start);
    if (dialect === "postgresql") {
      // One $n per name: PostgreSQL infers one type for it, used wherever it appears.
      let index = order.indexOf(token.name);
      if (index === -1) index = order.push(token.name) - 1;
      out += `$${index + 1}`;
    } else {
      order.push(token.name);
      out += "?";
    }
    last = token.end;
  }
  out += text.slice(last);
  // A trailing semicolon would end the statement inside the cursor or derived table it is wrapped in.
  return { text: out.trim().replace(/;\s*$/, ""), order };
}
