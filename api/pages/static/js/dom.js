// Building the page from data: every string becomes a text node, never markup.
// (No innerHTML anywhere in the staff pages: a customer name or SKU such as
// `<img src=x onerror=alert(1)>` is shown as those characters.)

const SVG = "http://www.w3.org/2000/svg";

function fill(node, attributes, children) {
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** h("li", {class: "card"}, "text", otherNode): an element with text-only strings. */
export function h(tag, attributes, ...children) {
  return fill(document.createElement(tag), attributes, children);
}

/** The same for SVG elements (the dashboard's chart). */
export function svg(tag, attributes, ...children) {
  return fill(document.createElementNS(SVG, tag), attributes, children);
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

/** Replace the whole page body with one clear message (no access, signed out, ...). */
export function showNotice(title, message, ...actions) {
  const main = document.querySelector("main");
  clear(main).append(
    h("section", { class: "notice", role: "alert", "data-testid": "notice" },
      h("h2", {}, title), h("p", {}, message), ...actions),
  );
}
