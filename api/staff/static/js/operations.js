// Every GraphQL document the staff pages send, and how their answers are read. Adapting the
// pages to a new schema is a change in this file.
//
// Fields marked "when present" are asked for only when the schema has them (one
// introspection query at start-up), so the pages work against today's API and show more as
// soon as the API grows those fields.

export const SCHEMA_PROBE = `query StaffSchemaProbe {
  pickup: __type(name: "Pickup") { fields { name } }
  pickupLine: __type(name: "PickupLine") { fields { name } }
  stats: __type(name: "FulfillmentStats") { fields { name } }
  mutation: __type(name: "Mutation") { fields { name } }
}`;

const names = (type) => new Set(((type && type.fields) || []).map((f) => f.name));

/** What the API offers, from the probe's answer (nothing optional when introspection is off). */
export function capabilities(probe) {
  const pickup = names(probe && probe.pickup);
  const line = names(probe && probe.pickupLine);
  const stats = names(probe && probe.stats);
  const mutation = names(probe && probe.mutation);
  return {
    customerFirstName: pickup.has("customerFirstName"),
    orderNumber: pickup.has("orderNumber"),
    shortPicks: pickup.has("shortPicks"),
    productName: line.has("productName"),
    markNoShow: mutation.has("markNoShow"),
    placedToCollected: stats.has("placedToCollected"),
    collectedWithinPromise: stats.has("collectedWithinPromise"),
    noShows: stats.has("noShows"),
    shortPickCount: stats.has("shortPicks"),
  };
}

function when(flag, text) {
  return flag ? text : "";
}

function cardFragment(can) {
  return `fragment StaffCard on Pickup {
    id orderId status placedAt promisedReadyAt pickerId pickingStartedAt readyAt collectBy
    shelfSpot finishedAt overdue
    lines { lineId sku quantity ${when(can.productName, "productName")} }
    ${when(can.customerFirstName, "customerFirstName")}
    ${when(can.orderNumber, "orderNumber")}
    ${when(can.shortPicks, "shortPicks { lineId sku quantityShort }")}
  }`;
}

const COLUMNS = "storeId toPick { ...StaffCard } picking { ...StaffCard } ready { ...StaffCard } "
  + "collectedToday { ...StaffCard } notCollected { ...StaffCard }";

export function boardQuery(can) {
  return `query StaffBoard($store: String!) { pickupBoard(storeId: $store) { ${COLUMNS} } }
  ${cardFragment(can)}`;
}

export function boardSubscription(can) {
  return `subscription StaffBoardLive($store: String!) {
    pickupBoard(storeId: $store) { ${COLUMNS} } }
  ${cardFragment(can)}`;
}

/** The board from a query's or a subscription's data. */
export function readBoard(data) {
  return data.pickupBoard;
}

const OUTCOME = "position userErrors { code field message }";

export const START_PICKING = `mutation StartPicking($id: UUID!) {
  startPicking(pickupId: $id) { ${OUTCOME} } }`;

export const REPORT_SHORT = `mutation ReportShort($id: UUID!, $line: String!, $quantity: Int!) {
  reportShort(pickupId: $id, lineId: $line, quantity: $quantity) { ${OUTCOME} } }`;

export const MARK_READY = `mutation MarkReady($id: UUID!, $shelf: String!) {
  markReady(pickupId: $id, shelfSpot: $shelf) { ${OUTCOME} } }`;

export const COLLECT = `mutation Collect($id: UUID!, $code: String!) {
  collectPickup(pickupId: $id, code: $code) { ${OUTCOME} } }`;

// Only sent when the schema has it (see capabilities).
export const MARK_NO_SHOW = `mutation MarkNoShow($id: UUID!) {
  markNoShow(pickupId: $id) { ${OUTCOME} } }`;

/** {errors: [{code, field, message}]} from any of the mutations above. */
export function readOutcome(data) {
  const payload = Object.values(data)[0];
  return { errors: payload.userErrors || [], position: payload.position };
}

export function statsQuery(can) {
  return `query StaffStats($store: String, $first: Date!, $last: Date!) {
    fulfillmentStats(storeId: $store, firstDay: $first, lastDay: $last) {
      storeId day pickups readyWithinPromise
      placedToReady { p50 p90 } readyToCollected { p50 p90 }
      ${when(can.placedToCollected, "placedToCollected { p50 p90 }")}
      ${when(can.collectedWithinPromise, "collectedWithinPromise")}
      ${when(can.noShows, "noShows")}
      ${when(can.shortPickCount, "shortPicks")}
    } }`;
}

export function readStats(data) {
  return data.fulfillmentStats;
}
