"""Import fidelity: how much of each hand-written variant post `import-posts` gets right.

Prints the share of basic fields (title, date, local start/end, meetup link, slot count,
language) and of talks with both title and speakers right, over tests/archive/data/variants/,
then every miss. Goals (issue 14): basic >= 98 %, talks >= 90 %.

    .venv/bin/python bench/import_fidelity.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.archive.fidelity import expected, measure


def main() -> int:
    result = measure()
    print(f"posts: {len(expected())}")
    print(f"basic fields: {result.basic_right}/{result.basic_total} = {result.basic_percent:.1f} %")
    print(f"talks (title and speakers): {result.talks_right}/{result.talks_total} = {result.talks_percent:.1f} %")
    for miss in result.misses:
        print(f"  miss: {miss}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
