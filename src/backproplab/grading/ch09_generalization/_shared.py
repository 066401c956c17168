"""What ch09's checks share: the assignment id."""

_A = "ch09_generalization"
