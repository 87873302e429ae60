"""Every GraphQL document the staff-page tests send (the pages' own are in
api/pages/static/js/operations.js). schema.graphql is the contract both follow."""

START_CART = "mutation { startCart { cartId cartToken } }"

ADD_TO_CART = """mutation($cart: UUID!, $sku: String!, $quantity: Int!) {
  addToCart(cartId: $cart, sku: $sku, quantity: $quantity) { position userErrors { code } } }"""

CHECKOUT_FOR_PICKUP = """mutation($cart: UUID!, $store: String!) {
  checkout(input: {cartId: $cart, method: PICKUP, locationId: $store, paymentToken: "tok-visa"}) {
    orderId pickupId position userErrors { code message } } }"""

# The customer's own view of their order: only they read the pickup code.
ORDER_PICKUP = """query($id: UUID!) {
  order(id: $id) { status pickup { status pickupCode shelfSpot } } }"""

# What staff read about one pickup: what its card must show.
PICKUP = """query($id: UUID!) {
  pickup(id: $id) { status orderNumber customerFirstName collectedBy
    lines { sku productName quantity } shortPicks { sku quantityShort } } }"""

PICKUP_BOARD = """query($store: String!) {
  pickupBoard(storeId: $store) {
    toPick { id: pickupId } picking { id: pickupId } ready { id: pickupId } } }"""

OUTCOME = "position status userErrors { code message }"

START_PICKING = f"""mutation($id: UUID!) {{
  startPicking(pickupId: $id) {{ {OUTCOME} }} }}"""

MARK_READY = f"""mutation($id: UUID!, $shelf: String!) {{
  markReady(pickupId: $id, shelfSpot: $shelf) {{ {OUTCOME} }} }}"""

REPORT_SHORT = f"""mutation($id: UUID!, $line: String!, $quantity: Int!) {{
  reportShort(pickupId: $id, lineId: $line, quantity: $quantity) {{ {OUTCOME} }} }}"""

TAKE_PICKUP = f"""mutation($id: UUID!) {{
  takePickup(pickupId: $id) {{ {OUTCOME} }} }}"""

MARK_NO_SHOW = f"""mutation($id: UUID!) {{
  markNoShow(pickupId: $id) {{ {OUTCOME} }} }}"""

COLLECT = f"""mutation($id: UUID!, $code: String!) {{
  collectPickup(pickupId: $id, code: $code) {{ {OUTCOME} }} }}"""

# One store's click-to-collect per day: what the dashboard's chart must draw.
STORE_DAYS = """query($store: String!, $first: Date!, $last: Date!) {
  fulfillmentStats(storeId: $store, firstDay: $first, lastDay: $last) {
    nodes { day pickups collected noShows shortPicks placedToCollected { p50 p90 } } } }"""

# The bench's baseline: the board the page subscribes to, with the same fields (a copy of
# operations.js's BOARD_SUBSCRIPTION), so the two differ only by what the page itself does.
BOARD_SUBSCRIPTION = """subscription($store: String!, $first: Int) {
  pickupBoard(storeId: $store, firstPerColumn: $first) { storeId asOf
    toPick { ...card } picking { ...card } ready { ...card }
    collectedToday { ...card } notCollected { ...card }
    arrived { ...card } cancelledToday { ...card }
    counts { toPick picking ready collectedToday notCollected arrived cancelledToday } } }
fragment card on Pickup {
  id: pickupId orderId orderNumber status customerFirstName
  placedAt promisedReadyAt pickerId assignedTo pickingStartedAt readyAt collectBy shelfSpot
  finishedAt collectedBy overdue
  notification { state channel at reason }
  lines { lineId sku quantity productName }
  shortPicks { lineId sku quantityShort }
  payment amountToPay { amount currency } arrived arrivedAt bayOrCar }"""
# Each column's first cards, as the page asks for them (api/pages/static/js/board.js HEAD).
PAGE_HEAD = 25

# Typed into GraphiQL by the offline test: a public read, no token needed.
GRAPHIQL_QUERY = '{ products(search: "LAVA") { nodes { sku name } } }'

RECEIVE_STOCK = """mutation($store: String!, $sku: String!, $quantity: Int!) {
  receiveStock(locationId: $store, sku: $sku, quantity: $quantity, reference: "bench") {
    userErrors { code } } }"""
