// One pickup card: what to hand over, against which promise, and the buttons for its step.
import { h } from "./dom.js";
import { clockTime, slaOf } from "./format.js";
import { COLLECT, MARK_NO_SHOW, MARK_READY, REPORT_SHORT, START_PICKING } from "./operations.js";

function orderLabel(card) {
  return card.orderNumber ? `Order ${card.orderNumber}` : `Order ${card.orderId.slice(0, 8)}`;
}

function lineList(card) {
  const shortBy = new Map((card.shortPicks || []).map((s) => [s.lineId, s]));
  return h("ul", { class: "lines" }, card.lines.map((line) => {
    const short = shortBy.get(line.lineId);
    return h("li", { "data-sku": line.sku },
      h("span", { class: "qty" }, `${line.quantity} ×`), " ",
      line.productName ? h("span", { class: "product" }, line.productName) : null,
      h("span", { class: "sku" }, line.sku),
      short ? h("span", { class: "short" }, `short ${short.quantityShort}`) : null);
  }), (card.shortPicks || [])
    .filter((s) => !card.lines.some((l) => l.lineId === s.lineId))
    .map((s) => h("li", { class: "short-line" },
      h("span", { class: "short" }, `short ${s.quantityShort}`), " ", h("span", { class: "sku" }, s.sku))));
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

function actions(card, act, can) {
  const status = card.status.toLowerCase();
  if (status === "requested") {
    return [h("button", { onclick: () => act(START_PICKING, { id: card.id }) }, "Start picking")];
  }
  if (status === "picking") {
    const short = shortForm(card, act);
    return [
      inlineForm("Shelf spot", "Shelf spot, e.g. B3", "Mark ready",
        (shelf) => act(MARK_READY, { id: card.id, shelf })),
      h("button", { class: "secondary", onclick: () => { short.hidden = !short.hidden; } },
        "Report short"),
      short,
    ];
  }
  if (status === "ready") {
    return [
      inlineForm("Pickup code", "Customer's code", "Collect",
        (code) => act(COLLECT, { id: card.id, code })),
      can.markNoShow
        ? h("button", { class: "secondary", onclick: () => act(MARK_NO_SHOW, { id: card.id }) },
          "Mark no-show")
        : null,
    ];
  }
  return [];
}

/** The card's content (the <li> itself is kept across updates by the board). */
export function cardContent(card, { act, can, timeZone, now }) {
  const sla = slaOf(card, now, timeZone);
  const status = card.status.toLowerCase();
  return [
    h("header", {},
      h("strong", { class: "order" }, orderLabel(card)),
      card.customerFirstName ? h("span", { class: "customer" }, card.customerFirstName) : null),
    h("p", { class: "window" },
      `promised ${clockTime(card.promisedReadyAt, timeZone)}`,
      card.shelfSpot ? h("span", { class: "shelf" }, ` · shelf ${card.shelfSpot}`) : null,
      card.pickerId && status === "picking" ? ` · ${card.pickerId}` : null),
    lineList(card),
    h("p", { class: "sla", "data-level": sla.level }, sla.text),
    h("div", { class: "actions" }, actions(card, act, can)),
    h("p", { class: "card-error", role: "alert", "data-testid": "card-error" }),
  ];
}

export function refreshSla(element, card, timeZone, now) {
  const sla = slaOf(card, now, timeZone);
  const line = element.querySelector(".sla");
  line.textContent = sla.text;
  line.dataset.level = sla.level;
  element.dataset.sla = sla.level;
}
