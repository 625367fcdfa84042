"""Payload encryption for everything consign stores in Temporal (codec/aesgcm.py), the keys it
uses (codec/keys.py), the data converter every client and worker connects with
(codec/converter.py) and the remote codec server the Web UI and the temporal CLI decode through
(codec/server.py)."""
