"""sitegen: a static site generator for podcasts."""

__version__ = "0.1.0"
