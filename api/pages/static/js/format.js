// Times and durations as a store associate reads them, in the store's time zone.

export function clockTime(iso, timeZone) {
  if (!iso) return "";
  return new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit" })
    .format(new Date(iso));
}

export function dayAndTime(iso, timeZone) {
  if (!iso) return "";
  return new Intl.DateTimeFormat("en-GB", {
    timeZone, weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
  }).format(new Date(iso));
}

/** 42 s, 12 min, 1 h 05 min, 2 d 3 h. */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${String(minutes % 60).padStart(2, "0")} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function percent(share) {
  return share === null || share === undefined ? "–" : `${Math.round(share * 100)} %`;
}

const NEAR_SHARE = 0.75; // amber once three quarters of the promised time are gone

/** A ready pickup whose collect-by time has passed: the customer did not come. */
export function windowClosed(card, now) {
  return card.status === "READY" && now > Date.parse(card.collectBy);
}

/**
 * Where a pickup stands against its promise: "ok", "near", "late" or "done", with the text.
 * Ready pickups are measured against collect-by instead (the customer's window).
 */
export function slaOf(card, now, timeZone) {
  const placed = Date.parse(card.placedAt);
  if (card.status === "READY") {
    const by = dayAndTime(card.collectBy, timeZone);
    return windowClosed(card, now)
      ? { level: "late", text: `window closed ${by}: not collected` }
      : { level: "ok", text: `collect by ${by}` };
  }
  if (card.status === "COLLECTED" || card.status === "NOT_COLLECTED") {
    const finished = Date.parse(card.finishedAt);
    const what = card.status === "COLLECTED" ? "handed over" : "closed";
    return { level: "done", text: `${what} ${duration((finished - placed) / 1000)} after the order` };
  }
  const promised = Date.parse(card.promisedReadyAt);
  const used = (now - placed) / Math.max(1, promised - placed);
  const age = `placed ${duration((now - placed) / 1000)} ago`;
  if (now > promised || card.overdue) {
    return { level: "late", text: `${age} · ${duration((now - promised) / 1000)} late` };
  }
  const left = `${duration((promised - now) / 1000)} left`;
  return { level: used >= NEAR_SHARE ? "near" : "ok", text: `${age} · ${left}` };
}

/**
 * The API's clock as this page sees it. Ages and windows are judged against the time the
 * server computed the board at (PickupBoard.asOf), not the tablet's own clock, which may be
 * off by minutes; the API decides overdue and no-show by its clock too.
 */
export class ServerClock {
  constructor() {
    this.offset = 0;
  }

  heard(asOf) {
    if (asOf) this.offset = Date.parse(asOf) - Date.now();
  }

  now() {
    return Date.now() + this.offset;
  }
}
