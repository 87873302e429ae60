// A card at the counter and the curb: whether its order is paid (and taking payment at
// hand-over when it is not), and whether its customer has said "I'm here".
import { h } from "./dom.js";
import { clockTime } from "./format.js";
import { TAKE_PAYMENT } from "./operations.js";

const PAYMENT_WORDS = { PAID: "Paid", AUTHORIZED: "Authorized", UNPAID: "Unpaid" };
const OPEN = new Set(["REQUESTED", "PICKING", "READY"]);
const keys = new Map(); // pickup id + token -> idempotency key: a retry is the same payment

export function money(amount) {
  if (!amount) return "";
  return `${amount.currency} ${Number(amount.amount).toFixed(2)}`;
}

function keyFor(pickupId, token) {
  const name = `${pickupId} ${token}`;
  if (!keys.has(name)) {
    const bytes = crypto.getRandomValues(new Uint8Array(12));
    keys.set(name, `board-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`);
  }
  return keys.get(name);
}

/** "Unpaid · EUR 39.00", "Paid": on every card that has not been cancelled. */
export function paymentBadge(card) {
  if (!card.payment || card.status === "CANCELLED") return null;
  const due = card.payment === "UNPAID" && card.amountToPay ? ` · ${money(card.amountToPay)}` : "";
  return h("span", { class: "payment", "data-payment": card.payment, "data-testid": "payment" },
    `${PAYMENT_WORDS[card.payment]}${due}`);
}

/** Here since 14:05 · bay 3, red Golf */
export function arrivalLine(card, timeZone) {
  if (!card.arrivedAt || !OPEN.has(card.status)) return null;
  return h("p", { class: "arrival", "data-testid": "arrival" },
    `Customer here since ${clockTime(card.arrivedAt, timeZone)}`,
    card.bayOrCar ? ` · ${card.bayOrCar}` : "");
}

/** On an unpaid ready card, before the code: the card terminal's token, authorized for what
 * is left to pay (captured by the hand-over). Retried with the same key for the same token. */
export function paymentForm(card, act) {
  const input = h("input", {
    "aria-label": "Card terminal token", placeholder: "Card terminal token", autocomplete: "off",
  });
  return h("form", {
    class: "take-payment", "data-testid": "take-payment",
    onsubmit: (event) => {
      event.preventDefault();
      const token = input.value.trim();
      if (token) act(TAKE_PAYMENT, { id: card.id, token, key: keyFor(card.id, token) });
    },
  },
  h("p", { class: "pay-first" }, "Take payment before hand-over."),
  input, // above its button, each the card's width: the amount makes the button long
  h("button", { type: "submit" }, `Take payment ${money(card.amountToPay)}`.trim()));
}

export function needsPayment(card) {
  return card.status === "READY" && card.payment === "UNPAID";
}
