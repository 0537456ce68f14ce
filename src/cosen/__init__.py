"""cosen: slot allocation for the COSEN fast-track imaging scheme."""

__version__ = "0.1.0"
