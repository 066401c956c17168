"""The progress bookkeeping of the batch grader (``trustedgrading.batch.progress``): durations,
the ETA, the ledger of who is graded, the progress line, when it is shown, and the summary."""

import io

import pytest

from trustedgrading.batch import progress


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (0.4, "0s"), (42.6, "43s"), (60, "1m00s"), (130.4, "2m10s"), (3725, "1h02m")],
)
def test_format_duration(seconds, text):
    assert progress.format_duration(seconds) == text


def test_eta_is_the_remaining_work_at_the_throughput_so_far():
    # 10 processed in 50 s is 5 s each (for the whole pool); 30 left: 150 s.
    assert progress.eta_seconds(10, 30, 50.0) == pytest.approx(150.0)
    assert progress.eta_seconds(4, 0, 12.0) == 0.0
    assert progress.eta_seconds(0, 30, 50.0) is None


def test_ledger_hands_out_each_student_once_in_order():
    ledger = progress.Ledger(["a", "b", "c"])
    assert ledger.next_for(0) == "a"
    assert ledger.next_for(1) == "b"
    assert ledger.running == {0: "a", 1: "b"}
    ledger.finish(1, "b", progress.Outcome(progress.GRADED))
    assert ledger.next_for(1) == "c"
    assert not ledger.pending
    ledger.finish(0, "a", progress.Outcome(progress.SKIPPED))
    assert ledger.next_for(0) is None
    assert (ledger.done, ledger.count(progress.GRADED), ledger.count(progress.SKIPPED)) == (2, 1, 1)
    assert ledger.not_graded() == ["c"]


def test_ledger_fails_the_student_of_a_worker_that_died():
    ledger = progress.Ledger(["a", "b"])
    ledger.next_for(0)
    assert ledger.lost(0, "the worker process ended (exit code -9)") == "a"
    assert ledger.lost(0, "again") is None  # it was running nothing any more
    assert ledger.failed() == ["a"]
    assert ledger.outcomes["a"].reason == "the worker process ended (exit code -9)"


def test_progress_line_counts_and_eta():
    ledger = progress.Ledger([f"s{i}" for i in range(200)])
    for i in range(37):
        ledger.next_for(0)
        status = progress.FAILED if i == 3 else progress.GRADED
        ledger.finish(0, f"s{i}", progress.Outcome(status))
    ledger.next_for(0)
    ledger.next_for(1)
    # 37 processed in 37 s: 1 s each; 163 left.
    assert progress.progress_line("ch02_activations", ledger, 37.0) == (
        "autograde ch02_activations: 37/200 done, 1 failed, 2 running, ETA 2m43s"
    )
    assert progress.progress_line("x", progress.Ledger(["a"]), 3.0) == (
        "autograde x: 0/1 done, 0 failed, 0 running, ETA ?"
    )


def test_progress_line_leaves_skipped_submissions_out_of_the_eta():
    ledger = progress.Ledger(["a", "b", "c", "d"])
    for student, status in (("a", progress.SKIPPED), ("b", progress.GRADED)):
        ledger.next_for(0)
        ledger.finish(0, student, progress.Outcome(status))
    # One processed in 10 s; two left: 20 s (not 10 s, as counting the skipped one would say).
    assert progress.progress_line("x", ledger, 10.0) == (
        "autograde x: 2/4 done, 0 failed, 1 skipped, 0 running, ETA 20s"
    )


def test_should_report_every_interval_or_each_tenth():
    assert progress.should_report(10.0, 4.0, 3, 3, 100)  # 6 s since the last line
    assert not progress.should_report(10.0, 6.0, 3, 3, 100)
    assert progress.should_report(10.0, 9.0, 10, 9, 100)  # crossed 10 of 100
    assert not progress.should_report(10.0, 9.0, 8, 7, 100)
    assert progress.should_report(10.0, 9.9, 1, 0, 5)  # small classes: every one is a tenth


def test_summary_names_failures_with_their_logs():
    ledger = progress.Ledger(["a", "b", "c", "d"])
    outcomes = {
        "a": progress.Outcome(progress.GRADED),
        "b": progress.Outcome(progress.FAILED, reason="kernel died", log="/logs/b.log"),
        "c": progress.Outcome(progress.SKIPPED),
    }
    for student, outcome in outcomes.items():
        ledger.next_for(0)
        ledger.finish(0, student, outcome)
    lines = progress.summary("x", ledger, 90.0, 2, "/logs")
    assert lines[0] == (
        "autograde x: 1 graded, 1 failed, 1 skipped of 4 in 1m30s (45.00 s per submission, 2 jobs)"
    )
    assert "  FAILED b: kernel died (log: /logs/b.log)" in lines
    assert "  not graded (1): d" in lines
    assert lines[-1] == "  logs: /logs"


class NotATerminal(io.StringIO):
    def isatty(self):
        return False


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_the_progress_line_is_rewritten_in_place_on_a_terminal():
    stream = Terminal()
    reporter = progress.Reporter(stream, "x")
    ledger = progress.Ledger(["a", "b"])
    reporter.update(ledger, 1.0, 1.0)
    reporter.update(ledger, 1.0, 1.2)  # nothing new: nothing written
    for student, elapsed in (("a", 100.0), ("b", 110.0)):
        ledger.next_for(0)
        ledger.finish(0, student, progress.Outcome(progress.GRADED))
        reporter.update(ledger, elapsed, elapsed)
    reporter.close()
    assert stream.getvalue() == (
        "\rautograde x: 0/2 done, 0 failed, 0 running, ETA ?"
        "\rautograde x: 1/2 done, 0 failed, 0 running, ETA 1m40s"
        "\rautograde x: 2/2 done, 0 failed, 0 running, ETA 0s   "  # blanks over the longer line
        "\n"
    )


def test_off_a_terminal_the_progress_goes_line_by_line_and_ends_with_the_last_state():
    stream = NotATerminal()
    reporter = progress.Reporter(stream, "x")
    ledger = progress.Ledger([f"s{i}" for i in range(100)])
    reporter.update(ledger, 0.0, 0.0)
    ledger.next_for(0)
    ledger.finish(0, "s0", progress.Outcome(progress.GRADED))
    reporter.update(ledger, 1.0, 1.0)  # 1 s later, 1 of 100: not worth a line
    reporter.close()
    assert stream.getvalue().splitlines() == [
        "autograde x: 0/100 done, 0 failed, 0 running, ETA ?",
        "autograde x: 1/100 done, 0 failed, 0 running, ETA 1m39s",
    ]
