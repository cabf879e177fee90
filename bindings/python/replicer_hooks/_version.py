"""The binding's version: the C library's it is made for (a test holds the
two equal, and pyproject.toml reads it from here)."""
__version__ = "0.2.0"
