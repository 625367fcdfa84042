"""The `consign` command line: local dev stack, demo, order queries and signals, mappings."""
