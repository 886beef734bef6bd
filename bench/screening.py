"""Time screening over the import bench's volume: 30,000 sessions x 20 turns (about 100 MB).

Run from the repository root:  .venv/bin/python bench/screening.py [--sessions N] [--language zh]
Turns are generated deterministically from counseling sentences, with crisis language or
personal data planted in about one turn in two hundred. It prints the wall-clock and CPU
time, turns/s, MB/s and the hits found, and exits with status 1 when the CPU time is over the
target.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter

from dialogues.screening import screen_text

TARGET_SECONDS = 3.0
TURNS_PER_SESSION = 20

EN_SENTENCES = [
    "I keep thinking that everyone at work is judging every little thing I do.",
    "That sounds exhausting. What goes through your mind right before a meeting?",
    "My manager said the report was fine, but I am sure she was just being polite.",
    "Let us look at the evidence for and against that thought together.",
    "I have tried to relax with breathing exercises but nothing seems to help.",
    "When you notice that thought, how strongly do you believe it, from 0 to 100?",
    "Maybe 80. It feels true even when I know it probably is not.",
    "It makes sense that it feels true; thoughts can feel like facts when we are anxious.",
    "My family thinks I should just stop worrying, which makes me feel worse.",
    "What would you say to a friend who had the same worry about their work?",
    "I guess I would tell them that one mistake does not define their whole career.",
    "That is a kind and balanced thought. Could you try saying it to yourself this week?",
    "I have been sleeping badly since the move and I feel tired all the time.",
    "Let us plan a small experiment: share one idea in the next team meeting.",
    "I am worried that my partner will leave if I keep being this anxious.",
]
EN_PLANTED = [
    "Sometimes I think everyone would be better off without me.",
    "Have you had any thoughts of ending your life?",
    "I would never hurt myself, I just feel stuck.",
    "You can call me on 555-201-3344 after six.",
    "My email is sam.taylor@example.com if you need it.",
    "My name is Jordan Ellis and I moved to 42 Maple Street last spring.",
]
ZH_SENTENCES = [
    "我总觉得同事们在背后议论我，每次开会都很紧张。",
    "听起来这让你很疲惫。开会之前你脑子里会想些什么？",
    "领导说我的报告还可以，但我觉得他只是客气。",
    "我们一起来看看支持和反对这个想法的证据吧。",
    "我试过深呼吸放松，可是好像没什么用。",
    "如果满分是一百，你有多相信这个想法？",
    "大概八十吧，虽然我知道它可能不是真的。",
    "焦虑的时候，想法常常会让人觉得像事实一样。",
    "家里人总让我别想太多，这反而让我更难受。",
    "如果朋友也有同样的担心，你会对他说什么？",
]
ZH_PLANTED = [
    "有时候我觉得活着没有意思，不想活了。",
    "你有没有想过伤害自己？",
    "我从来没有想过自杀。",
    "我的手机是13812345678，晚上可以联系我。",
    "我叫王小明，住在上海市徐汇区漕溪北路88号。",
]


def turns_generate(*, sessions: int, language: str, seed: int) -> list[str]:
    rng = random.Random(seed)
    sentences, planted = (
        (EN_SENTENCES, EN_PLANTED) if language == "en" else (ZH_SENTENCES, ZH_PLANTED)
    )
    # Chinese packs more meaning per character; three sentences make a turn of similar weight.
    per_turn = 2 if language == "en" else 3
    turns = []
    for _ in range(sessions * TURNS_PER_SESSION):
        parts = rng.sample(sentences, per_turn)
        if rng.random() < 0.005:
            parts[rng.randrange(per_turn)] = rng.choice(planted)
        turns.append(" ".join(parts))
    return turns


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30_000)
    parser.add_argument("--language", choices=["en", "zh"], default="en")
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()

    turns = turns_generate(sessions=args.sessions, language=args.language, seed=args.seed)
    megabytes = sum(len(turn.encode()) for turn in turns) / 1e6
    started, cpu_started = time.perf_counter(), time.process_time()
    found: Counter[str] = Counter()
    for turn in turns:
        for hit in screen_text(turn):
            found[f"{hit.category}/{hit.framing}"] += 1
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started

    print(f"turns: {len(turns):,} ({megabytes:.1f} MB of UTF-8, language {args.language})")
    rates = f"{len(turns) / cpu:,.0f} turns/s and {megabytes / cpu:.1f} MB/s of CPU time"
    print(f"screening: {elapsed:.2f} s wall, {cpu:.2f} s CPU, {rates}")
    print("hits: " + ", ".join(f"{key} {count}" for key, count in sorted(found.items())))
    # CPU time decides: on a machine shared with other jobs the wall clock measures them too.
    met = cpu <= TARGET_SECONDS
    print(f"target: {TARGET_SECONDS:.1f} s of CPU -> {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
