// /staff: the pickup board of one store, moved live by the pickupBoard subscription. With
// hundreds of open pickups a column shows one page of cards (more on request), after the
// search, filters and sort of board_tools.js; card elements are kept across updates.
import { ArrivalAlert } from "./arrivals.js";
import { BoardTools, ColumnTabs } from "./board_tools.js";
import { cardContent, refreshSla } from "./cards.js";
import { clear, h } from "./dom.js";
import { showErrors } from "./errors.js";
import { ServerClock } from "./format.js";
import { LiveConnection, Refused, request } from "./graphql.js";
import { NewOrderAlert } from "./new_orders.js";
import { BOARD_QUERY, BOARD_SUBSCRIPTION, readBoard, readOutcome } from "./operations.js";
import { openSession, showRefusal, showStatus, storePicker } from "./page.js";
import { printButton } from "./print.js";

// Arrived first: a customer at the curb is the most urgent card, and it shows there only.
const COLUMNS = ["arrived", "toPick", "picking", "ready", "collectedToday", "notCollected",
  "cancelledToday"];
const NAMES = { arrived: "Arrived", toPick: "To pick", picking: "Picking", ready: "Ready",
  collectedToday: "Collected", notCollected: "No-show", cancelledToday: "Cancelled" };
const OPEN_COLUMNS = ["toPick", "picking", "ready"];
const PAGE = 25; // cards per column before "Show more"
// The subscription carries each column's first cards (HEAD); the whole board (for search,
// filters and "Show more") is read at load and again at most every FULL_EVERY_MS while cards
// move. docs/decisions/2026-12-06-board-at-volume.md
const HEAD = PAGE;
const FULL_EVERY_MS = 5_000;
const SLA_FRESH_MS = 1_000; // a drawn card's age line is recomputed at most this often
const PREBUILD_EACH = 40; // card elements built per task in the background
const TICK_MS = 15_000;

class BoardView {
  constructor({ token, storeId, timeZone, me, title, onRefused }) {
    Object.assign(this, { token, storeId, timeZone, me, onRefused });
    this.entries = new Map(); // pickup id -> {element, json, card}
    this.board = null; // what is drawn: the latest heads, then the rest of the latest full board
    this.head = null;
    this.full = null;
    this.fullDue = null;
    this.clock = new ServerClock();
    this.live = null;
    this.limits = Object.fromEntries(COLUMNS.map((column) => [column, PAGE]));
    this.arrivals = new ArrivalAlert(document.querySelector("#arrival-alerts"));
    this.alert = new NewOrderAlert(document.querySelector("#alert-tools"), title);
    this.tools = new BoardTools({
      root: document.querySelector("#tools"), me, storeId, token, timeZone,
      onChange: (options) => this.draw(options),
    });
    this.tools.findCard = (test) => this.allCards().find(test);
    const grid = document.querySelector(".board");
    this.tabs = new ColumnTabs(document.querySelector("#tabs"), grid, COLUMNS, NAMES);
    for (const section of grid.querySelectorAll("[data-column]")) {
      const column = section.dataset.column;
      section.append(h("button", {
        type: "button", class: "secondary more", hidden: true, "data-testid": "show-more",
        onclick: () => { this.limits[column] += PAGE; this.draw(); },
      }));
    }
  }

  /** Each column: the heads' cards, then the full board's others not in any head. */
  merged() {
    const { head, full } = this;
    if (!full) return head;
    if (!head) return full;
    const inHead = new Set(COLUMNS.flatMap((column) => (head[column] || []).map((c) => c.id)));
    const board = { ...head };
    for (const column of COLUMNS) {
      const rest = (full[column] || []).filter((card) => !inHead.has(card.id));
      board[column] = [...(head[column] || []), ...rest];
    }
    return board;
  }

  /** Column sizes before the whole board is here: the server's counts. */
  countOf(column, shown) {
    if (this.full || this.tools.active()) return shown;
    return Math.max(shown, (this.head.counts || {})[column] || 0);
  }

  allCards() {
    return this.board ? COLUMNS.flatMap((column) => this.board[column] || []) : [];
  }

  /** The latest heads (subscription, first query) or, with `full`, the whole board. */
  render(board, { full = false } = {}) {
    this.clock.heard(board.asOf);
    const firstFull = full && !this.full; // the cards past the heads, there since the load
    if (full) this.full = board;
    else this.head = board;
    this.board = this.merged();
    const open = OPEN_COLUMNS.flatMap((column) => this.board[column] || []);
    if (firstFull) this.alert.know(open);
    else this.alert.heard(open);
    this.draw();
    this.arrivals.heard(board.arrived || [], (id) => this.entries.get(id)?.element);
  }

  /** Each column: its cards less those shown in an earlier column, searched, filtered and
   * sorted; one page of them in the DOM. `open`: a card to bring forward (a scan). */
  draw({ open = null } = {}) {
    if (!this.board) return;
    const now = this.clock.now();
    const seen = new Set();
    for (const column of COLUMNS) {
      const section = document.querySelector(`[data-column="${column}"]`);
      const unique = (this.board[column] || []).filter((card) => !seen.has(card.id));
      unique.forEach((card) => seen.add(card.id));
      const sorted = this.tools.sorted(unique.filter((card) => this.tools.shows(card, now)), column);
      // New orders first until seen: their highlight must be on screen, whatever the sort.
      const isNew = (card) => this.alert.isNew(card.id);
      const shown = [...sorted.filter(isNew), ...sorted.filter((card) => !isNew(card))];
      const visible = shown.slice(0, this.limits[column]);
      this.fill(section.querySelector(".cards"), visible, now);
      const count = this.countOf(column, shown.length);
      section.querySelector("h2 .count").textContent = String(count);
      this.tabs.count(column, count);
      const more = section.querySelector(".more");
      const rest = count - visible.length;
      more.hidden = rest <= 0;
      more.textContent = `Show ${Math.min(PAGE, rest)} more (${rest} not shown)`;
      if (open && visible.some((card) => card.id === open)) this.tabs.show(column);
    }
    for (const [id, entry] of this.entries) {
      if (!seen.has(id)) {
        entry.element.remove();
        this.entries.delete(id);
      }
    }
    if (open) this.open(open);
  }

  fill(list, cards, now) {
    cards.forEach((card, index) => {
      const element = this.place(card, now);
      if (list.children[index] !== element) list.insertBefore(element, list.children[index] || null);
    });
    while (list.children.length > cards.length) list.lastElementChild.remove();
  }

  open(id) {
    const element = this.entries.get(id)?.element;
    if (!element) return;
    for (const other of document.querySelectorAll("[data-opened]")) delete other.dataset.opened;
    element.dataset.opened = "true";
    element.scrollIntoView({ block: "nearest" });
    element.focus(); // the card, not a button in it: the next scan must not press anything
  }

  place(card, now) {
    let entry = this.entries.get(card.id);
    if (entry && entry.card === card) { // the same board as the last draw: nothing changed
      this.markNew(entry.element, card.id);
      if (now - entry.slaAt >= SLA_FRESH_MS) this.sla(entry, now);
      return entry.element;
    }
    const json = JSON.stringify(card);
    if (!entry) {
      const element = h("li", {
        class: "card", "data-testid": "card", "data-id": card.id, tabindex: "-1",
        onclick: () => { delete element.dataset.new; this.alert.seen(card.id); },
      });
      entry = { element, json: null };
      this.entries.set(card.id, entry);
    }
    const { element } = entry;
    if (entry.json !== json) {
      element.dataset.status = card.status;
      clear(element).append(...cardContent(card, {
        act: (doc, vars, options) => this.act(element, doc, vars, options),
        timeZone: this.timeZone, now, me: this.me,
      }));
      entry.json = json;
    }
    entry.card = card;
    this.markNew(element, card.id);
    this.sla(entry, now);
    return element;
  }

  markNew(element, id) {
    if (this.alert.isNew(id)) element.dataset.new = "true";
    else delete element.dataset.new;
  }

  sla(entry, now) {
    refreshSla(entry.element, entry.card, this.timeZone, now);
    entry.slaAt = now;
  }

  tick() {
    const now = this.clock.now();
    for (const entry of this.entries.values()) {
      if (entry.element.isConnected) this.sla(entry, now);
    }
  }

  async act(element, operation, variables, options = {}) {
    const error = element.querySelector(".card-error");
    const buttons = element.querySelectorAll("button");
    error.textContent = "";
    buttons.forEach((b) => { b.disabled = true; });
    try {
      const outcome = readOutcome(await request(this.token, operation, variables, options));
      if (outcome.errors.length) {
        showErrors(error, outcome.errors);
      } else if (!this.live || this.live.acknowledged !== true) {
        await this.refresh(); // no subscription right now: read the board ourselves
      }
    } catch (failure) {
      if (failure instanceof Refused) this.onRefused(failure.message);
      else error.textContent = `Not sent: ${failure.message}. Try again.`;
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  }

  async refresh() {
    const data = await request(this.token, BOARD_QUERY, { store: this.storeId, first: HEAD });
    this.render(readBoard(data));
  }

  async refreshFull() {
    const data = await request(this.token, BOARD_QUERY, { store: this.storeId });
    this.render(readBoard(data), { full: true });
    this.prebuild();
  }

  /** Build the elements of cards not on screen yet, a few at a time between frames, so that
   * a keystroke that brings them up only moves elements. */
  prebuild() {
    const waiting = this.allCards().filter((card) => !this.entries.has(card.id));
    const step = () => {
      const now = this.clock.now();
      for (const card of waiting.splice(0, PREBUILD_EACH)) {
        if (!this.entries.has(card.id)) this.place(card, now);
      }
      if (waiting.length) setTimeout(step, 0);
    };
    setTimeout(step, 0);
  }

  /** Cards moved: the whole board is read again, once per FULL_EVERY_MS at most. */
  fullSoon() {
    if (this.fullDue) return;
    this.fullDue = setTimeout(() => {
      this.refreshFull().catch(() => {}).finally(() => { this.fullDue = null; });
    }, FULL_EVERY_MS);
  }
}

async function main() {
  const session = await openSession({ needsOneStore: true });
  if (!session) return;
  const { token, me, store } = session;
  const info = me.stores.find((s) => s.id === store.id);
  document.querySelector("#store-name").textContent = info.name;
  const title = `Pickups · ${info.name}`;
  document.title = title;
  document.querySelector("#dashboard-link").href = `/staff/dashboard?store=${encodeURIComponent(store.id)}`;
  storePicker(me, store.id);
  const refused = (message) => showRefusal(`No access to ${store.id}`, message);
  const view = new BoardView({
    token, storeId: store.id, timeZone: info.timeZone, me: me.subject, title, onRefused: refused,
  });
  document.querySelector("#alert-tools").append(printButton({
    root: document.querySelector("#print-area"), token, me: me.subject, timeZone: info.timeZone,
    cards: () => view.allCards(),
  }));
  try {
    await view.refresh();
    // The first board on screen (bench/staff_board.py reads this mark): after the next frame.
    requestAnimationFrame(() => setTimeout(() => performance.mark("board-painted")));
    view.refreshFull().then(() => performance.mark("board-complete")).catch(() => {});
  } catch (failure) {
    if (failure instanceof Refused) return refused(failure.message);
    throw failure;
  }
  const live = new LiveConnection(token, {
    onStatus: showStatus,
    onResync: () => view.refresh().then(() => view.fullSoon()).catch(() => {}),
  });
  live.subscribe(BOARD_SUBSCRIPTION, { store: store.id, first: HEAD }, {
    next: (data) => { view.render(readBoard(data)); view.fullSoon(); },
    error: (failure) => (failure instanceof Refused ? refused(failure.message) : null),
  });
  view.live = live;
  live.start();
  setInterval(() => view.tick(), TICK_MS);
  document.body.dataset.state = "ready";
}

main().catch((failure) => showRefusal("The board could not load", String(failure.message || failure)));
