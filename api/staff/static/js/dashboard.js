// /staff/dashboard: click-to-collect per day over 14 days, what waits now, and for several
// stores (an admin) a comparison. Now-figures follow the boards live; the daily figures are
// re-read after every board change.
import { drawChart } from "./chart.js";
import { clear, h } from "./dom.js";
import { duration, percent } from "./format.js";
import { LiveConnection, Refused, request } from "./graphql.js";
import { boardQuery, boardSubscription, readBoard, readStats, statsQuery } from "./operations.js";
import { openSession, showRefusal, showStatus } from "./page.js";

const DAYS = 14;
const RELOAD_AFTER_MS = 500;

function lastDays(timeZone) {
  const today = new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date());
  const end = Date.parse(`${today}T12:00:00Z`);
  return Array.from({ length: DAYS }, (_, i) =>
    new Date(end - (DAYS - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

const sum = (values) => values.reduce((a, b) => a + (b || 0), 0);

function median(values) {
  const known = values.filter((v) => v !== null && v !== undefined).sort((a, b) => a - b);
  return known.length ? known[Math.floor((known.length - 1) / 2)] : null;
}

/** The pickups-weighted share over stores; null (shown as "–") when there were none. */
function shareOf(figures) {
  const pickups = sum(figures.map((f) => f.pickups));
  return pickups ? sum(figures.map((f) => (f.withinPromise ?? 0) * f.pickups)) / pickups : null;
}

/** Per store: the figures of the last 14 days and of its board right now. */
function summarize(stats, board, can, now) {
  const headline = (d) => (can.placedToCollected ? d.placedToCollected : d.placedToReady);
  const waiting = board ? [...board.toPick, ...board.picking, ...board.ready] : [];
  const oldest = Math.min(...waiting.map((c) => Date.parse(c.placedAt)));
  const pickups = sum(stats.map((d) => d.pickups));
  const share = can.collectedWithinPromise ? "collectedWithinPromise" : "readyWithinPromise";
  const weighted = sum(stats.map((d) => (d[share] ?? 0) * d.pickups));
  return {
    pickups,
    withinPromise: pickups ? weighted / pickups : null,
    medianP50: median(stats.map((d) => headline(d).p50)),
    waiting: waiting.length,
    oldestSeconds: waiting.length ? (now - oldest) / 1000 : null,
    collectedToday: board ? board.collectedToday.length : 0,
    noShowsToday: board ? board.notCollected.length : 0,
    noShows: can.noShows ? sum(stats.map((d) => d.noShows)) : null,
    shortPicks: can.shortPickCount ? sum(stats.map((d) => d.shortPicks)) : null,
  };
}

function tile(id, label, value) {
  return h("div", { class: "tile", "data-testid": `tile-${id}` },
    h("span", { class: "value" }, value), h("span", { class: "label" }, label));
}

function drawTiles(total, can) {
  const shareLabel = can.collectedWithinPromise ? "Collected within promise" : "Ready within promise";
  const tiles = [
    tile("pickups", `Pickups, last ${DAYS} days`, String(total.pickups)),
    tile("within-promise", shareLabel, percent(total.withinPromise)),
    tile("waiting", "Waiting now", String(total.waiting)),
    tile("oldest", "Oldest waiting", duration(total.oldestSeconds)),
    tile("collected-today", "Collected today", String(total.collectedToday)),
    tile("no-shows-today", "No-shows today", String(total.noShowsToday)),
    total.noShows === null ? null : tile("no-shows", `No-shows, ${DAYS} days`, String(total.noShows)),
    total.shortPicks === null ? null : tile("short-picks", `Short picks, ${DAYS} days`, String(total.shortPicks)),
  ];
  clear(document.querySelector(".tiles")).append(...tiles.filter(Boolean));
}

function drawComparison(stores, figures) {
  const table = document.querySelector("#comparison");
  const head = ["Store", "Pickups", "Within promise", "Median daily p50", "Waiting", "Oldest",
    "Collected today", "No-shows today"];
  clear(table).append(
    h("thead", {}, h("tr", {}, head.map((t) => h("th", {}, t)))),
    h("tbody", {}, stores.map((store) => {
      const f = figures.get(store.id);
      return h("tr", { "data-store": store.id },
        h("td", {}, store.name), h("td", {}, String(f.pickups)), h("td", {}, percent(f.withinPromise)),
        h("td", {}, duration(f.medianP50)), h("td", {}, String(f.waiting)),
        h("td", {}, duration(f.oldestSeconds)), h("td", {}, String(f.collectedToday)),
        h("td", {}, String(f.noShowsToday)));
    })));
  document.querySelector("#comparison-panel").hidden = stores.length < 2;
}

function drawDays(days, stats, can, chain) {
  const byDay = new Map(days.map((d) => [d, []]));
  for (const d of stats) if (byDay.has(d.day)) byDay.get(d.day).push(d);
  const pick = (key, p) => days.map((day) => {
    const rows = byDay.get(day);
    return chain ? median(rows.map((r) => r[key][p])) : (rows[0] ? rows[0][key][p] : null);
  });
  const key = can.placedToCollected ? "placedToCollected" : "placedToReady";
  const label = can.placedToCollected ? "placed → collected" : "placed → ready";
  document.querySelector("#chart-title").textContent =
    `${can.placedToCollected ? "Click-to-collect" : "Placed to ready"} per day, last ${DAYS} days`;
  document.querySelector("#chart-note").textContent = can.placedToCollected ? ""
    : "Placed → collected per day appears here once the API offers it (placedToCollected).";
  drawChart(document.querySelector("#chart"), days, [
    { name: `p50 ${label}`, key: "p50", values: pick(key, "p50") },
    { name: `p90 ${label}`, key: "p90", values: pick(key, "p90") },
  ]);
}

async function main() {
  const session = await openSession({ needsOneStore: false });
  if (!session) return;
  const { token, me, store, can } = session;
  if (store.id && !store.allowed) {
    return showRefusal(`No access to ${store.id}`, `${me.subject} does not work at ${store.id}.`);
  }
  const asked = new URLSearchParams(window.location.search).get("store");
  const stores = asked ? me.stores.filter((s) => s.id === asked) : me.stores;
  const heading = stores.length === 1 ? stores[0].name : `${stores.length} stores`;
  document.querySelector("#store-name").textContent = heading;
  document.querySelector("#board-link").href = `/staff?store=${encodeURIComponent(stores[0].id)}`;
  const days = lastDays(stores[0].timeZone);
  const boards = new Map();
  const stats = new Map();

  const redraw = () => {
    const now = Date.now();
    const figures = new Map(stores.map((s) =>
      [s.id, summarize(stats.get(s.id) || [], boards.get(s.id), can, now)]));
    const all = [...figures.values()];
    const oldest = all.map((f) => f.oldestSeconds).filter((v) => v !== null);
    drawTiles({
      pickups: sum(all.map((f) => f.pickups)),
      withinPromise: shareOf(all),
      waiting: sum(all.map((f) => f.waiting)),
      oldestSeconds: oldest.length ? Math.max(...oldest) : null,
      collectedToday: sum(all.map((f) => f.collectedToday)),
      noShowsToday: sum(all.map((f) => f.noShowsToday)),
      noShows: can.noShows ? sum(all.map((f) => f.noShows)) : null,
      shortPicks: can.shortPickCount ? sum(all.map((f) => f.shortPicks)) : null,
    }, can);
    drawComparison(stores, figures);
    drawDays(days, stores.flatMap((s) => stats.get(s.id) || []), can, stores.length > 1);
    document.body.dataset.state = "ready";
  };

  const loadStats = async () => {
    for (const s of stores) {
      const data = await request(token, statsQuery(can), { store: s.id, first: days[0], last: days.at(-1) });
      stats.set(s.id, readStats(data));
    }
    redraw();
  };
  let pending = null;
  const reloadSoon = () => {
    clearTimeout(pending);
    pending = setTimeout(() => loadStats().catch(() => {}), RELOAD_AFTER_MS);
  };

  try {
    for (const s of stores) {
      boards.set(s.id, readBoard(await request(token, boardQuery(can), { store: s.id })));
    }
    await loadStats();
  } catch (failure) {
    if (failure instanceof Refused) return showRefusal("No access", failure.message);
    throw failure;
  }
  const live = new LiveConnection(token, { onStatus: showStatus, onResync: reloadSoon });
  for (const s of stores) {
    live.subscribe(boardSubscription(can), { store: s.id }, {
      next: (data) => { boards.set(s.id, readBoard(data)); redraw(); reloadSoon(); },
      error: (failure) => showRefusal("No access", failure.message),
    });
  }
  live.start();
  setInterval(redraw, 15_000);
}

main().catch((failure) => showRefusal("The dashboard could not load", String(failure.message || failure)));
