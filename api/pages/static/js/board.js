// /staff: the pickup board of one store, moved live by the pickupBoard subscription.
import { cardContent, refreshSla } from "./cards.js";
import { clear, h } from "./dom.js";
import { ServerClock } from "./format.js";
import { LiveConnection, Refused, request } from "./graphql.js";
import { BOARD_QUERY, BOARD_SUBSCRIPTION, readBoard, readOutcome } from "./operations.js";
import { openSession, showRefusal, showStatus, storePicker } from "./page.js";

const COLUMNS = ["toPick", "picking", "ready", "collectedToday", "notCollected"];
const TICK_MS = 15_000;

class BoardView {
  constructor({ token, storeId, timeZone, onRefused }) {
    Object.assign(this, { token, storeId, timeZone, onRefused });
    this.cards = new Map(); // pickup id -> {element, json, card}
    this.clock = new ServerClock();
    this.live = null;
  }

  /** Cards keep their element across updates: a half-typed code is not lost. */
  render(board) {
    const seen = new Set();
    this.clock.heard(board.asOf);
    const now = this.clock.now();
    for (const column of COLUMNS) {
      const list = document.querySelector(`[data-column="${column}"] .cards`);
      const cards = board[column] || [];
      list.closest("section").querySelector(".count").textContent = String(cards.length);
      cards.forEach((card, index) => {
        seen.add(card.id);
        const element = this.place(card, now);
        if (list.children[index] !== element) list.insertBefore(element, list.children[index] || null);
      });
    }
    for (const [id, entry] of this.cards) {
      if (!seen.has(id)) {
        entry.element.remove();
        this.cards.delete(id);
      }
    }
  }

  place(card, now) {
    const json = JSON.stringify(card);
    let entry = this.cards.get(card.id);
    if (!entry) {
      const element = h("li", { class: "card", "data-testid": "card", "data-id": card.id });
      entry = { element, json: null };
      this.cards.set(card.id, entry);
    }
    if (entry.json !== json) {
      const { element } = entry;
      element.dataset.status = card.status;
      clear(element).append(...cardContent(card, {
        act: (doc, vars) => this.act(element, doc, vars), timeZone: this.timeZone, now,
      }));
      entry.json = json;
      entry.card = card;
    }
    refreshSla(entry.element, card, this.timeZone, now);
    return entry.element;
  }

  tick() {
    const now = this.clock.now();
    for (const { element, card } of this.cards.values()) refreshSla(element, card, this.timeZone, now);
  }

  async act(element, operation, variables) {
    const error = element.querySelector(".card-error");
    const buttons = element.querySelectorAll("button");
    error.textContent = "";
    buttons.forEach((b) => { b.disabled = true; });
    try {
      const outcome = readOutcome(await request(this.token, operation, variables));
      if (outcome.errors.length) {
        error.textContent = outcome.errors.map((e) => `${e.message} (${e.code})`).join("; ");
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
    const data = await request(this.token, BOARD_QUERY, { store: this.storeId });
    this.render(readBoard(data));
  }
}

async function main() {
  const session = await openSession({ needsOneStore: true });
  if (!session) return;
  const { token, me, store } = session;
  const info = me.stores.find((s) => s.id === store.id);
  document.querySelector("#store-name").textContent = info.name;
  document.title = `Pickups · ${info.name}`;
  document.querySelector("#dashboard-link").href = `/staff/dashboard?store=${encodeURIComponent(store.id)}`;
  storePicker(me, store.id);
  const refused = (message) => showRefusal(`No access to ${store.id}`, message);
  const view = new BoardView({ token, storeId: store.id, timeZone: info.timeZone, onRefused: refused });
  try {
    await view.refresh();
  } catch (failure) {
    if (failure instanceof Refused) return refused(failure.message);
    throw failure;
  }
  const live = new LiveConnection(token, {
    onStatus: showStatus,
    onResync: () => view.refresh().catch(() => {}),
  });
  live.subscribe(BOARD_SUBSCRIPTION, { store: store.id }, {
    next: (data) => view.render(readBoard(data)),
    error: (failure) => (failure instanceof Refused ? refused(failure.message) : null),
  });
  view.live = live;
  live.start();
  setInterval(() => view.tick(), TICK_MS);
  document.body.dataset.state = "ready";
}

main().catch((failure) => showRefusal("The board could not load", String(failure.message || failure)));
