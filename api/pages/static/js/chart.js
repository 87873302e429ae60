// A small line chart as inline SVG (no charting library): one line per series over days,
// values in seconds shown in minutes, every point with a text tooltip.
import { clear, h, svg } from "./dom.js";
import { duration } from "./format.js";

const WIDTH = 720;
const HEIGHT = 240;
const PAD = { left: 56, right: 16, top: 16, bottom: 36 };

function niceCeiling(seconds) {
  const minutes = Math.max(1, seconds / 60);
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 240, 480, 1440, 2880];
  return (steps.find((s) => s * 4 >= minutes) || Math.ceil(minutes / 4)) * 4 * 60;
}

/** days: ["2026-11-01", ...]; series: [{name, key, values: [seconds|null, ...]}]. */
export function drawChart(container, days, series) {
  const all = series.flatMap((s) => s.values).filter((v) => v !== null && v !== undefined);
  const top = niceCeiling(Math.max(0, ...all));
  const x = (i) => PAD.left + (i * (WIDTH - PAD.left - PAD.right)) / Math.max(1, days.length - 1);
  const y = (v) => HEIGHT - PAD.bottom - (v / top) * (HEIGHT - PAD.top - PAD.bottom);
  const chart = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", class: "chart",
    "aria-label": series.map((s) => s.name).join(" and ") + " per day",
  });
  for (let step = 0; step <= 4; step += 1) {
    const value = (top * step) / 4;
    chart.append(
      svg("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(value), y2: y(value), class: "grid" }),
      svg("text", { x: PAD.left - 6, y: y(value) + 4, class: "axis", "text-anchor": "end" },
        duration(value)));
  }
  days.forEach((day, i) => {
    if ((days.length - 1 - i) % 2 === 0) {
      chart.append(svg("text", { x: x(i), y: HEIGHT - 12, class: "axis", "text-anchor": "middle" },
        day.slice(5)));
    }
  });
  for (const s of series) {
    const points = s.values.map((v, i) => (v === null || v === undefined ? null : [x(i), y(v)]));
    const path = points.filter(Boolean).map(([px, py], i) => `${i ? "L" : "M"}${px},${py}`).join(" ");
    if (path) chart.append(svg("path", { d: path, class: `series ${s.key}` }));
    points.forEach((p, i) => {
      if (!p) return;
      const label = `${days[i]} ${s.name}: ${duration(s.values[i])}`;
      chart.append(svg("circle", {
        cx: p[0], cy: p[1], r: 3.5, class: `point ${s.key}`,
        "data-day": days[i], "data-series": s.key, "data-seconds": s.values[i],
      }, svg("title", {}, label)));
    });
  }
  const legend = h("p", { class: "legend" }, series.map((s) =>
    h("span", { class: `key ${s.key}` }, s.name)));
  clear(container).append(chart, legend);
}
