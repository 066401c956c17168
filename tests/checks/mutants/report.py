"""Print the catch rate of the mutation banks: mutants caught / total, per function.

Run ``python tests/checks/mutants/report.py`` (or ``make mutation-report``). A mutant is
*caught* when its check raises ``CheckFailed`` with a message matching the bank's regex; a
mutant that fails with another message is counted apart, as *caught, message off*, since the
grade is right but the student is not told the mistake. Alternatives must pass. The same
harness runs in ``tests/checks/test_mutants.py``; this script only counts.
"""

import contextlib
import io
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests/, for the support package

from support.solutions import (
    load_bank,
    notebook_path,
    run_check,
    solution_functions,
)

from backproplab.grading import ASSIGNMENTS


def _quiet_check(assignment_id, function, source):
    """``run_check`` without the checks' one-line success messages."""
    with contextlib.redirect_stdout(io.StringIO()):
        return run_check(assignment_id, function, source)


def _outcome(assignment_id, mutant):
    try:
        message = _quiet_check(assignment_id, mutant["function"], mutant["source"])
    except Exception as error:  # a broken mutant or check: count it, keep reporting
        return f"error ({type(error).__name__}: {error})"
    if message is None:
        return "survived"
    if re.search(mutant["message"], message, re.IGNORECASE):
        return "caught"
    return "message off"


def main():
    rows, totals = [], {"caught": 0, "mutants": 0, "alternatives ok": 0, "alternatives": 0}
    problems = []
    for assignment_id in ASSIGNMENTS:
        bank = load_bank(assignment_id)
        if not notebook_path(assignment_id).is_file():
            rows.append((assignment_id, "(no solution notebook yet)", "", "", ""))
            continue
        if bank is None:
            rows.append((assignment_id, "(no mutation bank yet)", "", "", ""))
            continue
        mutants, alternatives = bank.mutants, bank.alternatives
        for function in solution_functions(assignment_id):
            caught = off = 0
            mine = [m for m in mutants if m["function"] == function]
            for k, mutant in enumerate(mine, 1):
                outcome = _outcome(assignment_id, mutant)
                caught += outcome == "caught"
                off += outcome == "message off"
                if outcome != "caught":
                    problems.append(f"{assignment_id}-{function}-mutant{k}: {outcome}")
            passing = 0
            theirs = [a for a in alternatives if a["function"] == function]
            for k, alternative in enumerate(theirs, 1):
                try:
                    ok = _quiet_check(assignment_id, function, alternative["source"]) is None
                except Exception:  # a broken alternative: it does not pass
                    ok = False
                passing += ok
                if not ok:
                    problems.append(f"{assignment_id}-{function}-alternative{k}: fails")
            rows.append(
                (
                    assignment_id,
                    function,
                    f"{caught}/{len(mine)}",
                    str(off),
                    f"{passing}/{len(theirs)}",
                )
            )
            totals["caught"] += caught
            totals["mutants"] += len(mine)
            totals["alternatives ok"] += passing
            totals["alternatives"] += len(theirs)
    header = ("assignment", "function", "caught", "message off", "alternatives pass")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    rate = f" ({totals['caught'] / totals['mutants']:.0%})" if totals["mutants"] else ""
    print(
        f"\ntotal: {totals['caught']}/{totals['mutants']} mutants caught with their message"
        f"{rate}; {totals['alternatives ok']}/{totals['alternatives']} alternatives pass"
    )
    for problem in problems:
        print(f"  {problem}")


if __name__ == "__main__":
    main()
