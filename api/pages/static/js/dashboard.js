// /staff/dashboard: click-to-collect per day over 14 days and what waits now, for one store,
// or for an admin the chain with every store compared; the customer's voice below it
// (feedback.js) for store managers and admins. The now-figures follow the boards
// live; the daily figures are re-read after every board change.
import { drawChart } from "./chart.js";
import { showFeedback } from "./feedback.js";
import { clear, h } from "./dom.js";
import { ServerClock, duration, percent } from "./format.js";
import { LiveConnection, Refused, request } from "./graphql.js";
import {
  BOARD_SUBSCRIPTION, CHAIN_STATS, STATS_BY_STORE, STORE_STATS, readBoard, readStats,
} from "./operations.js";
import { openSession, showRefusal, showStatus, storePicker } from "./page.js";

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

/** The 14 days' figures of one store or of the chain. */
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

function drawTiles(days, now) {
  clear(document.querySelector(".tiles")).append(
    tile("pickups", `Pickups, last ${DAYS} days`, String(days.pickups)),
    tile("within-promise", "Ready within promise", percent(days.withinPromise)),
    tile("collected", `Collected, ${DAYS} days`, String(days.collected)),
    tile("no-shows", `No-shows, ${DAYS} days`, String(days.noShows)),
    tile("short-picks", `Units short-picked, ${DAYS} days`, String(days.shortPicks)),
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

function drawComparison(rows) {
  clear(document.querySelector("#comparison")).append(
    h("thead", {}, h("tr", {}, COMPARED.map((t) => h("th", {}, t)))),
    h("tbody", {}, rows));
  document.querySelector("#comparison-panel").hidden = false;
}

function drawDays(days, rows, scope) {
  const byDay = new Map(rows.map((d) => [d.day, d.placedToCollected]));
  const series = (p) => days.map((day) => (byDay.has(day) ? byDay.get(day)[p] : null));
  document.querySelector("#chart-title").textContent =
    `Click-to-collect (placed → collected) per day, last ${DAYS} days: ${scope}`;
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
    this.days = lastDays(scope.stores[0].timeZone);
    this.boards = new Map();
    this.stats = null;
    this.clock = new ServerClock();
  }

  async loadStats() {
    const range = { first: this.days[0], last: this.days.at(-1) };
    if (!this.scope.chain) {
      const { id } = this.scope.stores[0];
      this.stats = readStats(await request(this.token, STORE_STATS, { store: id, ...range }));
    } else {
      const stats = readStats(await request(this.token, CHAIN_STATS, { ...range, after: null }));
      for (let next = stats.next; next;) {
        const page = readStats(await request(this.token, STATS_BY_STORE, { ...range, after: next }));
        stats.byStore.push(...page.byStore);
        next = page.next;
      }
      this.stats = stats;
    }
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
    drawTiles(ofDays(this.stats.days), ofBoards([...this.boards.values()], now));
    drawDays(this.days, this.stats.days, name);
    if (chain) {
      drawComparison(stores.map((s) => comparisonRow(s,
        ofDays(this.stats.byStore.filter((d) => d.storeId === s.id)),
        ofBoards([this.boards.get(s.id)], now))));
    }
    document.body.dataset.state = "ready";
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
