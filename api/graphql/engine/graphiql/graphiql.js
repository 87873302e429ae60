// GraphiQL for omnicommerce, from files the service ships (no CDN). The Headers tab holds
// the bearer token; subscriptions send the same headers in connection_init, which is where
// this API reads a WebSocket client's token.
const EXAMPLE = `# omnicommerce: try
#   mutation { startCart(channel: WEB, deviceId: "laptop") { cartId cartToken cart { channel } } }
# then put {"Authorization": "Bearer <cartToken>"} in Headers below and
#   mutation { addToCart(cartId: "<cartId>", sku: "LAVA-LAMP") { position userErrors { code message } } }
`;

const url = window.location.origin + "/graphql";
const socketUrl = url.replace(/^http/, "ws");
let currentHeaders = {};

function parseHeaders(text) {
  try {
    const parsed = JSON.parse(text || "{}");
    return typeof parsed === "object" && parsed ? parsed : {};
  } catch {
    return {};
  }
}

const fetcher = GraphiQL.createFetcher({
  url,
  subscriptionUrl: socketUrl,
  // Evaluated at each WebSocket connection: the token in the Headers tab at that moment.
  wsConnectionParams: () => currentHeaders,
});

function App() {
  const explorer = GraphiQLPluginExplorer.explorerPlugin();
  return React.createElement(GraphiQL, {
    fetcher,
    defaultQuery: EXAMPLE,
    defaultEditorToolsVisibility: true,
    shouldPersistHeaders: false,
    onEditHeaders: (text) => { currentHeaders = parseHeaders(text); },
    plugins: [explorer],
  });
}

ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(App));
