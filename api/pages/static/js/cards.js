// One pickup card: whose order, what to hand over, against which promise, and the buttons for
// its step.
import { arrivalLine, needsPayment, paymentBadge, paymentForm } from "./counter.js";
import { h } from "./dom.js";
import { clockTime, slaOf, windowClosed } from "./format.js";
import { ask, stepSlot } from "./hold.js";
import {
  CANCEL_ORDER, COLLECT, MARK_NO_SHOW, MARK_READY, REPORT_SHORT, START_PICKING, TAKE_PICKUP,
} from "./operations.js";

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

const units = (count) => `${count} unit${count === 1 ? "" : "s"}`;
const unitsLeft = (card) => card.lines.reduce((sum, line) => sum + line.quantity, 0);

/** What a short pick does: the whole order when nothing would be left, else those units. */
function shortConsequence(card, line, count) {
  if (count >= unitsLeft(card)) {
    return `This cancels the whole order and releases ${units(count)}.`;
  }
  const them = count === 1 ? "it" : "them";
  return `This removes ${count} \u00d7 ${line.sku} from the order (the customer is not charged `
    + `for ${them}) and releases ${units(count)}.`;
}

/** One row per line: the SKU, a quantity box and its button, each sized to fit the card. */
function shortRow(card, line, act) {
  const input = h("input", {
    "aria-label": `Units short of ${line.sku}`, type: "number", min: 1, max: line.quantity,
    value: 1, inputmode: "numeric", class: "units",
  });
  return h("form", {
    class: "short-row",
    onsubmit: (event) => {
      event.preventDefault();
      const count = Number(input.value);
      if (!(count >= 1 && count <= line.quantity)) return;
      ask(card, event.currentTarget, {
        label: `Short ${count} \u00d7 ${line.sku}`,
        consequence: shortConsequence(card, line, count),
        confirm: "Report short",
        act,
        operation: REPORT_SHORT,
        variables: () => ({ id: card.id, line: line.lineId, quantity: count }),
      });
    },
  },
  h("span", { class: "short-sku" }, `${line.sku} (of ${line.quantity})`),
  input,
  h("button", { type: "submit", "aria-label": `Short ${line.sku}` }, "Short"));
}

function shortForm(card, act) {
  return h("div", { class: "short-form", hidden: true }, card.lines.map((line) => shortRow(card, line, act)));
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
    needsPayment(card) ? paymentForm(card, act) : inlineForm("Pickup code", "Customer's code",
      "Collect", (code) => act(COLLECT, { id: card.id, code })),
    h("button", {
      class: closed ? "no-show" : "secondary",
      "data-action": "no-show",
      onclick: (event) => ask(card, event.currentTarget, {
        label: "No-show",
        consequence: `This records a no-show: it cancels the whole order and releases `
          + `${units(unitsLeft(card))}.`,
        confirm: "Mark no-show",
        act,
        operation: MARK_NO_SHOW,
        variables: () => ({ id: card.id }),
      }),
    }, "Mark no-show"),
  ];
}

/** Cancel the order at the store's side (the customer asked, or it cannot be served). */
function cancelButton(card, act) {
  const reason = h("input", {
    name: "reason", required: true, "aria-label": "Why", placeholder: "Why, e.g. customer asked",
    autocomplete: "off",
  });
  return h("button", {
    class: "secondary", "data-action": "cancel",
    onclick: (event) => ask(card, event.currentTarget, {
      label: "Cancel order",
      consequence: `This cancels the whole order and releases ${units(unitsLeft(card))}.`,
      confirm: "Cancel order",
      act,
      operation: CANCEL_ORDER,
      variables: (values) => ({ order: card.orderId, reason: values.reason }),
      extra: [reason],
    }),
  }, "Cancel order");
}

/** "Take": the card becomes the associate's (the "Mine" filter, their pick list). */
function takeButton(card, act, me) {
  if (card.assignedTo === me) return null;
  return h("button", {
    class: "secondary", "data-action": "take", onclick: () => act(TAKE_PICKUP, { id: card.id }),
  }, card.assignedTo ? `Take over from ${card.assignedTo}` : "Take");
}

function actions(card, act, now, me) {
  const open = ["REQUESTED", "PICKING", "READY"].includes(card.status);
  return [...stepActions(card, act, now), open ? takeButton(card, act, me) : null];
}

function stepActions(card, act, now) {
  if (card.status === "REQUESTED") {
    return [h("button", { onclick: () => act(START_PICKING, { id: card.id }) }, "Start picking"),
      cancelButton(card, act)];
  }
  if (card.status === "PICKING") return [...pickingActions(card, act), cancelButton(card, act)];
  if (card.status === "READY") return [...readyActions(card, act, now), cancelButton(card, act)];
  return [];
}

/** Whose card it is: "yours", or the colleague who took it. */
function assignee(card, me) {
  if (!card.assignedTo) return null;
  const text = card.assignedTo === me ? "yours" : `taken by ${card.assignedTo}`;
  return h("span", { class: "assignee", "data-testid": "assignee", "data-mine": String(card.assignedTo === me) }, text);
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

/** The card's content (the <li> itself is kept across updates by the board); the counter's
 * parts (payment, arrival, a step waiting to be sent) come from counter.js and hold.js. */
export function cardContent(card, { act, timeZone, now, me }) {
  const sla = slaOf(card, now, timeZone);
  return [
    h("header", {},
      h("strong", { class: "order" }, `Order ${card.orderNumber}`),
      card.customerFirstName ? h("span", { class: "customer" }, card.customerFirstName) : null,
      paymentBadge(card),
      assignee(card, me)),
    arrivalLine(card, timeZone),
    h("p", { class: "window" },
      `promised ${clockTime(card.promisedReadyAt, timeZone)}`,
      card.shelfSpot ? h("span", { class: "shelf" }, ` · shelf ${card.shelfSpot}`) : null,
      who(card)),
    lineList(card),
    notice(card, timeZone),
    h("p", { class: "sla", "data-level": sla.level }, sla.text),
    h("div", { class: "actions" }, actions(card, act, now, me)),
    stepSlot(card),
    h("p", { class: "card-error", role: "alert", "data-testid": "card-error" }),
  ].filter((part) => part !== null); // a missing part is left out, not shown as "null"
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
