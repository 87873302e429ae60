// The staff token lives in sessionStorage only: never in a URL, gone when the tab closes.

const KEY = "omni.staff.token";

export function currentToken() {
  return sessionStorage.getItem(KEY);
}

export function keepToken(token) {
  sessionStorage.setItem(KEY, token.trim());
}

export function signOut() {
  sessionStorage.removeItem(KEY);
  window.location.assign("/staff/signin");
}

/** Back to the sign-in page, which returns here afterwards (the path only, never a token). */
export function toSignIn(reason) {
  const next = window.location.pathname + window.location.search;
  const query = new URLSearchParams({ next });
  if (reason) query.set("reason", reason);
  window.location.replace(`/staff/signin?${query}`);
}

/** Who the token belongs to: {role, subject, staffRole, stores: [{id, name, timeZone}]}. */
export async function whoIsSignedIn(token) {
  const response = await fetch("/staff/session", {
    headers: { Authorization: `Bearer ${token}` },
  });
  const body = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) return { refused: response.status, message: body.error };
  return body;
}

/** Store, staff id and PIN exchanged for a token for that store. */
export async function exchangeCredentials(storeId, staffId, pin) {
  const response = await fetch("/staff/session", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ storeId, staffId, pin }),
  });
  const body = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) return { refused: response.status, message: body.error };
  return body;
}

/** The store this page shows: ?store= when the caller works there, else their first. */
export function chosenStore(me) {
  const asked = new URLSearchParams(window.location.search).get("store");
  if (asked) return { id: asked, allowed: me.stores.some((s) => s.id === asked) };
  if (me.stores.length === 0) return { id: null, allowed: false };
  return { id: me.stores[0].id, allowed: true };
}
