"""Write the checklist fixture the catalog tests compare against.

The checklist itself is not part of the repository, so the tests keep two
derived files instead: the top list's (ID, category, title) rows in checklist
order, and a digest of every run of eight consecutive words of its
explanations, which lets a test prove the catalog's prose is our own without
storing the checklist's prose. Run it when the checklist changes:

    python hack/checklist_fixture.py PATH/TO/CHECKLIST.txt
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "operator"))

from aks_checklist.catalog import CATEGORIES  # after the sys.path line above

OUT = Path(__file__).resolve().parents[1] / "tests" / "unit" / "fixtures" / "checklist"
RUN = 8


def top_list(text: str) -> list[tuple[str, str, str]]:
    """(ID, category, title) for every line of the top list, in order.

    The list starts at ``- Application``; category lines sit at the top level
    and items one space deeper, except for a few items printed at the top level.
    It ends at the first non-blank line that is not a list entry.
    """
    names = {name: prefix for prefix, (name, _) in CATEGORIES.items()}
    lines = text.splitlines()
    entries: list[tuple[str, str, str]] = []
    category: str | None = None
    counts: dict[str, int] = {}
    for line in lines[lines.index("- Application") :]:
        if not line.strip():
            continue
        match = re.match(r"^( ?)- (.+)$", line)
        if match is None:
            break
        indent, title = match.group(1), match.group(2).strip()
        if not indent and title in names:
            category = title
            continue
        if category is None:
            raise SystemExit(f"item before any category: {line!r}")
        prefix = names[category]
        counts[prefix] = counts.get(prefix, 0) + 1
        entries.append((f"{prefix}-{counts[prefix]:02d}", category, title))
    return entries


def word_run_digest(words: tuple[str, ...]) -> str:
    """A short, stable digest of one run of words (shared with the tests)."""
    return hashlib.blake2b(" ".join(words).encode(), digest_size=6).hexdigest()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    text = Path(argv[0]).read_text(encoding="utf-8")
    OUT.mkdir(parents=True, exist_ok=True)
    rows = ["\t".join(row) for row in top_list(text)]
    (OUT / "items.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    words = re.findall(r"[a-z0-9']+", text.casefold())
    digests = sorted(
        {word_run_digest(tuple(words[i : i + RUN])) for i in range(len(words) - RUN + 1)}
    )
    (OUT / "word-runs.txt").write_text("\n".join(digests) + "\n", encoding="utf-8")
    print(f"Wrote {len(rows)} items and {len(digests)} word-run digests into {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
