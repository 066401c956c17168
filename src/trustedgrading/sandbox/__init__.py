"""The sandbox, where a student's code runs: standard library and NumPy only (enforced)."""
