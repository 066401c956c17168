"""Interactive widgets for JupyterLab (ipywidgets + ipympl), one small module each.

- :mod:`.explorer`: the chapter 4 descent explorer, :class:`DescentExplorer`.
- :mod:`.gradient_flow`: chapter 7, per-layer gradient norms of a deep MLP.
- :mod:`.dead_relu`: chapter 8, the fraction of dead ReLUs over training.

Every widget accepts the student's own function where the reference one would go, so the
widget runs *their* code. This package may import the maths modules, never the other way.
"""

from backproplab.display.widgets.dead_relu import DeadReluMeter, dead_relu_meter
from backproplab.display.widgets.explorer import DescentExplorer, descent_explorer
from backproplab.display.widgets.gradient_flow import GradientFlow, gradient_flow

__all__ = [
    "DeadReluMeter",
    "DescentExplorer",
    "GradientFlow",
    "dead_relu_meter",
    "descent_explorer",
    "gradient_flow",
]
