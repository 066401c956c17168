"""Grade many submissions in parallel, with live progress (``python -m trustedgrading.batch``)."""
