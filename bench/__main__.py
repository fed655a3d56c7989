"""Run the benchmarks named on the command line (all by default) and print their reports."""

from __future__ import annotations

import sys

from bench import adoption, due_matches, queue, scores, status

BENCHMARKS = {"due_matches": due_matches, "scores": scores, "status": status, "queue": queue, "adoption": adoption}


def main(names: list[str]) -> None:
    for name in names or list(BENCHMARKS):
        module = BENCHMARKS[name]
        print(module.report(module.run()), flush=True)
        print()


if __name__ == "__main__":
    main(sys.argv[1:])
