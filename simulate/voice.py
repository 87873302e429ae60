"""The customer's voice, simulated: some customers agree to marketing by e-mail before the day;
after it, each reads the survey mails the server's notifier sent, and most follow the link and
answer. What the simulator expects to be asked comes from its own count and the server's rules
as the simulator set them (simulate/run.py `Options.questions`):

- after a collected pickup, a refunded return and a till sale that names its customer, that
  point's question, once per point (the service desk is not simulated);
- NPS at most once per cadence: the simulation spans some forty days, so once per customer;
- only to a customer who agreed, and (erasures come after the surveys) to nobody erased.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from simulate.client import Api
from simulate.mailbox import Mailbox
from simulate.tally import Tally

CONSENT = """mutation { setConsent(channel: EMAIL, granted: true, wordingVersion: "sim-mkt-v1") {
  position userErrors { code message } } }"""
SURVEY = "query($link: String!) { survey(token: $link) { question state } }"
ANSWER = """mutation($link: String!, $score: Int!, $comment: String) {
  answerSurvey(token: $link, score: $score, comment: $comment) {
  question score userErrors { code message } } }"""
AGREES = 0.6  # of the customers, agree to marketing by e-mail
ANSWERS = 0.7  # of the surveys, answered
COMMENTS = ("Quick and friendly.", "The bag was ready before I was.", "Took a while.", None)
# How the simulated customers score: weights per point of each scale, lowest first.
SCALES = {
    "csat": (range(1, 6), (3, 5, 12, 35, 45)),
    "ces": (range(1, 8), (2, 3, 5, 10, 20, 30, 30)),
    "nps": (range(0, 11), (1, 1, 1, 2, 2, 3, 5, 10, 20, 25, 30)),
}
# The points the simulation makes happen, and the setting that names each one's question.
POINT_SETTINGS = {
    "pickup": "OMNI_SURVEY_AFTER_PICKUP",
    "return": "OMNI_SURVEY_AFTER_RETURN",
    "till_sale": "OMNI_SURVEY_AFTER_TILL_SALE",
    "service_case": "OMNI_SURVEY_AFTER_SERVICE_CASE",
}


@dataclass
class Voice:
    """Who agreed, what the simulator expects to be asked, and how each survey was answered."""

    questions: dict[str, str]  # point -> csat, ces, nps or off, as the server was told
    agreed: set[str] = field(default_factory=set)  # customer ids
    addresses: dict[str, str] = field(default_factory=dict)  # e-mail address -> customer id
    expected: dict[str, int] = field(default_factory=dict)  # question -> surveys to be asked
    scores: dict[str, list[int]] = field(default_factory=dict)  # question -> answers given
    second_answers_refused: int = 0
    mails_without_consent: int = 0

    def expect(self, tally: Tally) -> None:
        """The surveys the server should ask about the day, from the simulator's own count."""
        points = {
            "pickup": [
                j.customer for j in tally.journeys.values()
                if j.store is not None and j.collected and j.customer
            ],
            "return": [r.customer for r in tally.returns if r.refunded and r.customer],
            # NPS once per cadence: a customer's first identified till sale of the simulation.
            "till_sale": [p.customer for p in tally.purchases.values() if p.channel == "POS"],
        }  # fmt: skip
        self.expected = {}
        asked_nps: set[str] = set()
        for point, customers in points.items():
            question = self.questions[point]
            for customer in customers:
                if customer not in self.agreed or question == "off":
                    continue
                if question == "nps":
                    if customer in asked_nps:
                        continue
                    asked_nps.add(customer)
                self.expected[question] = self.expected.get(question, 0) + 1

    def answered(self, question: str) -> list[int]:
        return self.scores.get(question, [])


async def agree_to_marketing(api: Api, customers: list[str], seed: int, voice: Voice) -> None:
    """Before the day, some customers say yes to marketing by e-mail (surveys are marketing)."""
    rng = random.Random(f"{seed}:consent")
    for customer in customers:
        voice.addresses[f"{customer}@example.com"] = customer
        if rng.random() < AGREES:
            token = api.token("customer", customer, channel="web")
            await api.mutate("setConsent", CONSENT, token)
            voice.agreed.add(customer)


async def answer_surveys(
    api: Api, mailbox: Mailbox, voice: Voice, seed: int, wait_seconds: float
) -> None:
    """Wait for every survey mail expected, then answer most of them through their links: the
    first answered twice, a second score the server must refuse."""
    agreed = {address for address, who in voice.addresses.items() if who in voice.agreed}
    await mailbox.until_surveys(agreed, sum(voice.expected.values()), wait_seconds)
    rng = random.Random(f"{seed}:surveys")
    links = sorted(mailbox.survey_links())
    voice.mails_without_consent = sum(to not in agreed for to, _ in links)
    for to, link in links:
        if to not in agreed or rng.random() >= ANSWERS:
            continue
        question = (await api.query(SURVEY, None, link=link))["survey"]["question"].lower()
        values, weights = SCALES[question]
        score = rng.choices(list(values), weights)[0]
        await api.mutate("answerSurvey", ANSWER, link=link, score=score, comment=_comment(rng))
        voice.scores.setdefault(question, []).append(score)
        if sum(len(s) for s in voice.scores.values()) == 1:
            await _answer_again(api, link, score, voice)


async def _answer_again(api: Api, link: str, score: int, voice: Voice) -> None:
    other = score - 1 if score > 1 else score + 1
    errors = (await api.query(ANSWER, None, link=link, score=other, comment=None))["answerSurvey"][
        "userErrors"
    ]
    if [e["code"] for e in errors] == ["SURVEY_ALREADY_ANSWERED"]:
        voice.second_answers_refused += 1


def _comment(rng: random.Random) -> str | None:
    return rng.choice(COMMENTS) if rng.random() < 0.3 else None
