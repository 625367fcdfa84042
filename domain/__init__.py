"""Pure business models and rules: no I/O, safe to pass through the workflow sandbox."""
