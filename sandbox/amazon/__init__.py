"""A stateful Amazon SP-API simulator (LWA, Orders v0 and v2026-01-01, confirmShipment,
usage-plan throttling) speaking Amazon's wire format, so client code runs unchanged."""
