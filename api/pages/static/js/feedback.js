// The dashboard's customer voice: CSAT, CES, NPS, how many answered and first-contact
// resolution for the store (or the chain), CSAT by how pickups kept their promise, and for an
// admin every store compared. Store managers and admins only: for anyone else it stays hidden.
import { clear, h } from "./dom.js";
import { percent } from "./format.js";
import { Refused, request } from "./graphql.js";
import { FEEDBACK } from "./operations.js";

const WAITS = {
  ready_by_promise: "Ready by the promise",
  late_up_to_15_min: "Up to 15 min late",
  late_15_to_60_min: "15 to 60 min late",
  late_over_60_min: "Over an hour late",
};

const number = (value, digits = 1) => (value === null || value === undefined ? "–" : value.toFixed(digits));

/** {csat, ces, nps, answered, asked, fcr} of one store's rows (or the all-stores rows). */
function figures(rows, fcr) {
  const of = (question) => rows.find((r) => r.scores.question === question)?.scores;
  const asked = rows.reduce((n, r) => n + r.scores.asked, 0);
  const answered = rows.reduce((n, r) => n + r.scores.answered, 0);
  return {
    csat: of("CSAT")?.csat ?? null,
    ces: of("CES")?.ces ?? null,
    nps: of("NPS")?.nps ?? null,
    responseRate: asked ? answered / asked : null,
    fcr: fcr ? fcr.rate : null,
  };
}

function tile(id, label, value) {
  return h("div", { class: "tile", "data-testid": `tile-${id}` },
    h("span", { class: "value" }, value), h("span", { class: "label" }, label));
}

function drawTiles(total) {
  clear(document.querySelector("#feedback-tiles")).append(
    tile("csat", "CSAT (4 or 5 of 5)", total.csat === null ? "–" : `${Math.round(total.csat)} %`),
    tile("ces", "CES (1 to 7, easiest 7)", number(total.ces)),
    tile("nps", "NPS", number(total.nps, 0)),
    tile("response-rate", "Surveys answered", percent(total.responseRate)),
    tile("fcr", "First-contact resolution", percent(total.fcr)),
  );
}

function drawWaits(buckets) {
  const rows = buckets.map((b) => h("tr", { "data-bucket": b.bucket },
    h("td", {}, WAITS[b.bucket] || b.bucket), h("td", {}, String(b.answered)),
    h("td", {}, b.csat === null ? "–" : `${b.csat} %`)));
  clear(document.querySelector("#csat-by-wait")).append(
    h("thead", {}, h("tr", {}, ["Pickup ready", "Answers", "CSAT"].map((t) => h("th", {}, t)))),
    h("tbody", {}, rows));
}

function drawComparison(stores, feedback) {
  const heads = ["Store", "CSAT", "CES", "NPS", "Surveys answered", "First-contact resolution"];
  const rows = stores.map((store) => {
    const own = figures(feedback.byStore.filter((r) => !r.allStores && r.storeId === store.id),
      feedback.firstContactResolution.find((f) => !f.allStores && f.storeId === store.id));
    return h("tr", { "data-store": store.id }, [store.name,
      own.csat === null ? "–" : `${Math.round(own.csat)} %`, number(own.ces), number(own.nps, 0),
      percent(own.responseRate), percent(own.fcr)].map((text) => h("td", {}, text)));
  });
  clear(document.querySelector("#feedback-comparison")).append(
    h("thead", {}, h("tr", {}, heads.map((t) => h("th", {}, t)))), h("tbody", {}, rows));
  document.querySelector("#feedback-comparison-panel").hidden = false;
}

/** Reads and draws the panel; a caller who may not see the figures leaves it hidden. */
export async function showFeedback(token, scope, days) {
  const stores = scope.chain ? null : scope.stores.map((s) => s.id);
  let data;
  try {
    data = await request(token, FEEDBACK, { first: days[0], last: days.at(-1), stores });
  } catch (failure) {
    if (failure instanceof Refused) return;
    throw failure;
  }
  const { feedback } = data;
  const total = figures(feedback.byStore.filter((r) => r.allStores),
    feedback.firstContactResolution.find((f) => f.allStores));
  drawTiles(total);
  drawWaits(feedback.csatByWait);
  if (scope.chain) drawComparison(scope.stores, feedback);
  const panel = document.querySelector("#feedback-panel");
  panel.hidden = false;
  panel.dataset.state = "ready";
}
