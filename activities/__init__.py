"""Temporal activities: thin, idempotent wrappers of one external call or store operation each."""
