/**
 * What changed between two texts, line by line (the policy in force and the one uploaded), as the lines
 * that differ with a little context around them: a longest common subsequence over lines, which the
 * policy's size (hundreds of lines) keeps cheap. Beyond `MAX_LINES` either side it gives up and says so.
 */

export type DiffLine = { kind: "same" | "removed" | "added"; text: string; line: number } | { kind: "gap" };

const MAX_LINES = 3000;

export function lineDiff(before: string, after: string, context = 2): DiffLine[] | undefined {
  const a = before.replace(/\r\n/g, "\n").split("\n");
  const b = after.replace(/\r\n/g, "\n").split("\n");
  if (a.length > MAX_LINES || b.length > MAX_LINES) return undefined;
  // at(i, j): the longest common run of a[i..] and b[j..], in one flat table.
  const width = b.length + 1;
  const lcs = new Uint16Array((a.length + 1) * width);
  const at = (i: number, j: number) => lcs[i * width + j] ?? 0;
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * width + j] = a[i] === b[j] ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
    }
  }
  const all: Array<{ kind: "same" | "removed" | "added"; text: string; line: number }> = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      all.push({ kind: "same", text: a[i] ?? "", line: j + 1 });
      i++;
      j++;
    } else if (j < b.length && (i >= a.length || at(i, j + 1) >= at(i + 1, j))) {
      all.push({ kind: "added", text: b[j] ?? "", line: j + 1 });
      j++;
    } else {
      all.push({ kind: "removed", text: a[i] ?? "", line: i + 1 });
      i++;
    }
  }
  const near = all.map((_, k) => all.slice(Math.max(0, k - context), k + context + 1).some((l) => l.kind !== "same"));
  const out: DiffLine[] = [];
  all.forEach((l, k) => {
    if (near[k]) out.push(l);
    else if (out.at(-1)?.kind !== "gap") out.push({ kind: "gap" });
  });
  return out;
}
