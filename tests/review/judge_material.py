"""Small rubrics and dialogues for the judge tests, shaped like the built-in ones.

Descriptions and anchors are our own short paraphrases; the real ones come from the rubrics app.
"""

from __future__ import annotations

from review.judges import JudgeCriterion, JudgeRubric, JudgeTurn, PairwiseRequest, ScoreRequest

UNDERSTANDING_ANCHORS = {
    0: "Misses or distorts what the client plainly said.",
    2: "Repeats the client's words but misses what lies beneath them.",
    4: "Grasps what the client says and most of what they mean.",
    6: "Shows a deep grasp of the client's inner world and says it back well.",
}


def session_rubric() -> JudgeRubric:
    return JudgeRubric(
        code="ctrs-lite",
        version="2",
        title="Session skills (test)",
        scope="session",
        criteria=(
            JudgeCriterion(
                code="understanding",
                title="Understanding",
                description="How well the counselor grasps the client's view.",
                anchors=UNDERSTANDING_ANCHORS,
                minimum=0,
                maximum=6,
            ),
            JudgeCriterion(
                code="collaboration",
                title="Collaboration",
                description="Whether goals and steps are worked out together.",
                anchors={0: "Imposes a plan.", 6: "Builds the plan with the client."},
                minimum=0,
                maximum=6,
            ),
            JudgeCriterion(
                code="homework",
                title="Homework",
                description="A task for the week, agreed and explained.",
                minimum=0,
                maximum=6,
                na_allowed=True,
            ),
        ),
    )


def principles_rubric() -> JudgeRubric:
    return JudgeRubric(
        code="principles-lite",
        version="1",
        title="Response principles (test)",
        scope="pair",
        criteria=(
            JudgeCriterion(
                code="empathy",
                title="Empathy",
                description="Warmth and recognition of feeling.",
                minimum=1,
                maximum=5,
            ),
            JudgeCriterion(
                code="safety",
                title="Safety",
                description="Nothing that could harm the client.",
                minimum=1,
                maximum=5,
            ),
        ),
    )


DIALOGUE = (
    JudgeTurn("client", "I keep thinking I will fail the exam, so I stopped studying."),
    JudgeTurn("counselor", "It sounds like the fear of failing has made studying feel pointless."),
    JudgeTurn("client", "Yes. Why bother if I fail anyway?"),
    JudgeTurn("counselor", "Shall we look at what evidence you have for that prediction?"),
)


def score_request(key: str = "item-1", text_marker: str = "") -> ScoreRequest:
    turns = DIALOGUE
    if text_marker:
        turns = (*DIALOGUE[:-1], JudgeTurn("counselor", f"{DIALOGUE[-1].text} {text_marker}"))
    return ScoreRequest(key=key, rubric=session_rubric(), turns=turns)


def pair_request(key: str = "pair-1") -> PairwiseRequest:
    return PairwiseRequest(
        key=key,
        context=DIALOGUE[:3],
        response_a="GOOD: That thought sounds heavy. What makes failing feel so certain?",
        response_b="BAD: Just study harder, everyone gets nervous.",
        rubric=principles_rubric(),
    )
