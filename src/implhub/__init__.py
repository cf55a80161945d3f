"""implhub: the working system of a Sourcegraph implementation team."""

__version__ = "0.1.0"
