// /staff/dashboard: click-to-collect per day over a range of days (the last 14 unless the
// manager picks others) and what waits now, for one store, or for an admin the chain with
// every store compared; the range's figures download as CSV; the customer's voice below it
// (feedback.js) for store managers and admins. The now-figures follow the boards live; the
// daily figures are re-read after every board change.
import { drawChart } from "./chart.js";
import { download, figuresCsv } from "./csv.js";
import { showFeedback } from "./feedback.js";
import { clear, h } from "./dom.js";
import { ServerClock, duration, percent } from "./format.js";
import { LiveConnection, Refused, request } from "./graphql.js";
import {
  BOARD_SUBSCRIPTION, CHAIN_DAYS, CHAIN_STATS, STATS_BY_STORE, STORE_STATS, readBoard, readStats,
} from "./operations.js";
import { openSession, showRefusal, showStatus, storePicker } from "./page.js";
import { daysOf, describe, keepInAddress, rangeInAddress } from "./range.js";
import { RangeForm } from "./range_form.js";

const RELOAD_AFTER_MS = 500;

const sum = (values) => values.reduce((a, b) => a + (b || 0), 0);

function median(values) {
  const known = values.filter((v) => v !== null && v !== undefined).sort((a, b) => a - b);
  return known.length ? known[Math.floor((known.length - 1) / 2)] : null;
}

/** The range's figures of one store or of the chain. */
function ofDays(days) {
  const ready = sum(days.map((d) => d.madeReady));
  const readyInTime = sum(days.map((d) => (d.readyWithinPromise ?? 0) * d.madeReady));
  return {
    pickups: sum(days.map((d) => d.pickups)),
    withinPromise: ready ? readyInTime / ready : null,
    medianP50: median(days.map((d) => d.placedToCollected.p50)),
    collected: sum(days.map((d) => d.collected)),
    noShows: sum(days.map((d) => d.noShows)),
    shortPicks: sum(days.map((d) => d.shortPicks)),
  };
}

/** What waits on the boards right now, and what finished today. */
function ofBoards(boards, now) {
  const waiting = boards.flatMap((b) => [...b.toPick, ...b.picking, ...b.ready]);
  const oldest = Math.min(...waiting.map((c) => Date.parse(c.placedAt)));
  return {
    waiting: waiting.length,
    oldestSeconds: waiting.length ? (now - oldest) / 1000 : null,
    collectedToday: sum(boards.map((b) => b.collectedToday.length)),
    noShowsToday: sum(boards.map((b) => b.notCollected.length)),
  };
}

function tile(id, label, value) {
  return h("div", { class: "tile", "data-testid": `tile-${id}` },
    h("span", { class: "value" }, value), h("span", { class: "label" }, label));
}

function drawTiles(days, now, during) {
  clear(document.querySelector(".tiles")).append(
    tile("pickups", `Pickups, ${during}`, String(days.pickups)),
    tile("within-promise", "Ready within promise", percent(days.withinPromise)),
    tile("collected", `Collected, ${during}`, String(days.collected)),
    tile("no-shows", `No-shows, ${during}`, String(days.noShows)),
    tile("short-picks", `Units short-picked, ${during}`, String(days.shortPicks)),
    tile("waiting", "Waiting now", String(now.waiting)),
    tile("oldest", "Oldest waiting", duration(now.oldestSeconds)),
    tile("collected-today", "Collected today", String(now.collectedToday)),
    tile("no-shows-today", "No-shows today", String(now.noShowsToday)),
  );
}

const COMPARED = ["Store", "Pickups", "Ready within promise", "Median daily p50", "Collected",
  "No-shows", "Short-picked", "Waiting", "Oldest", "Collected today"];

function comparisonRow(store, days, now) {
  const cells = [store.name, String(days.pickups), percent(days.withinPromise),
    duration(days.medianP50), String(days.collected), String(days.noShows),
    String(days.shortPicks), String(now.waiting), duration(now.oldestSeconds),
    String(now.collectedToday)];
  return h("tr", { "data-store": store.id }, cells.map((text) => h("td", {}, text)));
}

function drawComparison(rows, during) {
  document.querySelector("#comparison-title").textContent = `Stores compared (${during})`;
  clear(document.querySelector("#comparison")).append(
    h("thead", {}, h("tr", {}, COMPARED.map((t) => h("th", {}, t)))),
    h("tbody", {}, rows));
  document.querySelector("#comparison-panel").hidden = false;
}

const WAITS = ["Day", "Pickups", "Order → ready p50", "p90", "Arrivals",
  "Arrival → hand-over p50", "p90"];

/** Per day with pickups, newest first: the store's wait, then the curbside customer's. */
function drawWaits(rows) {
  const body = [...rows].filter((d) => d.pickups).reverse().map((d) => h("tr", { "data-day": d.day },
    [d.day, String(d.pickups), duration(d.placedToReady.p50), duration(d.placedToReady.p90),
      String(d.arrivals), duration(d.arrivalToCollected.p50), duration(d.arrivalToCollected.p90)]
      .map((text) => h("td", {}, text))));
  clear(document.querySelector("#waits")).append(
    h("thead", {}, h("tr", {}, WAITS.map((t) => h("th", {}, t)))), h("tbody", {}, body));
}

function drawDays(days, rows, scope, during) {
  const byDay = new Map(rows.map((d) => [d.day, d.placedToCollected]));
  const series = (p) => days.map((day) => (byDay.has(day) ? byDay.get(day)[p] : null));
  document.querySelector("#chart-title").textContent =
    `Click-to-collect (placed → collected) per day, ${during}: ${scope}`;
  drawChart(document.querySelector("#chart"), days, [
    { name: "p50 placed → collected", key: "p50", values: series("p50") },
    { name: "p90 placed → collected", key: "p90", values: series("p90") },
  ]);
}

/** Which stores the page covers: one, or for an admin who asked for no store, every store. */
function scopeOf(me, store) {
  const chain = me.role === "admin" && !new URLSearchParams(window.location.search).get("store");
  const stores = chain ? me.stores : me.stores.filter((s) => s.id === store.id);
  return { chain, stores, name: chain ? `all ${stores.length} stores` : stores[0].name };
}

class Dashboard {
  constructor(token, scope) {
    Object.assign(this, { token, scope });
    this.timeZone = scope.stores[0].timeZone;
    this.boards = new Map();
    this.stats = null;
    this.loads = 0;
    this.clock = new ServerClock();
    this.show(rangeInAddress(this.timeZone));
  }

  /** Another range of days: kept in the address; its figures are read again. */
  show(range) {
    this.range = range;
    this.days = daysOf(range);
    keepInAddress(range);
  }

  async loadStats() {
    const asked = ++this.loads; // a range picked meanwhile wins over this answer
    const range = { first: this.range.first, last: this.range.last };
    const { chain, stores } = this.scope;
    const first = chain ? [CHAIN_STATS, {}] : [STORE_STATS, { store: stores[0].id }];
    const stats = readStats(await request(this.token, first[0], { ...range, ...first[1], after: null }));
    const more = chain ? CHAIN_DAYS : STORE_STATS;
    for (let next = stats.nextDays; next;) {
      const page = readStats(await request(this.token, more, { ...range, ...first[1], after: next }));
      stats.days.push(...page.days);
      next = page.nextDays;
    }
    for (let next = stats.next; next;) {
      const page = readStats(await request(this.token, STATS_BY_STORE, { ...range, after: next }));
      stats.byStore.push(...page.byStore);
      next = page.next;
    }
    if (asked !== this.loads) return;
    this.stats = { ...stats, range };
    this.redraw();
  }

  heard(storeId, board) {
    this.clock.heard(board.asOf);
    this.boards.set(storeId, board);
    this.redraw();
  }

  redraw() {
    const { stores, chain, name } = this.scope;
    if (!this.stats || stores.some((s) => !this.boards.has(s.id))) return; // not all in yet
    const now = this.clock.now();
    const during = describe(this.stats.range, this.timeZone);
    drawTiles(ofDays(this.stats.days), ofBoards([...this.boards.values()], now), during);
    drawDays(daysOf(this.stats.range), this.stats.days, name, during);
    drawWaits(this.stats.days);
    if (chain) {
      drawComparison(stores.map((s) => comparisonRow(s,
        ofDays(this.stats.byStore.filter((d) => d.storeId === s.id)),
        ofBoards([this.boards.get(s.id)], now))), during);
    }
    document.body.dataset.range = `${this.stats.range.first}/${this.stats.range.last}`;
    document.body.dataset.state = "ready";
  }

  /** The figures on the page, one row per store and day, as a file. */
  downloadCsv() {
    if (!this.stats) return;
    const { range, days, byStore } = this.stats;
    const rows = this.scope.chain ? byStore : days; // a store's days name it
    const who = this.scope.chain ? "all-stores" : this.scope.stores[0].id;
    download(`click-to-collect_${who}_${range.first}_${range.last}.csv`,
      figuresCsv(this.scope.stores, daysOf(range), rows));
  }
}

async function main() {
  const session = await openSession({ needsOneStore: true });
  if (!session) return;
  const { token, me, store } = session;
  const scope = scopeOf(me, store);
  document.querySelector("#store-name").textContent = scope.name;
  document.querySelector("#board-link").href =
    `/staff?store=${encodeURIComponent(scope.stores[0].id)}`;
  storePicker(me, scope.chain ? "" : store.id, { everyStore: me.role === "admin" });
  const dashboard = new Dashboard(token, scope);
  new RangeForm(document.querySelector("#range"), dashboard.range, {
    timeZone: dashboard.timeZone,
    onRange: (range) => {
      dashboard.show(range);
      dashboard.loadStats().catch((failure) => showRefusal("The figures could not load", String(failure.message || failure)));
      showFeedback(token, scope, dashboard.days).catch(() => {});
    },
    onDownload: () => dashboard.downloadCsv(),
  });
  try {
    await dashboard.loadStats();
  } catch (failure) {
    if (failure instanceof Refused) return showRefusal("No access", failure.message);
    throw failure;
  }
  showFeedback(token, scope, dashboard.days).catch(() => {});
  let pending = null;
  const reloadSoon = () => {
    clearTimeout(pending);
    pending = setTimeout(() => dashboard.loadStats().catch(() => {}), RELOAD_AFTER_MS);
  };
  // Each subscription's first message is the board as it is: on (re)connection too.
  const live = new LiveConnection(token, { onStatus: showStatus, onResync: reloadSoon });
  for (const s of scope.stores) {
    live.subscribe(BOARD_SUBSCRIPTION, { store: s.id }, {
      next: (data) => {
        const moved = dashboard.boards.has(s.id); // the first message is the board at load
        dashboard.heard(s.id, readBoard(data));
        if (moved) reloadSoon();
      },
      error: (failure) => showRefusal("No access", failure.message),
    });
  }
  live.start();
  setInterval(() => dashboard.redraw(), 15_000);
}

main().catch((failure) => showRefusal("The dashboard could not load", String(failure.message || failure)));
