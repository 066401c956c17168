"""How the course is shown: figures, animations, the static explorer and the widgets.

These modules may import the maths modules, never the other way (a test enforces it).
"""
