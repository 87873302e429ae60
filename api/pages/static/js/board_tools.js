// The board's tools for hundreds of cards: instant search (order number, pickup code, first
// name, SKU), the scanner field, filters, sorting, and the phone's column tabs. Searching and
// filtering run over the cards already loaded: a keystroke redraws at most one page of cards
// per column. A pickup code is the customer's and never on a card, so a code is looked up on
// the server (pickupWithCode), which answers only with the card it opens.
import { h } from "./dom.js";
import { slaOf } from "./format.js";
import { Refused, request } from "./graphql.js";
import { PICKUP_WITH_CODE } from "./operations.js";

const CODE = /^[A-Za-z0-9]{6}$/; // what a pickup code looks like (domain: 6 characters)
const CODE_LOOKUP_MS = 120; // a typed code is looked up once typing pauses

export const FILTERS = {
  mine: { label: "Mine", test: (card, me) => (card.assignedTo || card.pickerId) === me },
  late: { label: "Late", test: (card, _me, now, zone) => slaOf(card, now, zone).level === "late" },
  unpaid: { label: "Unpaid", test: (card) => card.payment === "UNPAID" },
  arrived: { label: "Curbside / arrived", test: (card) => card.arrived === true },
};

const FINISHED_COLUMNS = new Set(["collectedToday", "notCollected", "cancelledToday"]);
const SORTS = {
  promised: { label: "Promised time, soonest first", key: (c) => Date.parse(c.promisedReadyAt) },
  "promised-late": { label: "Promised time, latest first", key: (c) => -Date.parse(c.promisedReadyAt) },
  newest: { label: "Newest order first", key: (c) => -Date.parse(c.placedAt) },
};

/** What one card is found by, lower case, computed once per version of the card. */
const haystacks = new WeakMap();
function haystackOf(card) {
  let text = haystacks.get(card);
  if (text === undefined) {
    const parts = [card.orderNumber, card.orderId, card.customerFirstName || ""];
    for (const line of card.lines) parts.push(line.sku, line.productName || "");
    text = parts.join("\n").toLowerCase();
    haystacks.set(card, text);
  }
  return text;
}

export class BoardTools {
  constructor({ root, me, storeId, token, timeZone, onChange }) {
    Object.assign(this, { me, storeId, token, timeZone, onChange });
    this.query = "";
    this.filters = new Set();
    this.sort = "promised";
    this.codeMatch = null; // {code, id}: the card a typed code belongs to
    this.timer = null;
    this.build(root);
  }

  build(root) {
    this.search = h("input", {
      type: "search", "aria-label": "Search", "data-testid": "search", autocomplete: "off",
      placeholder: "Search: order, code, name, SKU",
      oninput: () => this.searched(),
    });
    this.scan = h("input", {
      "aria-label": "Scan", "data-testid": "scan", autocomplete: "off",
      placeholder: "Scan a QR or order barcode",
    });
    this.scanned = h("span", { class: "scan-result", role: "status", "data-testid": "scan-result" });
    const scanForm = h("form", {
      class: "scan", onsubmit: (event) => { event.preventDefault(); this.scanNow(); },
    }, this.scan, this.scanned);
    const filterButtons = Object.entries(FILTERS).map(([name, { label }]) => h("button", {
      type: "button", class: "filter", "data-filter": name, "aria-pressed": "false",
      onclick: (event) => this.toggle(name, event.currentTarget),
    }, label));
    const sort = h("select", {
      "aria-label": "Sort", "data-testid": "sort",
      onchange: (event) => { this.sort = event.currentTarget.value; this.onChange(); },
    }, Object.entries(SORTS).map(([value, { label }]) => h("option", { value }, label)));
    root.append(this.search, scanForm, h("div", { class: "filters" }, filterButtons), sort);
    // A scanner types wherever the focus is: keys typed outside any field go to the scanner's.
    document.addEventListener("keydown", (event) => {
      const typing = event.target.closest && event.target.closest("input, textarea, select");
      if (!typing && event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) {
        this.scan.focus();
      }
    });
  }

  searched() {
    this.query = this.search.value.trim().toLowerCase();
    this.onChange();
    clearTimeout(this.timer);
    if (CODE.test(this.query) && this.codeMatch?.code !== this.query) {
      this.timer = setTimeout(() => this.lookUpCode(this.query), CODE_LOOKUP_MS);
    }
  }

  async lookUpCode(code) {
    const found = await this.findByCode(code).catch(() => null);
    this.codeMatch = { code, id: found ? found.id : null };
    if (this.query === code) this.onChange();
  }

  async findByCode(code) {
    const data = await request(this.token, PICKUP_WITH_CODE, { store: this.storeId, code });
    return data.pickupWithCode;
  }

  toggle(name, button) {
    if (this.filters.has(name)) this.filters.delete(name);
    else this.filters.add(name);
    button.setAttribute("aria-pressed", String(this.filters.has(name)));
    this.onChange();
  }

  /** Whether a search or a filter narrows the board. */
  active() {
    return this.query !== "" || this.filters.size > 0;
  }

  /** Whether a card is shown: every filter on, and the search (when there is one). */
  shows(card, now) {
    for (const name of this.filters) {
      if (!FILTERS[name].test(card, this.me, now, this.timeZone)) return false;
    }
    if (!this.query) return true;
    if (this.codeMatch && this.codeMatch.code === this.query && this.codeMatch.id === card.id) {
      return true;
    }
    return haystackOf(card).includes(this.query);
  }

  /** Open columns by the chosen sort; finished ones latest first (what just happened on top). */
  sorted(cards, column) {
    const key = FINISHED_COLUMNS.has(column) ? (c) => -Date.parse(c.finishedAt) : SORTS[this.sort].key;
    return cards.map((card) => [key(card), card]).sort((a, b) => a[0] - b[0]).map(([, c]) => c);
  }

  /** A scanner types the code and Enter: an order number (the bag's barcode or label QR) or
   * the customer's pickup code (their QR). The board then shows that card alone. */
  async scanNow() {
    const value = this.scan.value.trim();
    this.scan.value = "";
    if (!value) return;
    const byNumber = this.findCard((card) => card.orderNumber.toLowerCase() === value.toLowerCase()
      || card.orderId === value.toLowerCase());
    let found = byNumber ? { id: byNumber.id, orderNumber: byNumber.orderNumber } : null;
    if (!found && CODE.test(value)) {
      try {
        found = await this.findByCode(value);
      } catch (failure) {
        if (failure instanceof Refused) throw failure;
      }
    }
    if (!found) {
      this.scanned.textContent = `No open pickup with order number or code ${value}`;
      this.scanned.dataset.found = "false";
      return;
    }
    this.scanned.textContent = `Order ${found.orderNumber}`;
    this.scanned.dataset.found = "true";
    this.search.value = found.orderNumber;
    this.query = found.orderNumber.toLowerCase();
    this.onChange({ open: found.id });
  }

  findCard() {
    return null; // replaced by the board with a lookup over its cards
  }
}

/** The phone's tabs: one button per column with its count; the board shows one column. */
export class ColumnTabs {
  constructor(root, board, columns, names) {
    this.board = board;
    this.buttons = new Map(columns.map((column) => [column, h("button", {
      type: "button", role: "tab", class: "tab", "data-tab": column,
      onclick: () => this.show(column),
    }, names[column], " ", h("span", { class: "count" }, "0"))]));
    root.append(...this.buttons.values());
    this.show(columns[1]); // To pick: where an associate starts
  }

  show(column) {
    this.board.dataset.tab = column;
    for (const [name, button] of this.buttons) {
      button.setAttribute("aria-selected", String(name === column));
    }
    for (const section of this.board.querySelectorAll("[data-column]")) {
      section.classList.toggle("active", section.dataset.column === column);
    }
  }

  count(column, shown) {
    this.buttons.get(column).querySelector(".count").textContent = String(shown);
  }
}
