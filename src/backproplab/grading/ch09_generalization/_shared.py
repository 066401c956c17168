"""What ch09's checks share: the assignment id and the two ways a check compares the student's
function with the package's: entry by entry on each case (:func:`_compared`), or case by case
through a hand-written comparison (:func:`_each_case`)."""

from trustedgrading.checks import register, register_custom

_A = "ch09_generalization"


def _compared(module, function, cases, mistakes, *, output="out"):
    """Register the check of ``<module>.<function>``: the student's function is compared with
    it entry by entry on each of ``cases(rng, hidden)``; its one output is called ``output``."""
    register(
        f"{_A}.{function}",
        reference=getattr(module, function),
        cases=cases,
        outputs=(output,),
        mistakes=mistakes,
    )


def _each_case(function, cases, mistakes):
    """Decorator: register ``one(student, case)`` as the check of ``function``, run on each of
    ``cases(rng, hidden)`` in turn. Put it after the last mistake of ``mistakes``."""

    def decorator(one):
        @register_custom(f"{_A}.{function}", mistakes=mistakes)
        def check(student, rng, hidden):
            for case in cases(rng, hidden):
                one(student, case)

        return one

    return decorator
