"""Clients for the real systems consign talks to; each speaks the system's own wire format."""
