r"""Checks for the ch09_generalization exercise: inverted dropout, L2 weight decay, two data
augmentations and the early-stopping rule.

- ``dropout_forward`` / ``dropout_backward`` (:mod:`.dropout`): the mask is part of the
  answer. The notebook draws it exactly as ``keep = rng.random(x.shape) >= p`` from the rng it
  is given, so the student's function, called with a copy of the check's generator, draws the
  reference's mask and ``out`` is compared entry by entry; the cache must be ``(keep, p)``
  (``(None, p)`` at inference). A result that is a correctly scaled dropout of its input with
  *another* mask is recognised as such: a mask drawn another way in the forward pass, a fresh
  mask instead of the cached one in the backward pass.
- ``l2_penalty`` / ``l2_grad`` (:mod:`.weight_decay`): weights are the keys that start with
  ``"W"`` (conv filters included); biases, ``gamma`` and ``beta`` are not decayed.
- ``translate`` / ``rotate`` (:mod:`.augmentation`): compared with ``backproplab.augment`` on
  (N, H, W) and (N, C, H, W) batches, non-square images, shifts of 0 and beyond the image,
  right and odd angles.
- ``should_stop`` (:mod:`.stopping`): a yes/no answer, so one case cannot tell the usual
  mistakes apart; the check runs every case first and names the mistake whose answers agree
  with the student's on all of them.

Importing this package imports the parts, which registers every check of the assignment.
"""

# Importing the parts registers their checks, in the notebook's order (graded_functions).
from . import dropout, weight_decay, augmentation, stopping  # noqa: F401, I001
