// A refusal as the associate reads it: the API's message as a sentence, in words (times in it
// are the store's: the API says them so); the stable code goes in a tooltip, for support.
import { h } from "./dom.js";

/** "card declined" -> "Card declined." */
export function sentence(message) {
  const text = String(message || "").trim();
  if (!text) return "";
  const first = text[0].toUpperCase() + text.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/** Put a mutation's userErrors into a card's error line, one sentence each. */
export function showErrors(line, errors) {
  line.replaceChildren(...errors.flatMap((error, index) => [
    index ? " " : null,
    h("span", { class: "refusal", title: error.code, "data-code": error.code }, sentence(error.message)),
  ]).filter(Boolean));
}
