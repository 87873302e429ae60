// GraphQL for the staff pages: queries and mutations over HTTP POST, subscriptions over
// graphql-transport-ws with ping/pong, reconnection with backoff, and a resync hook.

const ENDPOINT = "/graphql";

/** A GraphQL error the page must show instead of its content (auth, scope). */
export class Refused extends Error {}

function refusal(errors) {
  const message = errors.map((e) => e.message).join("; ");
  const auth = /token|not allowed|may not|bearer/i.test(message);
  return auth ? new Refused(message) : new Error(message);
}

export async function request(token, document, variables = {}) {
  const response = await fetch(ENDPOINT, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: document, variables }),
  });
  if (!response.ok) throw new Error(`the API answered HTTP ${response.status}`);
  const body = await response.json();
  if (body.errors && body.errors.length) throw refusal(body.errors);
  return body.data;
}

const PING_EVERY_MS = 10_000;
const PONG_WITHIN_MS = 5_000;
const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 5_000;

/**
 * One WebSocket carrying any number of subscriptions. After every (re)connection it sends
 * connection_init with the token, resubscribes everything, and calls onResync so the page
 * can re-read what it may have missed. onStatus gets "connecting", "live" or "offline".
 */
export class LiveConnection {
  constructor(token, { onStatus = () => {}, onResync = () => {} } = {}) {
    this.token = token;
    this.onStatus = onStatus;
    this.onResync = onResync;
    this.subscriptions = new Map();
    this.attempt = 0;
    this.nextId = 1;
    this.stopped = false;
    this.everConnected = false;
  }

  subscribe(document, variables, { next, error = () => {} }) {
    const id = String(this.nextId++);
    this.subscriptions.set(id, { document, variables, next, error });
    if (this.acknowledged) this.sendSubscribe(id);
    return id;
  }

  start() {
    this.stopped = false;
    this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.stopTimers();
    if (this.socket) this.socket.close(1000, "page closed");
  }

  open() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    this.acknowledged = false;
    this.onStatus(this.everConnected ? "offline" : "connecting");
    const socket = new WebSocket(`${scheme}://${window.location.host}${ENDPOINT}`,
      "graphql-transport-ws");
    this.socket = socket;
    socket.onopen = () => this.send({
      type: "connection_init",
      payload: { Authorization: `Bearer ${this.token}` },
    });
    socket.onmessage = (event) => this.receive(JSON.parse(event.data));
    socket.onclose = () => {
      if (this.socket === socket) this.closed();
    };
  }

  receive(message) {
    switch (message.type) {
      case "connection_ack":
        this.connected();
        break;
      case "next": {
        const sub = this.subscriptions.get(message.id);
        if (!sub) break;
        if (message.payload.errors) sub.error(refusal(message.payload.errors));
        else sub.next(message.payload.data);
        break;
      }
      case "error": {
        const sub = this.subscriptions.get(message.id);
        if (sub) sub.error(refusal(message.payload));
        break;
      }
      case "ping":
        this.send({ type: "pong" });
        break;
      case "pong":
        clearTimeout(this.pongTimer);
        break;
      default:
        break;
    }
  }

  connected() {
    const reconnected = this.everConnected;
    this.acknowledged = true;
    this.everConnected = true;
    this.attempt = 0;
    for (const id of this.subscriptions.keys()) this.sendSubscribe(id);
    this.startPinging();
    this.onStatus("live");
    if (reconnected) this.onResync();
  }

  closed() {
    this.acknowledged = false;
    this.stopTimers();
    if (this.stopped) return;
    this.onStatus("offline");
    // Exponential backoff with jitter: a restarted server is not hit by every tablet at once.
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this.attempt);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => this.open(), ceiling / 2 + Math.random() * ceiling / 2);
  }

  startPinging() {
    this.pingTimer = setInterval(() => {
      this.send({ type: "ping" });
      // A half-open connection (a server gone without a FIN) shows up as a missing pong.
      this.pongTimer = setTimeout(() => this.socket.close(4408, "no pong"), PONG_WITHIN_MS);
    }, PING_EVERY_MS);
  }

  stopTimers() {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
  }

  sendSubscribe(id) {
    const { document, variables } = this.subscriptions.get(id);
    this.send({ id, type: "subscribe", payload: { query: document, variables } });
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
    }
  }
}
