"""Import fidelity: how much of each hand-written variant post `import-posts` gets right.

Prints, over tests/archive/data/variants/ (truth in expected.yaml): the posts not imported
(dropped), the share of basic fields (title, date, local start/end, meetup link, slot count,
language), the share of talks with both title and speakers right, then every miss (including
the optional truths: which slots are talks, how abstracts and bios begin, expected warnings).
Goals (issues 14 and 21): no post dropped, basic >= 98 %, talks >= 90 %. Exits 1 when a goal
is missed.

    .venv/bin/python bench/import_fidelity.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.archive.fidelity import measure

GOAL_BASIC, GOAL_TALKS = 98.0, 90.0


def main() -> int:
    result = measure()
    met = not result.dropped and result.basic_percent >= GOAL_BASIC and result.talks_percent >= GOAL_TALKS
    print(f"posts: {result.posts}, dropped: {len(result.dropped)} (goal: 0)")
    print(f"basic fields: {result.basic_right}/{result.basic_total} = {result.basic_percent:.1f} % (goal: >= 98 %)")
    print(
        f"talks (title and speakers): {result.talks_right}/{result.talks_total} = {result.talks_percent:.1f} %"
        " (goal: >= 90 %)"
    )
    print(f"goals: {'met' if met else 'NOT met'}")
    for post in result.dropped:
        print(f"  dropped: {post}")
    for miss in result.misses:
        print(f"  miss: {miss}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
