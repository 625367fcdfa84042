"""Faithful simulators of Amazon SP-API and GXO, served over HTTP on loopback."""
