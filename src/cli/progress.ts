import type { Progress } from "../fulfilment/fulfilment.service.js";

/**
 * Progress for a person: a bar redrawn in place on a terminal, plain lines otherwise (a log file, CI),
 * where a redrawn line would be noise. Written to stderr so stdout keeps only the result.
 */

const PHASES: Record<Progress["phase"], string> = { collect: "collecting", package: "packaging", seal: "sealing" };

function bytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${n} B`;
}

export function progressReporter(stream: NodeJS.WriteStream = process.stderr): {
  update(progress: Progress): void;
  done(): void;
} {
  const tty = Boolean(stream.isTTY);
  let lastPhase: string | undefined;
  let lastDecile = -1;
  let drawnAt = 0;
  let drawn = false;
  return {
    update(p) {
      const fraction = p.total > 0 ? Math.min(1, p.done / p.total) : 1;
      const percent = Math.floor(fraction * 100);
      const amount = p.phase === "package" ? `${bytes(p.done)} / ${bytes(p.total)}` : `${p.done}/${p.total}`;
      if (tty) {
        const now = Date.now();
        // At most ~20 redraws a second: a terminal is slower than a fast pipeline.
        if (now - drawnAt < 50 && p.done < p.total && p.phase === lastPhase) return;
        drawnAt = now;
        lastPhase = p.phase;
        const width = 30;
        const filled = Math.round(fraction * width);
        const columns = stream.columns || 100;
        const line = `${PHASES[p.phase].padEnd(10)} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(percent).padStart(3)}% ${amount}${p.detail ? `  ${p.detail}` : ""}`;
        stream.write(`\r${line.slice(0, columns - 1).padEnd(Math.min(columns - 1, 100))}`);
        drawn = true;
        return;
      }
      const decile = Math.floor(percent / 10);
      if (p.phase === lastPhase && decile === lastDecile) return;
      lastPhase = p.phase;
      lastDecile = decile;
      stream.write(`${PHASES[p.phase]}: ${percent}% (${amount})\n`);
    },
    done() {
      if (tty && drawn) stream.write("\n");
    },
  };
}
