// /survey#<token>: the one question a survey mail asks, answered without signing in. The token
// rides in the fragment, which browsers never send to a server; this page sends it to the API
// only, as an argument.
import { clear, h } from "./dom.js";

const SURVEY = `query Survey($token: String!) {
  survey(token: $token) {
    question prompt lowest highest lowestMeans highestMeans expiresAt state } }`;
const ANSWER = `mutation AnswerSurvey($token: String!, $score: Int!, $comment: String) {
  answerSurvey(token: $token, score: $score, comment: $comment) {
    score userErrors { code message } } }`;
const MAX_COMMENT = 1000;

async function call(document, variables) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ query: document, variables }),
  });
  const body = await response.json();
  if (body.errors && body.errors.length) throw new Error(body.errors[0].message);
  return body.data;
}

function section() {
  return clear(document.querySelector('[data-testid="survey"]'));
}

function say(state, text) {
  section().append(h("p", { "data-state": state, class: "outcome" }, text));
  document.body.dataset.state = state;
}

function scale(survey) {
  const choices = [];
  for (let score = survey.lowest; score <= survey.highest; score += 1) {
    choices.push(h("label", { class: "score" },
      h("input", { type: "radio", name: "score", value: String(score), required: true }),
      String(score)));
  }
  return h("fieldset", { class: "scale" },
    h("legend", {}, `${survey.lowest}: ${survey.lowestMeans}, ${survey.highest}: ${survey.highestMeans}`),
    choices);
}

function form(token, survey) {
  const comment = h("textarea", { name: "comment", maxlength: String(MAX_COMMENT), rows: "3",
    "aria-label": "Comment (optional)" });
  const submit = h("button", { type: "submit" }, "Send my answer");
  const element = h("form", {
    onsubmit: async (event) => {
      event.preventDefault();
      const chosen = element.querySelector('input[name="score"]:checked');
      if (!chosen) return;
      submit.disabled = true;
      const answered = (await call(ANSWER, {
        token, score: Number(chosen.value), comment: comment.value.trim() || null,
      })).answerSurvey;
      if (answered.userErrors.length) say("refused", answered.userErrors[0].message);
      else say("thanks", "Thank you: your answer is recorded.");
    },
  }, scale(survey), h("p", {}, comment), submit);
  return element;
}

async function main() {
  const token = decodeURIComponent(window.location.hash.slice(1));
  if (!token) return say("no-link", "This page opens from the link in a survey e-mail.");
  const survey = (await call(SURVEY, { token })).survey;
  if (survey.state === "ANSWERED") return say("answered", "This survey is answered already. Thank you!");
  if (survey.state === "EXPIRED") return say("expired", "This survey has closed. Thank you all the same.");
  section().append(h("h2", {}, survey.prompt), form(token, survey));
  document.body.dataset.state = "open";
}

main().catch((failure) => say("failed", String(failure.message || failure)));
