// The dashboard's figures as a CSV file for the manager: one row per store and day of the range
// (days without pickups too), the same numbers the page reads from the API. Built in the page
// and handed to the browser as a download: no other request, nothing kept.

const COLUMNS = [
  ["store_id", (r) => r.storeId], ["store_name", (r) => r.storeName], ["day", (r) => r.day],
  ["pickups", (r) => r.pickups], ["made_ready", (r) => r.madeReady],
  ["ready_within_promise", (r) => r.readyWithinPromise], ["collected", (r) => r.collected],
  ["no_shows", (r) => r.noShows], ["short_picked_units", (r) => r.shortPicks],
  ["placed_to_ready_p50_s", (r) => r.placedToReady?.p50],
  ["placed_to_ready_p90_s", (r) => r.placedToReady?.p90],
  ["ready_to_collected_p50_s", (r) => r.readyToCollected?.p50],
  ["ready_to_collected_p90_s", (r) => r.readyToCollected?.p90],
  ["placed_to_collected_p50_s", (r) => r.placedToCollected?.p50],
  ["placed_to_collected_p90_s", (r) => r.placedToCollected?.p90],
  ["placed_to_collected_max_s", (r) => r.placedToCollected?.max],
  ["arrivals", (r) => r.arrivals],
  ["arrival_to_collected_p50_s", (r) => r.arrivalToCollected?.p50],
  ["arrival_to_collected_p90_s", (r) => r.arrivalToCollected?.p90],
];
const EMPTY_DAY = { pickups: 0, madeReady: 0, collected: 0, noShows: 0, shortPicks: 0, arrivals: 0 };

/** A cell as RFC 4180 wants it; text that a spreadsheet would run as a formula is quoted. */
function cell(value) {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** stores: [{id, name}]; days: ["2026-11-23", ...]; rows: the API's days of those stores. */
export function figuresCsv(stores, days, rows) {
  const byKey = new Map(rows.map((row) => [`${row.storeId}|${row.day}`, row]));
  const lines = [COLUMNS.map(([name]) => name).join(",")];
  for (const store of stores) {
    for (const day of days) {
      const row = byKey.get(`${store.id}|${day}`) || EMPTY_DAY;
      const full = { ...row, storeId: store.id, storeName: store.name, day };
      lines.push(COLUMNS.map(([, read]) => cell(read(full))).join(","));
    }
  }
  return `${lines.join("\r\n")}\r\n`;
}

export function download(fileName, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const link = Object.assign(document.createElement("a"), { href: url, download: fileName });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}
