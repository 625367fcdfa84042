"""Temporal workflow definitions: deterministic, no I/O, one module per business flow."""
