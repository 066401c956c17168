"""Every time, memory and output limit of the engine, defined once.

Everything else refers to these names: ``sandbox.launch.Limits`` and the nbgrader
preprocessors' traitlets take their defaults from here (a course may still configure other
values in its ``nbgrader_config.py``), and so do the wire protocol, the runner, the failure
messages and the batch grader.

The sandboxed child loads this file by its bare name (``sandbox.launch.CHILD_FILES``), so it
imports nothing.
"""

# --- the sandboxed child that runs one check of a test cell (``sandbox.launch.Limits``) ---------

# Wall-clock budget of one check(...) in a test cell, all its calls together: ends an endless
# loop (even one that ignores signals) while a correct function needs well under a second.
CHILD_WALL_SECONDS = 30.0
# RLIMIT_CPU: the kernel's own stop behind the wall budget, for CPU spent in the child's
# processes (the wall budget usually ends a loop first, with a clearer message).
CHILD_CPU_SECONDS = 60
# RLIMIT_AS: a huge allocation is a MemoryError in the student's code instead of the grading
# machine swapping; NumPy and a course's arrays fit easily.
CHILD_MEMORY_BYTES = 2 * 2**30
# RLIMIT_FSIZE: the largest file the child may write (in its private /tmp): no disk filling.
CHILD_FILE_BYTES = 16 * 2**20
# RLIMIT_NOFILE: enough descriptors for Python, NumPy and the pipes; no descriptor flood.
CHILD_OPEN_FILES = 256
# How much of a child's stderr (a crash's traceback) is kept; the rest is read and dropped.
CHILD_STDERR_BYTES = 64 * 2**10
# Time for a child that finished its check to confirm its end before its sandbox is dropped.
CHILD_END_SECONDS = 10.0
# Wait for the exit of a child whose pipe closed, so the message can say how it ended.
CHILD_EXIT_SECONDS = 0.5
# Wait for a killed process to be reaped, so none outlives its test cell unnoticed.
KILL_WAIT_SECONDS = 10.0
# Wait for the thread that drains a child's stderr once the child is gone.
STDERR_DRAIN_SECONDS = 1.0
# Time for the probe that checks bubblewrap can create a sandbox on this machine.
BWRAP_PROBE_SECONDS = 20.0

# --- the wire between the grader and the child (``sandbox._wire``) -----------------------------

# One message, either way: a larger one is refused (the sender is misbehaving).
WIRE_FRAME_BYTES = 64 * 2**20
# Items taken from an iterator a student's function returns: an endless generator stops here.
WIRE_ITEMS = 100_000
# Characters of one string that crosses; no graded value is text.
WIRE_STRING_CHARS = 100_000
# Nesting depth of a value that crosses as data; deeper levels arrive as opaque references.
WIRE_DEPTH = 20
# Characters of the type name of an object that stays in the child (shown in messages).
WIRE_TYPE_NAME_CHARS = 200
# Of an exception raised by the student's code, shown in feedback: characters of its message,
# of its type's and its function's names, and of the source line it was raised at.
ERROR_MESSAGE_CHARS = 2000
ERROR_NAME_CHARS = 100
ERROR_LINE_CHARS = 300

# --- messages and outputs ----------------------------------------------------------------------

# Inputs with at most this many entries are printed in a failure message; more would bury it.
SHOWN_ENTRIES = 12
# Characters of the last line of a crashed child's stderr quoted in the failure message.
STDERR_LINE_CHARS = 300
# Characters kept of one output of a graded notebook: a print flood cannot bloat the feedback.
OUTPUT_CHARS = 20_000
# Characters kept of a notebook's outputs in all (a test cell's verdict is always kept).
NOTEBOOK_OUTPUT_CHARS = 400_000
# A display output (a plot, HTML) over this many times OUTPUT_CHARS is replaced by a note.
DISPLAY_OUTPUT_FACTOR = 4
# Lines kept of one output, and of one traceback, by nbgrader's LimitOutput (its own defaults).
OUTPUT_LINES = 1000
TRACEBACK_LINES = 100
# Characters of the reason in the note that replaces a notebook that could not be read.
UNREADABLE_REASON_CHARS = 500

# --- the sandboxed kernel that runs the notebook (``nbgrader.plugin``) -------------------------

# A cell still running after this long ends the kernel's run (the test cells are graded by
# the grader anyway); a correct notebook runs in a few seconds in all.
KERNEL_CELL_SECONDS = 30
# The kernel's address space: it imports the course's libraries and may plot.
KERNEL_MEMORY_BYTES = 4 * 2**30

# --- grading many submissions (``batch``) ------------------------------------------------------

# Gradings of one student in all when the gradebook reports a transient database error.
DB_ATTEMPTS = 3
# After Ctrl-C, time for the workers to stop cleanly before they are killed.
BATCH_GRACE_SECONDS = 10.0
# After the last student, time for a worker to exit before it is killed.
WORKER_EXIT_SECONDS = 30.0
# Students named in the summary's list of those not graded (their logs name them all).
SUMMARY_NAMES = 20
