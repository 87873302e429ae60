// The curbside alert: a customer said "I'm here". Their card is in the Arrived lane; the alert
// says who and where until the card leaves that lane (handed over or cancelled).
import { h } from "./dom.js";

export class ArrivalAlert {
  constructor(root) {
    this.root = root;
    this.known = null; // ids in the arrived lane at the last board; null before the first
  }

  /** The board's arrived lane; alerts for the cards new in it (not those there at load). */
  heard(arrived, elementOf) {
    const ids = new Set(arrived.map((card) => card.id));
    const fresh = this.known === null ? [] : arrived.filter((card) => !this.known.has(card.id));
    this.known = ids;
    for (const line of [...this.root.children]) {
      if (!ids.has(line.dataset.id)) line.remove();
    }
    for (const card of fresh) {
      const element = elementOf(card.id);
      if (element) element.dataset.alert = "arrived";
      this.root.append(h("p", { class: "arrival-alert", "data-id": card.id, "data-testid": "arrival-alert" },
        `${card.customerFirstName || "A customer"} is here for order ${card.orderNumber}`,
        card.bayOrCar ? ` \u00b7 ${card.bayOrCar}` : "",
        h("button", { type: "button", class: "secondary", onclick: (event) => {
          event.currentTarget.parentElement.remove();
          if (element) delete element.dataset.alert;
        } }, "Seen")));
    }
  }
}
