// Apollo Client 4 against the server at argv[2], as a storefront uses it: InMemoryCache with
// its default normalisation (`__typename` + `id`), and a Relay-style refetch through
// `node(id:)`. One JSON line per check ({check, ok, detail}), then a summary line; exit code 1
// when any check fails. Driven by tests/api/test_apollo_client.py.
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';

const url = process.argv[2];
const client = new ApolloClient({ link: new HttpLink({ uri: url }), cache: new InMemoryCache() });
const results = [];
const check = (name, ok, detail) => results.push({ check: name, ok: Boolean(ok), detail });
const as = (token) => ({ headers: { Authorization: `Bearer ${token}` } });

const START = gql`mutation { startCart(deviceId: "apollo") { cartId cartToken userErrors { code } } }`;
const ADD = gql`mutation Add($cart: UUID!, $sku: String!, $qty: Int!) {
  addToCart(cartId: $cart, sku: $sku, quantity: $qty) { position userErrors { code } } }`;
const CART = gql`query Cart($id: UUID!, $after: String) {
  cart(id: $id, consistentWith: $after) { id cartId itemCount lines { id sku quantity } } }`;
const NODE = gql`query Refetch($id: ID!) {
  node(id: $id) { id ... on Cart { cartId itemCount lines { id sku quantity } } } }`;
const NODES = gql`query Nodes($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`;
const PRODUCTS = gql`query Products { products(first: 3) { nodes { id sku name } } }`;
const PRODUCT = gql`query Product($sku: String!) { product(sku: $sku) { id sku name } }`;

const started = (await client.mutate({ mutation: START })).data.startCart;
const guest = as(started.cartToken);
let added = (await client.mutate({ mutation: ADD, context: guest,
  variables: { cart: started.cartId, sku: 'RETRO-CLOCK', qty: 1 } })).data.addToCart;
check('a guest adds to a cart', added.userErrors.length === 0, added);

const firstVariables = { id: started.cartId, after: added.position };
const first = (await client.query({ query: CART, context: guest, fetchPolicy: 'network-only',
  variables: firstVariables })).data.cart;
const cartKey = client.cache.identify(first);
const cached = client.cache.extract();
check('the cart is normalised under its global id', cartKey === `Cart:${first.id}`
  && cached[cartKey]?.cartId === started.cartId, { cartKey, cartId: cached[cartKey]?.cartId });
const lineKey = client.cache.identify(first.lines[0]);
check('its line is an entity of its own', lineKey === `CartLine:${first.lines[0].id}`
  && cached[lineKey]?.quantity === 1, { lineKey, line: cached[lineKey] });
check('global ids are opaque, not the old ids', first.id !== first.cartId, first.id);

added = (await client.mutate({ mutation: ADD, context: guest,
  variables: { cart: started.cartId, sku: 'RETRO-CLOCK', qty: 2 } })).data.addToCart;
// The server settles its read model; refetch by global id alone, as Relay's refetch does.
let refetched = null;
for (let attempt = 0; attempt < 50; attempt += 1) {
  refetched = (await client.query({ query: NODE, context: guest, fetchPolicy: 'network-only',
    variables: { id: first.id } })).data.node;
  if (refetched.itemCount === 3) break;
  await new Promise((resolve) => setTimeout(resolve, 100));
}
check('node(id:) refetches the cart', refetched?.__typename === 'Cart'
  && refetched.cartId === started.cartId && refetched.itemCount === 3, refetched);
const typed = client.readQuery({ query: CART, variables: firstVariables })?.cart;
check("the typed query's cached answer shows what node(id:) fetched", typed?.itemCount === 3
  && typed.lines[0].quantity === 3, typed);

const products = (await client.query({ query: PRODUCTS })).data.products.nodes;
const product = (await client.query({ query: PRODUCT, variables: { sku: products[0].sku } }))
  .data.product;
check('a product from a list and from product(sku:) is one cache entry',
  client.cache.identify(product) === client.cache.identify(products[0])
  && Object.keys(client.cache.extract()).filter((k) => k.startsWith('Product:')).length
    === products.length, client.cache.identify(product));

const stranger = as((await client.mutate({ mutation: START })).data.startCart.cartToken);
const hidden = await client.query({ query: NODE, context: stranger, fetchPolicy: 'network-only',
  errorPolicy: 'all', variables: { id: first.id } });
check("another guest's node(id:) reads as missing", hidden.data?.node === null
  && hidden.error?.errors?.[0]?.extensions?.code === 'NOT_FOUND',
  { data: hidden.data, error: hidden.error?.errors });

const both = (await client.query({ query: NODES, context: guest, fetchPolicy: 'network-only',
  variables: { ids: [product.id, first.id] } })).data.nodes;
check('nodes(ids:) answers each in its place', both.map((n) => n.__typename).join() === 'Product,Cart'
  && both[1].id === first.id, both);

for (const result of results) console.log(JSON.stringify(result));
const failed = results.filter((result) => !result.ok).length;
console.log(JSON.stringify({ summary: { checks: results.length, failed } }));
process.exit(failed === 0 ? 0 : 1);
