"""GXO warehouse port and its transports (docs/gxo-interface.md is the contract)."""
