"""Our episode format, read (and written) in one place."""
from sitegen.source.episode import load_episode, load_episodes, parse_transcript

__all__ = ["load_episode", "load_episodes", "parse_transcript"]
