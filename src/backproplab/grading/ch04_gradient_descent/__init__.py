r"""Checks for the ch04_gradient_descent exercise: mini-batches and six optimizer update rules.

The update rules have one right answer, but they carry state from one step to the next, so
each check has two parts:

- single steps on hand-made states (zero state, a state from earlier steps, tiny gradients
  where the place of :math:`\epsilon` shows, scalars, vectors, matrices, non-default
  hyperparameters, Adam at :math:`t = 1` and at large :math:`t`);
- sequences of several steps in which the student's function is fed *its own* previous
  output (``w`` and the state), as a training loop would do. Each step is compared with the
  reference applied to the same inputs, so the message names the first step that goes wrong.

A wrong output is matched against the table of known mistakes on the same inputs.

``iterate_minibatches`` is a custom check: any shuffle that uses ``rng`` is correct, so the
batches are judged by properties (a partition of the examples, the batch sizes, X and y rows
kept together, the same ``rng`` seed giving the same batches and another seed other batches,
``shuffle=False`` keeping the order, ``batch_size=None`` and ``1``).

The checks are split by topic, so no module grows past 600 lines: ``sgd_momentum`` (SGD,
momentum, Nesterov), ``adaptive`` (AdaGrad, RMSprop), ``adam``, ``minibatches``, and
``_shared`` (the assignment id, and what every update rule's check shares: its registration,
single steps, sequences of steps and the mistake of ignoring a hyperparameter). Importing
this package imports all of them, which registers every check of the assignment.
"""

# Importing the parts registers their checks, in the notebook's order (graded_functions).
from . import sgd_momentum, adaptive, adam, minibatches  # noqa: F401, I001
