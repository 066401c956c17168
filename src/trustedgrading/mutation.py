"""Did a call change its argument? One answer for the check framework and the sandboxed child.

:func:`unchanged` compares an argument after a call with a deep copy taken before it. The
check framework uses it to refuse a graded function that writes into its inputs; the child
that runs the student's code in a sandbox uses it to send back only the arguments a call
changed, which the grader then writes into its own copies (so the framework sees the change).
Both must agree, or a change made in the sandbox could go unreported.

The child loads this file by its bare name (``python -I -S`` with only its own folder and
NumPy on ``sys.path``; ``trustedgrading.sandbox.launch.CHILD_FILES``), so it imports only the
standard library and NumPy.
"""

import numpy as np

# Values compared by value; the type must match too (True is not 1, 1.0 is not 1).
_PLAIN = (type(None), bool, int, float, complex, str, bytes)


def unchanged(before, after, *, rng_may_advance=False):
    """Whether ``after`` still holds the value ``before`` (a deep copy taken earlier) holds.

    Plain data is compared by type and value, all the way down: arrays (shape, dtype and
    entries; NaN equals NaN; a subclass is compared through its data only), NumPy scalars,
    numbers, strings, ``None``, and tuples, lists and dicts of them. A ``np.random.Generator``
    is unchanged if its state is, or always with ``rng_may_advance`` (drawing from the
    generator it is given is the point of an ``rng`` argument). Anything else (a function, a
    class instance, an object that stayed in another process) cannot be compared by value
    with its deep copy, and counts as unchanged.
    """
    if type(before) is not type(after):
        return False
    if isinstance(before, np.ndarray):
        b, a = np.ndarray.view(before, np.ndarray), np.ndarray.view(after, np.ndarray)
        return (
            b.shape == a.shape
            and b.dtype == a.dtype
            and bool(np.array_equal(b, a, equal_nan=b.dtype.kind in "fc"))
        )
    if isinstance(before, np.generic):
        return unchanged(np.asarray(before), np.asarray(after))
    if isinstance(before, _PLAIN):
        # NaN is the one plain value unequal to itself.
        return bool(before == after) or (before != before and after != after)
    if isinstance(before, (tuple, list)):
        return len(before) == len(after) and all(
            unchanged(b, a, rng_may_advance=rng_may_advance)
            for b, a in zip(before, after, strict=True)
        )
    if isinstance(before, dict):
        return before.keys() == after.keys() and all(
            unchanged(value, after[key], rng_may_advance=rng_may_advance)
            for key, value in before.items()
        )
    if isinstance(before, np.random.Generator):
        return rng_may_advance or unchanged(before.bit_generator.state, after.bit_generator.state)
    return True
