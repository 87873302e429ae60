// Destructive steps (a short pick, a cancellation, a no-show) cannot be undone by the domain:
// the page asks first, saying what will happen, then holds the confirmed step for UNDO_MS
// before sending it; Undo in that time sends nothing. A page closed while a step waits sends
// it at once (it was confirmed). docs/decisions/2026-12-06-confirm-and-undo.md
import { h } from "./dom.js";

export const UNDO_MS = 5_000;
const waiting = new Map(); // pickup id -> {label, timer, send}

function cardOf(node) {
  return node && node.closest("[data-testid=card]");
}

function settle(pickupId) {
  const step = waiting.get(pickupId);
  if (!step) return null;
  clearTimeout(step.timer);
  waiting.delete(pickupId);
  for (const bar of document.querySelectorAll(`[data-step-for="${pickupId}"]`)) bar.replaceChildren();
  return step;
}

function waitingBar(pickupId) {
  const step = waiting.get(pickupId);
  if (!step) return [];
  return [
    h("span", { class: "step-text" }, `${step.label}: sending in ${UNDO_MS / 1000} seconds.`),
    h("button", { type: "button", class: "undo", onclick: () => settle(pickupId) }, "Undo"),
  ];
}

/** The card's slot for a question or a waiting step (the card's buttons hide while it holds
 * one); rebuilt with the card, it keeps a step that still waits. */
export function stepSlot(card) {
  return h("div", { class: "step", "data-step-for": card.id, "data-testid": "step" },
    ...waitingBar(card.id));
}

function slotOf(card, from) {
  const element = cardOf(from);
  return element && element.querySelector(`[data-step-for="${card.id}"]`);
}

function hold(card, slot, label, send) {
  const timer = setTimeout(() => {
    settle(card.id);
    send({});
  }, UNDO_MS);
  waiting.set(card.id, { label, timer, send });
  slot.replaceChildren(...waitingBar(card.id));
}

/**
 * Ask before a destructive step: `consequence` says what will happen, `extra` are inputs the
 * step needs (their values go to `variables(values)`), and the confirmed step waits UNDO_MS.
 * `from` is the element that asked (a button or a form inside the card).
 */
export function ask(card, from, { label, consequence, confirm, act, operation, variables, extra = [] }) {
  const slot = slotOf(card, from);
  if (!slot || waiting.has(card.id)) return;
  const form = h("form", {
    class: "confirm", "data-testid": "confirm",
    onsubmit: (event) => {
      event.preventDefault();
      const values = Object.fromEntries(extra.map((input) => [input.name, input.value.trim()]));
      if (extra.some((input) => input.required && !values[input.name])) return;
      const vars = variables(values);
      hold(card, slot, label, (options) => act(operation, vars, options));
    },
  },
  h("p", { class: "consequence" }, consequence),
  ...extra,
  h("div", { class: "confirm-buttons" },
    h("button", { type: "submit", class: "danger" }, confirm),
    h("button", { type: "button", class: "secondary", onclick: () => slot.replaceChildren() },
      "Keep")));
  slot.replaceChildren(form);
  const first = form.querySelector("input, button");
  if (first) first.focus();
}

/** Leaving the page sends what waits: the associate confirmed it (keepalive outlives us). */
window.addEventListener("pagehide", () => {
  for (const pickupId of [...waiting.keys()]) settle(pickupId).send({ keepalive: true });
});
