"""Communard: an organisation governing itself as a commune-type council democracy."""

__version__ = "0.1.0"
