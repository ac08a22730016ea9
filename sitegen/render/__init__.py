"""Turning the model into HTML: Markdown, the theme, and the pages."""
