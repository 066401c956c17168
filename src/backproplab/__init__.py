"""Backprop Lab: a from-scratch NumPy reference for how neural networks learn.

Every chapter of the course imports these modules. They are pure NumPy in float64, with
no hidden state: layers are ``*_forward(...) -> (out, cache)`` and
``*_backward(dout, cache) -> grads``, optimizers take their state in and hand it back, and
randomness comes only from an explicit ``rng: numpy.random.Generator``.

Submodules are imported explicitly (``from backproplab import layers``); this package
``__init__`` imports none of them, so importing the maths never pulls in matplotlib.
"""

__version__ = "0.1.0"
