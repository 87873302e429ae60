"""The customer's voice: the manager's report's surveys for the chain (`omni report`, from the
feedback read model) beside what the simulator expected to be asked and the answers its
customers gave. Rounded as the report rounds: CSAT and NPS in percent to two places, averages
to three."""

from __future__ import annotations

from collections.abc import Callable

from simulate.figures import Measure, Reported
from simulate.run import Outcome
from simulate.voice import Voice

GROUP = "Customer's voice (omni report's surveys, the chain)"
QUESTIONS = ("csat", "ces", "nps")


def voice_measures() -> list[Measure]:
    found = []
    for question in QUESTIONS:
        name = question.upper()
        found += [
            Measure(GROUP, f"{name} asked", _reported(question, "asked"),
                    _counted(question, lambda v, q: v.expected.get(q, 0))),
            Measure(GROUP, f"{name} answered", _reported(question, "answered"),
                    _counted(question, lambda v, q: len(v.answered(q)))),
            Measure(GROUP, f"{name} average score", _reported(question, "average"),
                    _counted(question, lambda v, q: _average(v.answered(q)))),
            Measure(GROUP, name, _reported(question, question),
                    _counted(question, lambda v, q: _headline(q, v.answered(q)))),
        ]  # fmt: skip
    return [
        *found,
        # Not a read model's: what the mailbox holds, against the rule that nobody is asked
        # without their consent, and a second answer that the server must refuse.
        Measure(GROUP, "survey mails to customers who never agreed",
                lambda r: r.voice_mails_without_consent, lambda o: 0),
        Measure(GROUP, "second answers refused", lambda r: r.voice_second_refused,
                _counted("", lambda v, _: int(any(v.scores.values())))),
    ]  # fmt: skip


def _reported(question: str, key: str) -> Callable[[Reported], object]:
    def read(reported: Reported) -> object:
        assert reported.manager is not None, "no manager's report was read"
        scores = reported.manager["feedback"]["scores"]
        row = next((s for s in scores if s["question"] == question), None)
        if row is None:  # nobody was asked this question
            return 0 if key in ("asked", "answered") else None
        return row[key]

    return read


def _counted(question: str, pick: Callable[[Voice, str], object]) -> Callable[[Outcome], object]:
    def count(outcome: Outcome) -> object:
        assert outcome.voice is not None
        return pick(outcome.voice, question)

    return count


def _average(scores: list[int]) -> float | None:
    return round(sum(scores) / len(scores), 3) if scores else None


def _headline(question: str, scores: list[int]) -> float | None:
    """CSAT: percent answering 4-5; CES: the mean; NPS: promoters less detractors."""
    if not scores:
        return None
    if question == "ces":
        return _average(scores)
    if question == "csat":
        return round(round(sum(s >= 4 for s in scores) / len(scores), 4) * 100, 2)
    promoters, detractors = sum(s >= 9 for s in scores), sum(s <= 6 for s in scores)
    return round(round((promoters - detractors) / len(scores), 4) * 100, 2)
