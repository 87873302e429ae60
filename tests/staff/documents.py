"""Every GraphQL document the staff-page tests send (the pages' own are in
api/staff/static/js/operations.js): adapting the tests to a new schema is a change here."""

START_CART = "mutation { startCart { cartId cartToken } }"

ADD_TO_CART = """mutation($cart: UUID!, $sku: String!, $quantity: Int!) {
  addToCart(cartId: $cart, sku: $sku, quantity: $quantity) { position userErrors { code } } }"""

CHECKOUT_FOR_PICKUP = """mutation($cart: UUID!, $store: String!) {
  checkout(input: {cartId: $cart, method: PICKUP, locationId: $store, paymentToken: "tok-visa"}) {
    orderId pickupId position userErrors { code message } } }"""

ORDER_PICKUP = """query($id: UUID!) {
  order(id: $id) { status pickup { status pickupCode shelfSpot } } }"""

PICKUP_BOARD = """query($store: String!) {
  pickupBoard(storeId: $store) { toPick { id } picking { id } ready { id } } }"""

START_PICKING = """mutation($id: UUID!) {
  startPicking(pickupId: $id) { position userErrors { code message } } }"""

MARK_READY = """mutation($id: UUID!, $shelf: String!) {
  markReady(pickupId: $id, shelfSpot: $shelf) { position userErrors { code message } } }"""

COLLECT = """mutation($id: UUID!, $code: String!) {
  collectPickup(pickupId: $id, code: $code) { position userErrors { code message } } }"""

# What a subscription sends, for the bench's baseline: the same board the page subscribes to.
BOARD_SUBSCRIPTION = """subscription($store: String!) {
  pickupBoard(storeId: $store) {
    toPick { id } picking { id } ready { id } collectedToday { id } } }"""

RECEIVE_STOCK = """mutation($store: String!, $sku: String!, $quantity: Int!) {
  receiveStock(locationId: $store, sku: $sku, quantity: $quantity, reference: "bench") {
    userErrors { code } } }"""
