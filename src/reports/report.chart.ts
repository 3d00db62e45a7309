import { escapeHtml } from "./html.js";
import { type Period, periodBounds, periodKind, periodOf } from "./period.js";

/**
 * One jurisdiction's small chart on the public report page, written as SVG here: bars of the requests
 * received per half-year (the part held while the jurisdiction was paused drawn apart, hatched), a line
 * of the share answered of the requests not held, and a mark where a pause began. It used to be vega-lite compiled and rendered by vega
 * per request, about 20 ms and 10 kB a chart, 1.3 s for the demo's 58 charts; this is a string template
 * of a few dozen elements, so the page costs what reading its rows costs. The chart is a function of its
 * points only: the same figures always give the same bytes.
 *
 * The x axis is continuous in time: every half-year from the first to the last on record has its slot,
 * so a stretch without requests shows as empty space and the line is broken across it, never drawn as
 * if 2021H2 and 2026H2 were neighbours.
 */

export interface ChartPoint {
  period: Period;
  requests: number;
  produced: number;
  held: number;
  selected: boolean;
}

export interface ChartPause {
  status: "paused" | "refused";
  /** The day it began (YYYY-MM-DD), when known. */
  since?: string | undefined;
}

const WIDTH = 360;
const HEIGHT = 150;
const LEFT = 34;
const RIGHT = 34;
const TOP = 16;
const BOTTOM = 22;
const PLOT_W = WIDTH - LEFT - RIGHT;
const PLOT_H = HEIGHT - TOP - BOTTOM;

export const CHART_COLOURS = {
  bar: "#a9c3de",
  selected: "#1f4e79",
  held: "#b35c00",
  line: "#b03a2e",
  pause: "#b35c00",
  axis: "#595959",
} as const;

/**
 * The hatching of held requests, defined once per page (an id may appear only once in a document) and
 * referred to by every chart; also the legend's swatch.
 */
export const HELD_PATTERN = `<svg width="0" height="0" aria-hidden="true" focusable="false" style="position:absolute"><defs><pattern id="held" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="4" height="4" fill="#f6dcc2"/><line y2="4" stroke="${CHART_COLOURS.held}" stroke-width="2"/></pattern></defs></svg>`;

const thousands = new Intl.NumberFormat("en-US");

/** A round top for the requests axis: 1, 2 or 5 × a power of ten at or above the largest bar. */
function niceMax(value: number): number {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

const fixed = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** Where in the slot of its half-year a day falls (0 at the slot's left edge, 1 at its right). */
function dayInPeriod(day: string, period: Period): number {
  const { start, end } = periodBounds(period);
  const at = Date.parse(`${day}T00:00:00Z`);
  return (at - start.getTime()) / (end.getTime() - start.getTime());
}

/** The period of the chart's kind (that of its points: years, half-years or quarters) a day falls in. */
function periodOfDay(day: string, like: Period): Period {
  return periodOf(new Date(`${day}T00:00:00Z`), periodKind(like));
}

const shortDay = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });

/** "6 Jul 2020" from "2020-07-06", the page's one date format. */
export function dayOf(day: string): string {
  return shortDay.format(new Date(`${day}T00:00:00Z`));
}

export function renderChart(points: readonly ChartPoint[], label: string, pause?: ChartPause): string {
  const slot = PLOT_W / Math.max(points.length, 1);
  const barW = Math.max(2, Math.min(28, slot * 0.7));
  const top = niceMax(Math.max(0, ...points.map((p) => p.requests)));
  const y = (requests: number) => TOP + PLOT_H - (requests / top) * PLOT_H;
  const yShare = (share: number) => TOP + PLOT_H - share * PLOT_H;
  const x = (index: number) => LEFT + slot * index + slot / 2;
  const out: string[] = [];

  // Grid and axes: requests on the left (0, half, top), share answered on the right (0 %, 50 %, 100 %).
  for (const fraction of [0, 0.5, 1]) {
    const at = fixed(TOP + PLOT_H - fraction * PLOT_H);
    out.push(`<line x1="${LEFT}" x2="${LEFT + PLOT_W}" y1="${at}" y2="${at}" stroke="#e3e3e3"/>`);
    out.push(
      `<text x="${LEFT - 4}" y="${at}" dy="3" text-anchor="end">${thousands.format(Math.round(top * fraction))}</text>`,
    );
    out.push(`<text x="${LEFT + PLOT_W + 4}" y="${at}" dy="3" fill="${CHART_COLOURS.line}">${fraction * 100}%</text>`);
  }

  // Bars: answered or otherwise decided below, the held part above it in the pause's colour.
  points.forEach((p, i) => {
    if (p.requests === 0) return;
    const left = fixed(x(i) - barW / 2);
    const notHeld = p.requests - p.held;
    const fill = p.selected ? CHART_COLOURS.selected : CHART_COLOURS.bar;
    if (notHeld > 0) {
      out.push(
        `<rect x="${left}" y="${fixed(y(notHeld))}" width="${fixed(barW)}" height="${fixed(TOP + PLOT_H - y(notHeld))}" fill="${fill}"/>`,
      );
    }
    if (p.held > 0) {
      out.push(
        `<rect class="held" x="${left}" y="${fixed(y(p.requests))}" width="${fixed(barW)}" height="${fixed(y(notHeld) - y(p.requests))}" fill="url(#held)"${p.selected ? ` stroke="${CHART_COLOURS.selected}"` : ""}/>`,
      );
    }
  });

  // The share answered of the requests not held, broken wherever a half-year had none: nothing to answer
  // (no requests, or all of them held by a pause) is not 0 %, and drawing it so reads as refusals.
  const decided = (p: ChartPoint) => p.requests - p.held;
  let path = "";
  points.forEach((p, i) => {
    if (decided(p) === 0) return;
    const previous = points[i - 1];
    const move = previous === undefined || decided(previous) === 0 ? "M" : "L";
    path += `${move}${fixed(x(i))} ${fixed(yShare(p.produced / decided(p)))}`;
  });
  if (path) out.push(`<path d="${path}" fill="none" stroke="${CHART_COLOURS.line}" stroke-width="1.5"/>`);
  points.forEach((p, i) => {
    if (decided(p) === 0) return;
    out.push(
      `<circle cx="${fixed(x(i))}" cy="${fixed(yShare(p.produced / decided(p)))}" r="2.2" fill="${CHART_COLOURS.line}"/>`,
    );
  });

  // The pause, where it began within the axis.
  if (pause?.since) {
    const period = periodOfDay(pause.since, points[0]?.period ?? "2000H1");
    const index = points.findIndex((p) => p.period === period);
    if (index >= 0) {
      const at = fixed(LEFT + slot * (index + dayInPeriod(pause.since, period)));
      const word = pause.status === "refused" ? "refused" : "paused";
      out.push(
        `<line class="pause" x1="${at}" x2="${at}" y1="${TOP - 4}" y2="${TOP + PLOT_H}" stroke="${CHART_COLOURS.pause}" stroke-width="1.5" stroke-dasharray="3 2"/>`,
      );
      out.push(
        `<text x="${at}" y="${TOP - 6}" text-anchor="middle" fill="${CHART_COLOURS.pause}" font-weight="600">${word} ${dayOf(pause.since)}</text>`,
      );
    }
  }

  // The time axis: a year under its first half-year, a tick per half-year.
  out.push(
    `<line x1="${LEFT}" x2="${LEFT + PLOT_W}" y1="${TOP + PLOT_H}" y2="${TOP + PLOT_H}" stroke="${CHART_COLOURS.axis}"/>`,
  );
  const everyOther = points.length > 16;
  points.forEach((p, i) => {
    const tick = fixed(x(i));
    out.push(
      `<line x1="${tick}" x2="${tick}" y1="${TOP + PLOT_H}" y2="${TOP + PLOT_H + 3}" stroke="${CHART_COLOURS.axis}"/>`,
    );
    const year = Number(p.period.slice(0, 4));
    const opensYear = p.period.length === 4 || p.period.endsWith("H1") || p.period.endsWith("Q1");
    if ((opensYear || i === 0) && (!everyOther || year % 2 === 0)) {
      out.push(`<text x="${fixed(LEFT + slot * i)}" y="${HEIGHT - 6}">${year}</text>`);
    }
  });

  return (
    `<svg role="img" aria-label="${escapeHtml(label)}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" font-size="10" fill="${CHART_COLOURS.axis}">` +
    out.join("") +
    "</svg>"
  );
}
