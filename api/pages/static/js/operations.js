// Every GraphQL document the staff pages send, and how their answers are read. The API lives
// in the same repository (schema.graphql is the contract, guarded by tests/api/test_schema.py):
// when the schema changes, this file changes with it.

const CARD = `fragment StaffCard on Pickup {
  id: pickupId orderId orderNumber status customerFirstName
  placedAt promisedReadyAt pickerId assignedTo pickingStartedAt readyAt collectBy shelfSpot
  finishedAt collectedBy overdue
  notification { state channel at reason }
  lines { lineId sku quantity productName }
  shortPicks { lineId sku quantityShort }
  payment amountToPay { amount currency } arrived arrivedAt bayOrCar
}`;

const BOARD = `storeId asOf
  toPick { ...StaffCard } picking { ...StaffCard } ready { ...StaffCard }
  collectedToday { ...StaffCard } notCollected { ...StaffCard }
  arrived { ...StaffCard } cancelledToday { ...StaffCard }`;

const COUNTS = "counts { toPick picking ready collectedToday notCollected arrived cancelledToday }";

/** The board; with `first`, each column's first cards only (and every column's count). */
export const BOARD_QUERY = `query StaffBoard($store: String!, $first: Int) {
  pickupBoard(storeId: $store, firstPerColumn: $first) { ${BOARD} ${COUNTS} } }
${CARD}`;

export const BOARD_SUBSCRIPTION = `subscription StaffBoardLive($store: String!, $first: Int) {
  pickupBoard(storeId: $store, firstPerColumn: $first) { ${BOARD} ${COUNTS} } }
${CARD}`;

/** The board from a query's or a subscription's data. */
export function readBoard(data) {
  return data.pickupBoard;
}

// The pages move cards from the subscription, so a mutation asks only for its outcome.
const OUTCOME = "position status userErrors { code field message }";

export const START_PICKING = `mutation StartPicking($id: UUID!) {
  startPicking(pickupId: $id) { ${OUTCOME} } }`;

export const REPORT_SHORT = `mutation ReportShort($id: UUID!, $line: String!, $quantity: Int!) {
  reportShort(pickupId: $id, lineId: $line, quantity: $quantity) { ${OUTCOME} } }`;

export const MARK_READY = `mutation MarkReady($id: UUID!, $shelf: String!) {
  markReady(pickupId: $id, shelfSpot: $shelf) { ${OUTCOME} } }`;

export const COLLECT = `mutation Collect($id: UUID!, $code: String!) {
  collectPickup(pickupId: $id, code: $code) { ${OUTCOME} } }`;

export const MARK_NO_SHOW = `mutation MarkNoShow($id: UUID!) {
  markNoShow(pickupId: $id) { ${OUTCOME} } }`;

export const TAKE_PAYMENT = `mutation TakePayment($id: UUID!, $token: String!, $key: String) {
  takePaymentAtCounter(pickupId: $id, paymentToken: $token, idempotencyKey: $key) { ${OUTCOME} } }`;

export const TAKE_PICKUP = `mutation TakePickup($id: UUID!) {
  takePickup(pickupId: $id) { ${OUTCOME} } }`;

/** A scan of the customer's QR (or a code typed in the search): the ready card it opens. */
export const PICKUP_WITH_CODE = `query StaffPickupWithCode($store: String!, $code: String!) {
  pickupWithCode(storeId: $store, code: $code) { id: pickupId orderNumber status } }`;

/** The bag labels' QR codes of some pickups, one aliased field each (printing only). */
export function labelsQuery(count) {
  const names = Array.from({ length: count }, (_, i) => i);
  const variables = names.map((i) => `$id${i}: UUID!`).join(", ");
  const fields = names.map((i) => `p${i}: pickup(id: $id${i}) { id: pickupId labelQr }`).join(" ");
  return `query StaffBagLabels(${variables}) { ${fields} }`;
}

export const CANCEL_ORDER = `mutation CancelOrder($order: UUID!, $reason: String!) {
  cancelOrder(orderId: $order, reason: $reason) { position userErrors { code field message } } }`;

/** {errors: [{code, field, message}], position} from any of the mutations above. */
export function readOutcome(data) {
  const payload = Object.values(data)[0];
  return { errors: payload.userErrors || [], position: payload.position };
}

const FIGURES = `fragment StaffFigures on FulfillmentStatsConnection {
  pageInfo { hasNextPage endCursor }
  nodes {
    storeId day pickups madeReady readyWithinPromise collected noShows shortPicks
    placedToReady { p50 p90 } readyToCollected { p50 p90 } placedToCollected { p50 p90 max }
    arrivals arrivalToCollected { p50 p90 }
  }
}`;

/** One store's days of a range, a page (100 days) at a time. */
export const STORE_STATS = `query StaffStoreStats($store: String!, $first: Date!, $last: Date!,
  $after: String) {
  days: fulfillmentStats(storeId: $store, firstDay: $first, lastDay: $last, first: 100,
    after: $after) { ...StaffFigures } }
${FIGURES}`;

/** An admin's chain-wide days and, in the same request, a page of every store's days. */
export const CHAIN_STATS = `query StaffChainStats($first: Date!, $last: Date!, $after: String) {
  days: fulfillmentStats(firstDay: $first, lastDay: $last, first: 100) { ...StaffFigures }
  byStore: fulfillmentStatsByStore(firstDay: $first, lastDay: $last, first: 100, after: $after) {
    ...StaffFigures } }
${FIGURES}`;

/** The next pages of the chain's days, for a range longer than a page. */
export const CHAIN_DAYS = `query StaffChainDays($first: Date!, $last: Date!, $after: String) {
  days: fulfillmentStats(firstDay: $first, lastDay: $last, first: 100, after: $after) {
    ...StaffFigures } }
${FIGURES}`;

/** The next pages of every store's days, when there are more stores than one page holds. */
export const STATS_BY_STORE = `query StaffStatsByStore($first: Date!, $last: Date!, $after: String) {
  byStore: fulfillmentStatsByStore(firstDay: $first, lastDay: $last, first: 100, after: $after) {
    ...StaffFigures } }
${FIGURES}`;

const nextCursor = (page) => (page && page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null);

/** {days, byStore, nextDays, next}: nodes of each connection, and the cursors of more pages. */
export function readStats(data) {
  return {
    days: data.days ? data.days.nodes : [],
    byStore: data.byStore ? data.byStore.nodes : [],
    nextDays: nextCursor(data.days),
    next: nextCursor(data.byStore),
  };
}

/** The customer's voice over the days, for the stores named (none: an admin's whole chain). */
export const FEEDBACK = `query StaffFeedback($first: Date!, $last: Date!, $stores: [String!]) {
  feedback: feedbackAnalytics(firstDay: $first, lastDay: $last, storeIds: $stores) {
    byStore { storeId allStores scores { question asked answered responseRate csat ces nps } }
    csatByWait { bucket answered csat }
    firstContactResolution { storeId allStores settled firstContactResolved rate }
  } }`;
