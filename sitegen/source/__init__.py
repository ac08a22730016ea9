"""Our episode format, read (and written) in one place."""
from sitegen.source.episode import episode_files, load_episode, load_episodes, parse_transcript

__all__ = ["episode_files", "load_episode", "load_episodes", "parse_transcript"]
