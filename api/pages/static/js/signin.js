// /staff/signin: a pasted token, or store + staff id + PIN exchanged for one. Either way the
// token goes to sessionStorage and the browser back to the page that sent it here.
import { exchangeCredentials, keepToken, whoIsSignedIn } from "./session.js";

function nextPage() {
  const next = new URLSearchParams(window.location.search).get("next") || "/staff";
  // Only our own pages: never an open redirect to another site.
  return /^\/staff(\/|\?|$)/.test(next) && !next.startsWith("//") ? next : "/staff";
}

function showReason() {
  const reason = new URLSearchParams(window.location.search).get("reason");
  if (!reason) return;
  const line = document.querySelector("#reason");
  line.textContent = reason;
  line.hidden = false;
}

function onSubmit(form, handle) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = form.querySelector(".form-error");
    const button = form.querySelector("button");
    error.textContent = "";
    button.disabled = true;
    try {
      const problem = await handle(new FormData(form));
      if (problem) error.textContent = problem;
      else window.location.assign(nextPage());
    } catch (failure) {
      error.textContent = `Could not reach the service: ${failure.message}`;
    } finally {
      button.disabled = false;
    }
  });
}

onSubmit(document.querySelector("#credentials"), async (fields) => {
  const issued = await exchangeCredentials(
    fields.get("storeId").trim(), fields.get("staffId").trim(), fields.get("pin"));
  if (issued.refused) return issued.message;
  keepToken(issued.token);
  return null;
});

onSubmit(document.querySelector("#paste"), async (fields) => {
  const token = fields.get("token").trim();
  const me = await whoIsSignedIn(token);
  if (me.refused) return me.message;
  keepToken(token);
  return null;
});

showReason();
