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

/**
 * Where an open pickup stands against its promise: "ok", "near" or "late", with the text.
 * Ready pickups are measured against collect-by instead (the customer's window).
 */
export function slaOf(card, now, timeZone) {
  const status = card.status.toLowerCase();
  const placed = Date.parse(card.placedAt);
  if (status === "ready") {
    const by = Date.parse(card.collectBy);
    const late = now > by;
    return { level: late ? "late" : "ok", text: `collect by ${dayAndTime(card.collectBy, timeZone)}` };
  }
  if (status === "collected" || status === "not_collected") {
    const finished = Date.parse(card.finishedAt);
    return { level: "done", text: `${duration((finished - placed) / 1000)} after the order` };
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
