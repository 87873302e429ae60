// One pickup card: whose order, what to hand over, against which promise, and the buttons for
// its step.
import { h } from "./dom.js";
import { clockTime, slaOf, windowClosed } from "./format.js";
import { COLLECT, MARK_NO_SHOW, MARK_READY, REPORT_SHORT, START_PICKING } from "./operations.js";

function lineItem(line, short) {
  return h("li", { "data-sku": line.sku },
    h("span", { class: "qty" }, `${line.quantity} ×`), " ",
    line.productName ? [h("span", { class: "product" }, line.productName), " "] : null,
    h("span", { class: "sku" }, line.sku),
    short ? [" ", h("span", { class: "short" }, `short ${short.quantityShort}`)] : null);
}

/** The lines still to hand over, each with what the shelf could not supply; lines that were
 * short altogether are listed after them. */
function lineList(card) {
  const shortBy = new Map(card.shortPicks.map((s) => [s.lineId, s]));
  const gone = card.shortPicks.filter((s) => !card.lines.some((l) => l.lineId === s.lineId));
  return h("ul", { class: "lines" },
    card.lines.map((line) => lineItem(line, shortBy.get(line.lineId))),
    gone.map((s) => h("li", { class: "short-line", "data-sku": s.sku },
      h("span", { class: "short" }, `short ${s.quantityShort}`), " ",
      h("span", { class: "sku" }, s.sku))));
}

function inlineForm(label, placeholder, buttonText, onSubmit, attributes = {}) {
  const input = h("input", { "aria-label": label, placeholder, autocomplete: "off", ...attributes });
  return h("form", {
    class: "inline",
    onsubmit: (event) => {
      event.preventDefault();
      if (input.value.trim()) onSubmit(input.value.trim());
    },
  }, input, h("button", { type: "submit" }, buttonText));
}

function shortForm(card, act) {
  const rows = card.lines.map((line) => inlineForm(
    `Units short of ${line.sku}`, "units", `Short ${line.sku}`,
    (units) => act(REPORT_SHORT, { id: card.id, line: line.lineId, quantity: Number(units) }),
    { type: "number", min: 1, max: line.quantity, value: 1 },
  ));
  return h("div", { class: "short-form", hidden: true }, rows);
}

function pickingActions(card, act) {
  const short = shortForm(card, act);
  return [
    inlineForm("Shelf spot", "Shelf spot, e.g. B3", "Mark ready",
      (shelf) => act(MARK_READY, { id: card.id, shelf })),
    h("button", { class: "secondary", onclick: () => { short.hidden = !short.hidden; } },
      "Report short"),
    short,
  ];
}

/** Ready: hand over against the code, or, once the window has closed, record a no-show. The
 * button is there before too: the API decides, and its refusal says until when. */
function readyActions(card, act, now) {
  const closed = windowClosed(card, now);
  return [
    inlineForm("Pickup code", "Customer's code", "Collect",
      (code) => act(COLLECT, { id: card.id, code })),
    h("button", {
      class: closed ? "no-show" : "secondary",
      "data-action": "no-show",
      onclick: () => act(MARK_NO_SHOW, { id: card.id }),
    }, "Mark no-show"),
  ];
}

function actions(card, act, now) {
  if (card.status === "REQUESTED") {
    return [h("button", { onclick: () => act(START_PICKING, { id: card.id }) }, "Start picking")];
  }
  if (card.status === "PICKING") return pickingActions(card, act);
  if (card.status === "READY") return readyActions(card, act, now);
  return [];
}

function who(card) {
  if (card.status === "PICKING" && card.pickerId) return ` · ${card.pickerId}`;
  if (card.status === "COLLECTED" && card.collectedBy) return ` · handed over by ${card.collectedBy}`;
  return null;
}

/** On a ready card: whether the customer was told, as recorded (a mail the server accepted,
 * or staff's word), never as intended. */
function notice(card, timeZone) {
  if (card.status !== "READY" || !card.notification) return null;
  const { state, channel, at, reason } = card.notification;
  const text = state === "NOTIFIED" ? `Customer told by ${channel} at ${clockTime(at, timeZone)}`
    : state === "FAILED" ? `Customer not told: ${reason}`
    : "Customer not told yet";
  return h("p", { class: "told", "data-state": state }, text);
}

/** The card's content (the <li> itself is kept across updates by the board). */
export function cardContent(card, { act, timeZone, now }) {
  const sla = slaOf(card, now, timeZone);
  return [
    h("header", {},
      h("strong", { class: "order" }, `Order ${card.orderNumber}`),
      card.customerFirstName ? h("span", { class: "customer" }, card.customerFirstName) : null),
    h("p", { class: "window" },
      `promised ${clockTime(card.promisedReadyAt, timeZone)}`,
      card.shelfSpot ? h("span", { class: "shelf" }, ` · shelf ${card.shelfSpot}`) : null,
      who(card)),
    lineList(card),
    notice(card, timeZone),
    h("p", { class: "sla", "data-level": sla.level }, sla.text),
    h("div", { class: "actions" }, actions(card, act, now)),
    h("p", { class: "card-error", role: "alert", "data-testid": "card-error" }),
  ];
}

export function refreshSla(element, card, timeZone, now) {
  const sla = slaOf(card, now, timeZone);
  const line = element.querySelector(".sla");
  line.textContent = sla.text;
  line.dataset.level = sla.level;
  element.dataset.sla = sla.level;
  const noShow = element.querySelector('[data-action="no-show"]');
  if (noShow) noShow.className = windowClosed(card, now) ? "no-show" : "secondary";
}
