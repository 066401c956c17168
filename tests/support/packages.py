"""The modules of backproplab's maths package, found on disk (never listed by hand)."""

from pathlib import Path

import backproplab

PACKAGE_DIR = Path(backproplab.__file__).parent


def maths_modules():
    """Every module of backproplab except the display and grading subpackages, found on disk."""
    found = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = path.relative_to(PACKAGE_DIR).with_suffix("").parts
        if parts[0] in ("display", "grading"):
            continue
        dotted = ".".join(p for p in parts if p != "__init__")
        found.append("backproplab" + (f".{dotted}" if dotted else ""))
    return found
