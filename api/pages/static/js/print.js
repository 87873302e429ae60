// Printing: the signed-in picker's pick list (their taken, open cards, soonest promise first)
// and a bag label per order: order number, first name, shelf spot, and a QR code the board's
// scanner field opens the card with. The print stylesheet shows only this part of the page.
import { clear, h } from "./dom.js";
import { clockTime } from "./format.js";
import { request } from "./graphql.js";
import { labelsQuery } from "./operations.js";

const OPEN = new Set(["REQUESTED", "PICKING", "READY"]);

/** The picker's cards to print: taken by them (or being picked by them), still open. */
export function cardsToPrint(cards, me) {
  return cards
    .filter((card) => OPEN.has(card.status) && (card.assignedTo || card.pickerId) === me)
    .sort((a, b) => Date.parse(a.promisedReadyAt) - Date.parse(b.promisedReadyAt));
}

async function qrCodes(token, cards) {
  if (!cards.length) return new Map();
  const variables = Object.fromEntries(cards.map((card, i) => [`id${i}`, card.id]));
  const data = await request(token, labelsQuery(cards.length), variables);
  return new Map(Object.values(data).filter(Boolean).map((p) => [p.id, p.labelQr]));
}

function pickRow(card, timeZone) {
  return h("tr", { "data-id": card.id },
    h("td", {}, card.orderNumber),
    h("td", {}, card.customerFirstName || "guest"),
    h("td", {}, clockTime(card.promisedReadyAt, timeZone)),
    h("td", {}, h("ul", {}, card.lines.map((line) => h("li", {},
      `${line.quantity} \u00d7 ${line.sku}`, line.productName ? ` ${line.productName}` : "")))),
    h("td", {}, card.shelfSpot || ""));
}

function label(card, qr) {
  return h("section", { class: "bag-label", "data-testid": "bag-label", "data-id": card.id },
    h("p", { class: "label-order" }, `Order ${card.orderNumber}`),
    h("p", { class: "label-name" }, card.customerFirstName || "Guest"),
    h("p", { class: "label-shelf" }, `Shelf ${card.shelfSpot || "____"}`),
    qr ? h("img", { class: "label-qr", src: qr, alt: `QR code of order ${card.orderNumber}` }) : null);
}

/** Fill the print area with the pick list and labels, then open the browser's print. */
export async function printPickList({ root, token, me, timeZone, cards }) {
  const mine = cardsToPrint(cards, me);
  const codes = await qrCodes(token, mine);
  const when = clockTime(new Date().toISOString(), timeZone);
  clear(root).append(
    h("h1", {}, `Pick list · ${me} · ${when}`),
    mine.length
      ? h("table", { class: "pick-list", "data-testid": "pick-list" },
        h("thead", {}, h("tr", {}, ["Order", "Customer", "Promised", "Items", "Shelf"]
          .map((title) => h("th", {}, title)))),
        h("tbody", {}, mine.map((card) => pickRow(card, timeZone))))
      : h("p", {}, "No orders taken: take a card on the board first."),
    h("div", { class: "labels" }, mine.map((card) => label(card, codes.get(card.id)))),
  );
  document.body.dataset.print = "ready";
  window.print();
  return mine.length;
}

/** The board's "Print pick list" button; `cards()` gives the board's cards at the click. */
export function printButton({ cards, ...where }) {
  return h("button", {
    type: "button", class: "secondary", "data-testid": "print-pick-list",
    onclick: () => printPickList({ ...where, cards: cards() }),
  }, "Print pick list");
}
