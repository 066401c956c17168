"""nbgrader integration: the preprocessors that grade a notebook without trusting it."""
