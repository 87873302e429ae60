// What both staff pages do first: find the token, ask who it is, pick the store(s); or show a
// clear page saying why not.
import { h, showNotice } from "./dom.js";
import { chosenStore, currentToken, signOut, toSignIn, whoIsSignedIn } from "./session.js";

export function signOutButton() {
  return h("button", { type: "button", class: "secondary", onclick: signOut }, "Sign out");
}

export function showRefusal(title, message) {
  showNotice(title, message, h("p", {}, h("a", { href: "/staff/signin" }, "Sign in again")),
    signOutButton());
}

/** {token, me, store} or null when the page already shows why it cannot go on. */
export async function openSession({ needsOneStore }) {
  const token = currentToken();
  if (!token) {
    toSignIn();
    return null;
  }
  const me = await whoIsSignedIn(token);
  if (me.refused === 401) {
    toSignIn(me.message);
    return null;
  }
  if (me.refused) {
    showRefusal("Not a staff token", me.message);
    return null;
  }
  const store = chosenStore(me);
  if (needsOneStore && !store.allowed) {
    const where = me.stores.map((s) => s.id).join(", ") || "no store";
    showRefusal(`No access to ${store.id || "a store"}`,
      `${me.subject} works at ${where}${store.id ? `, not at ${store.id}` : ""}.`);
    return null;
  }
  document.querySelector("#who").textContent = `${me.subject} (${me.staffRole || me.role})`;
  document.querySelector("#header-actions").append(signOutButton());
  return { token, me, store };
}

/** A store picker in the header for anyone who works at more than one store; an admin's
 * dashboard offers every store at once too (value ""). */
export function storePicker(me, current, { everyStore = false } = {}) {
  if (me.stores.length < 2) return;
  const options = me.stores.map((s) => h("option", { value: s.id, selected: s.id === current }, s.name));
  if (everyStore) options.unshift(h("option", { value: "", selected: current === "" }, "All stores"));
  const select = h("select", {
    "aria-label": "Store",
    onchange: () => {
      const query = new URLSearchParams(window.location.search);
      if (select.value) query.set("store", select.value);
      else query.delete("store");
      window.location.search = query.toString();
    },
  }, options);
  document.querySelector("#header-actions").prepend(select);
}

export function showStatus(status) {
  const badge = document.querySelector("#live-status");
  badge.dataset.status = status;
  badge.textContent = { live: "live", offline: "reconnecting…", connecting: "connecting…" }[status];
}
