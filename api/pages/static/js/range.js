// The dashboard's dates: a range of days a manager picks, kept in the address (?from=&to=) so a
// reload or a shared link shows the same; by default the last 14 days up to today, in the
// store's time zone. The API answers at most 366 days at once.

export const DEFAULT_DAYS = 14;
export const MAX_DAYS = 366;
export const PRESETS = [7, 14, 30, 90];
const DAY_MS = 86_400_000;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

export function todayIn(timeZone) {
  return new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date());
}

function shift(day, days) {
  return new Date(Date.parse(`${day}T12:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function isDay(text) {
  return ISO_DAY.test(text || "") && shift(text, 0) === text;
}

/** Every day from `first` to `last`, both included. */
export function daysOf({ first, last }) {
  const count = Math.round((Date.parse(last) - Date.parse(first)) / DAY_MS) + 1;
  return Array.from({ length: Math.max(0, count) }, (_, i) => shift(first, i));
}

/** The `count` days up to today. */
export function lastDays(count, timeZone) {
  const last = todayIn(timeZone);
  return { first: shift(last, -(count - 1)), last };
}

/** What is wrong with a range, in words; null when it can be shown. */
export function problemWith({ first, last }) {
  if (!isDay(first) || !isDay(last)) return "Choose a first and a last day.";
  if (last < first) return "The last day is before the first.";
  if (daysOf({ first, last }).length > MAX_DAYS) return `At most ${MAX_DAYS} days at once.`;
  return null;
}

/** The range in the address, or the last 14 days when there is none (or it cannot be shown). */
export function rangeInAddress(timeZone) {
  const query = new URLSearchParams(window.location.search);
  const asked = { first: query.get("from"), last: query.get("to") };
  return problemWith(asked) ? lastDays(DEFAULT_DAYS, timeZone) : asked;
}

export function keepInAddress({ first, last }) {
  const query = new URLSearchParams(window.location.search);
  query.set("from", first);
  query.set("to", last);
  window.history.replaceState(null, "", `${window.location.pathname}?${query}`);
}

/** "last 14 days" when the range ends today, else "2 Nov – 15 Nov 2026". */
export function describe(range, timeZone) {
  const count = daysOf(range).length;
  if (range.last === todayIn(timeZone)) return count === 1 ? "today" : `last ${count} days`;
  const format = (day, options) => new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", ...options })
    .format(new Date(`${day}T12:00:00Z`));
  const short = { day: "numeric", month: "short" };
  return `${format(range.first, short)} – ${format(range.last, { ...short, year: "numeric" })}`;
}
