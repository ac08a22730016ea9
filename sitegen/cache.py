"""The build cache: parsed episodes and published files, keyed by content hashes.

Two stores live under `<site>/.sitegen-cache/`:

- `episodes/`: one sealed pickle per episode file, reused while the file's bytes,
  its audio file, the site config and sitegen's code are unchanged;
- `outputs/`: one manifest per output folder: for each published file, the key of
  everything it was made from and the file's stat, so a later build can keep it.

Every blob is sealed with a MAC under a per-user secret kept outside the site
(`$XDG_CACHE_HOME/sitegen/cache-key`): a corrupt, stale or foreign cache fails
the check and is ignored, and no foreign pickle is ever loaded.

A `BuildSession` holds the same data in memory between builds (the dev server).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import pickle
import secrets
import sys
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

from sitegen.errors import Problem, Problems
from sitegen.model import Episode, SiteConfig

log = logging.getLogger(__name__)

CACHE_DIR = ".sitegen-cache"
FORMAT = b"sitegen-cache-2\n"
# A file changed less than this before we recorded its stat may change again
# within the same timestamp tick; such "racy" files are re-hashed, never trusted.
RACY_NS = 2_000_000_000
FINE_RACY_NS = 50_000_000
PRELOAD_MIN = 16       # fewer stale episode files than this are parsed in one process
# The parent parses a little less than half: it also unpickles what the child parsed
# (about a fifth of the cost of parsing a file), so both finish together.
PRELOAD_PARENT_SHARE = 0.45
PACKAGE_DIR = Path(__file__).resolve().parent
DEPENDENCIES = ("jinja2", "markdown-it-py", "mdit-py-plugins", "PyYAML", "mutagen", "feedgen",
                "lxml")

# size, mtime_ns, inode. Not ctime: publishing audio by hard link changes it.
Signature = tuple[int, int, int]


def signature(path: Path | str) -> Signature | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def is_racy(sig: Signature | None, recorded_ns: int) -> bool:
    if sig is None:
        return True
    # Sub-millisecond digits mean fine timestamps (the kernel tick, <= 10 ms);
    # whole-ms ones may come from a coarse file system (FAT: 2 s).
    window = RACY_NS if sig[1] % 1_000_000 == 0 else FINE_RACY_NS
    return sig[1] >= recorded_ns - window


def digest(*parts: object) -> str:
    """A SHA-256 over the parts, each length-prefixed so ("ab","c") != ("a","bc")."""
    chunks = []
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass")
        chunks += (len(data).to_bytes(8, "little"), data)
    return hashlib.sha256(b"".join(chunks)).hexdigest()


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """sitegen's own source, the Python version and the libraries that shape output."""
    from importlib import metadata
    parts: list[object] = [sys.version, FORMAT]
    for name in DEPENDENCIES:
        try:
            parts.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name}=none")
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts += [path.relative_to(PACKAGE_DIR).as_posix(), path.read_bytes()]
    return digest(*parts)


def folder_fingerprint(folders: Iterable[Path]) -> str:
    """Names and bytes of every file under the folders (themes: small, read whole)."""
    parts: list[object] = []
    for folder in folders:
        parts.append(str(folder))
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    parts += [path.relative_to(folder).as_posix(), path.read_bytes()]
    return digest(*parts)


def kept_on(obj: Any, name: str, produce: Callable[[], Any]) -> Any:
    """`produce()`, computed once per object: for frozen model objects, which never change."""
    found = obj.__dict__.get(name, _MISSING)
    if found is _MISSING:
        found = produce()
        object.__setattr__(obj, name, found)
    return found


def config_fingerprint(config: SiteConfig) -> str:
    # Asked for once per episode file; a SiteConfig never changes, so it is kept on it
    # (with the code it was made by, should the config ever come back from a pickle).
    code = code_fingerprint()
    return kept_on(config, f"_fingerprint_{code[:16]}", lambda: digest(repr(config), code))


def episode_fingerprint(episode: Episode) -> str:
    """Everything an episode is made of besides the site config (keyed separately)."""
    # Asked for by every file made from the episode: kept on it.
    return kept_on(episode, "_fingerprint", lambda: digest(
        episode.digest, episode.source, episode.slug, repr(episode.audio), episode.draft))


# --- sealing -----------------------------------------------------------------

def _secret_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sitegen" / "cache-key"


@lru_cache(maxsize=1)
def _secret() -> bytes:
    """The per-user key; without a writable home, a per-process one (no reuse across runs)."""
    path = _secret_path()
    try:
        data = path.read_bytes()
        if len(data) == 32:
            return data
    except OSError:
        pass
    key = secrets.token_bytes(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".cache-key.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        os.replace(tmp, path)
    except OSError as exc:
        log.debug("cache key not saved (%s); the cache lasts this process only", exc)
    return key


def _mac(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, key=_secret(), digest_size=32).digest()


def seal(payload: bytes) -> bytes:
    return FORMAT + _mac(payload) + payload


def unseal(blob: bytes) -> bytes | None:
    """The payload, or None when the blob is not ours, truncated or tampered with."""
    head = len(FORMAT)
    if len(blob) < head + 32 or not blob.startswith(FORMAT):
        return None
    payload = blob[head + 32:]
    return payload if hmac.compare_digest(blob[head:head + 32], _mac(payload)) else None


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def read_sealed(path: Path) -> bytes | None:
    try:
        return unseal(path.read_bytes())
    except OSError:
        return None


# --- parsed episodes -----------------------------------------------------------

@dataclass(frozen=True)
class EpisodeEntry:
    """One parsed episode file and what it was made from."""
    path: str
    signature: Signature
    recorded_ns: int
    config_key: str
    audio: tuple[str, Signature | None] | None
    episode: Episode
    problems: tuple[Problem, ...]


Loader = Callable[[Path, SiteConfig, Problems], "Episode | None"]


class EpisodeStore:
    """Parsed episodes by source path, in memory and (when `folder`) on disk."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.entries: dict[str, EpisodeEntry] = {}
        self.used: set[str] = set()
        self.dirty: set[str] = set()
        self.parsed = 0
        self.pruned = False   # files of episodes deleted before this process started
        # Signatures the build's walk of the inputs took just before loading (build());
        # a path not in it is stat'ed here.
        self.seen: dict[str, Signature | None] = {}

    def _signature(self, path: str) -> Signature | None:
        found = self.seen.get(path)
        return found if found is not None else signature(path)

    def _file(self, path: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{digest(path)[:32]}.pickle"

    def _entry(self, path: str) -> EpisodeEntry | None:
        entry = self.entries.get(path)
        if entry is None and self.folder is not None:
            entry = self._read(path)
            if entry is not None:
                self.entries[path] = entry
        return entry

    def _read(self, path: str) -> EpisodeEntry | None:
        payload = read_sealed(self._file(path))
        if payload is None:
            return None
        try:
            entry = pickle.loads(payload)
        except Exception as exc:  # a sealed but unreadable entry: old classes, say
            log.debug("ignoring cache entry for %s: %s", path, exc)
            return None
        ok = isinstance(entry, EpisodeEntry) and entry.path == path
        return entry if ok else None

    def load(self, path: Path, config: SiteConfig, problems: Problems) -> Episode | None:
        """The episode at `path`, parsed by `parse` unless an entry still holds."""
        from sitegen.source.episode import parse_episode, read_text
        key = str(path)
        self.used.add(key)
        config_key = config_fingerprint(config)
        sig = self._signature(key)
        entry = self._entry(key)
        if entry is not None and self._fresh(entry, sig, config_key):
            problems.extend(entry.problems)
            return entry.episode
        found = Problems()
        text = read_text(path, found)
        if text is not None and entry is not None and entry.config_key == config_key \
                and self._audio_fresh(entry) \
                and hashlib.sha256(text.encode()).hexdigest() == entry.episode.digest:
            self._remember(entry, sig, entry.episode, list(entry.problems), config_key)
            problems.extend(entry.problems)
            return entry.episode
        episode = parse_episode(text, path, config, found) if text is not None else None
        self.parsed += 1
        problems.extend(found.items)
        if episode is not None and not found.errors and sig is not None:
            self._remember(entry, sig, episode, found.items, config_key, key)
        return episode

    def preload(self, paths: list[Path], config: SiteConfig, jobs: int) -> None:
        """Parse the stale files among `paths` in two processes, ahead of `load`
        (which alone checks where a symlink points: pass regular files).

        Silent: problems are replayed by `load`, and a file that fails to parse
        is simply parsed again there, so its errors are reported as usual.
        """
        config_key = config_fingerprint(config)
        stale = [p for p in paths if not self._is_fresh(p, config_key)]
        if jobs < 2 or len(stale) < PRELOAD_MIN:
            return
        half = round(len(stale) * PRELOAD_PARENT_SHARE)
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child parses the second half, saves it and sends it back
            os.close(reader)
            try:  # the entries as pickled for the cache: pickling them again costs
                data = pickle.dumps([(pickled, saved) for _, pickled, saved in
                                     self._parse_and_save(stale[half:], config, config_key)],
                                    protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException:
                data = b""
            with os.fdopen(writer, "wb") as out:
                out.write(data)
            os._exit(0)
        os.close(writer)
        try:
            mine = [(entry, saved) for entry, _, saved in
                    self._parse_and_save(stale[:half], config, config_key)]
        finally:
            with os.fdopen(reader, "rb") as incoming:
                data = incoming.read()
            os.waitpid(pid, 0)
        theirs = [(pickle.loads(pickled), saved)
                  for pickled, saved in (pickle.loads(data) if data else [])]
        for entry, saved in mine + theirs:
            self.entries[entry.path] = entry
            if not saved:
                self.dirty.add(entry.path)

    def _parse_and_save(self, paths: list[Path], config: SiteConfig, config_key: str
                        ) -> list[tuple[EpisodeEntry, bytes, bool]]:
        """Parse `paths` and write their entries at once (both processes of a preload
        write their own half): each entry, pickled, and whether it was saved."""
        entries = [e for e in (self._parse(p, config, config_key) for p in paths)
                   if e is not None]
        made = []
        for entry in entries:
            pickled = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
            made.append((entry, pickled, self._write(entry.path, pickled)))
        return made

    def _write(self, path: str, pickled: bytes) -> bool:
        if self.folder is None:
            return False
        try:
            write_atomic(self._file(path), seal(pickled))
        except OSError as exc:   # saved with the rest by save(), or not at all
            log.debug("episode cache entry not written now (%s)", exc)
            return False
        return True

    def _is_fresh(self, path: Path, config_key: str) -> bool:
        entry = self._entry(str(path))
        return entry is not None and self._fresh(entry, self._signature(str(path)), config_key)

    def _parse(self, path: Path, config: SiteConfig, config_key: str) -> EpisodeEntry | None:
        from sitegen.source.episode import parse_episode, read_text
        found = Problems()
        sig = self._signature(str(path))
        text = read_text(path, found)
        episode = parse_episode(text, path, config, found) if text is not None else None
        if episode is None or found.errors or sig is None:
            return None
        audio = None
        if episode.audio is not None and episode.audio.local_path is not None:
            local = str(episode.audio.local_path)
            audio = (local, self._signature(local))
        self.parsed += 1
        return EpisodeEntry(str(path), sig, time.time_ns(), config_key, audio, episode,
                            tuple(found.items))

    def _fresh(self, entry: EpisodeEntry, sig: Signature | None, config_key: str) -> bool:
        return (sig is not None and entry.signature == sig and entry.config_key == config_key
                and not is_racy(sig, entry.recorded_ns) and self._audio_fresh(entry))

    def _audio_fresh(self, entry: EpisodeEntry) -> bool:
        if entry.audio is None:
            return True
        audio_path, audio_sig = entry.audio
        now = self._signature(audio_path)
        return now is not None and now == audio_sig and not is_racy(now, entry.recorded_ns)

    def _remember(self, old: EpisodeEntry | None, sig: Signature, episode: Episode,
                  problems: list[Problem], config_key: str, key: str | None = None) -> None:
        key = key or (old.path if old else str(episode.source))
        audio = None
        if episode.audio is not None and episode.audio.local_path is not None:
            local = str(episode.audio.local_path)
            audio = (local, self._signature(local))
        self.entries[key] = EpisodeEntry(key, sig, time.time_ns(), config_key, audio, episode,
                                         tuple(problems))
        self.dirty.add(key)

    def save(self) -> None:
        """Write changed entries; forget (and delete) the ones no build asked for."""
        for key in set(self.entries) - self.used:
            del self.entries[key]
            self.dirty.discard(key)
            if self.folder is not None:
                self._file(key).unlink(missing_ok=True)
        if self.folder is not None:
            for key in self.dirty:
                data = pickle.dumps(self.entries[key], protocol=pickle.HIGHEST_PROTOCOL)
                write_atomic(self._file(key), seal(data))
            if not self.pruned:  # later deletions are unlinked above, as they happen
                self._prune()
                self.pruned = True
        self.dirty.clear()
        self.used.clear()

    def _prune(self) -> None:
        """Entry files of episodes that no longer exist (e.g. deleted between runs)."""
        assert self.folder is not None
        keep = {self._file(k).name for k in self.entries}
        for path in self.folder.glob("*.pickle"):
            if path.name not in keep and self.folder.parent.exists():
                path.unlink(missing_ok=True)


# --- derived data ---------------------------------------------------------------

class MemoStore:
    """Values computed from one episode (search records, feed items...), by key.

    The key covers the episode's fingerprint, the build scope and sitegen's code;
    values must pickle. Kept in memory for a session and sealed on disk.
    """

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.values: dict[str, Any] = {}
        self.used: set[str] = set()
        self.dirty: set[str] = set()     # values not on disk yet
        # keys whose values another process wrote (a forked build process), not in `values`
        self.stored_elsewhere: set[str] = set()
        self._swept = False    # the folder holds no file of a value this store dropped

    def get(self, key: str, produce: Callable[[], Any]) -> Any:
        self.used.add(key)
        if key in self.values:
            return self.values[key]
        value = self._read(key)
        if value is _MISSING:
            value = produce()
            # Written now, by the process that made it: both build processes write
            # their own (thousands of feed items on a cold build), and nothing is
            # pickled to the other one or left for the serial end of the build.
            if not self._write(key, value):
                self.dirty.add(key)
        self.values[key] = value
        return value

    def _write(self, key: str, value: Any) -> bool:
        if self.folder is None:
            return False
        data = pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            write_atomic(self.folder / f"{key[:40]}.pickle", seal(data))
        except OSError as exc:  # save() tries again, and says so if it fails too
            log.debug("memo %s not written now (%s)", key[:12], exc)
            return False
        return True

    def recall(self, key: str) -> Any:
        """The value kept under `key` by this or an earlier build, or None: nothing is
        computed. Counts as used, as `get` does."""
        self.used.add(key)
        if key in self.values:
            return self.values[key]
        value = self._read(key)
        if value is _MISSING:
            return None
        self.values[key] = value
        return value

    def _read(self, key: str) -> Any:
        if self.folder is None:
            return _MISSING
        payload = read_sealed(self.folder / f"{key[:40]}.pickle")
        if payload is None:
            return _MISSING
        try:
            stored_key, value = pickle.loads(payload)
        except Exception as exc:  # sealed by us but unreadable now: recompute
            log.debug("ignoring memo %s: %s", key[:12], exc)
            return _MISSING
        return value if stored_key == key else _MISSING

    def save(self) -> None:
        """Write new values; drop those no build asked for this time."""
        stale = set(self.values) - self.used
        for key in stale:
            del self.values[key]
        stale |= self.stored_elsewhere - self.used
        self.stored_elsewhere &= self.used
        if self.folder is not None:
            for key in self.dirty & self.used:
                data = pickle.dumps((key, self.values[key]), protocol=pickle.HIGHEST_PROTOCOL)
                write_atomic(self.folder / f"{key[:40]}.pickle", seal(data))
            self._remove(stale)
        self.dirty.clear()
        self.used.clear()

    def _remove(self, stale: set[str]) -> None:
        """Delete the files of stale values: the first save in a process sweeps the
        folder (files of earlier processes); later ones know what they dropped."""
        assert self.folder is not None
        keep = {f"{key[:40]}.pickle" for key in self.used}
        if self._swept:
            names = {f"{key[:40]}.pickle" for key in stale} - keep
            paths = [self.folder / name for name in names]
        else:
            paths = [path for path in self.folder.glob("*.pickle") if path.name not in keep]
            self._swept = True
        for path in paths:
            path.unlink(missing_ok=True)


_MISSING = object()


# --- published files ------------------------------------------------------------

@dataclass(frozen=True)
class FileRecord:
    """A published file: the key it was made from, and its stat when published."""
    key: str | None
    size: int
    mtime_ns: int
    inode: int

    def matches(self, path: Path | str) -> bool:
        try:
            return self.matches_stat(os.stat(path))
        except OSError:
            return False

    def matches_stat(self, st: os.stat_result) -> bool:
        return (st.st_size, st.st_mtime_ns, st.st_ino) == (self.size, self.mtime_ns, self.inode)


def record_for(path: Path, key: str | None) -> FileRecord:
    st = os.stat(path)
    return FileRecord(key, st.st_size, st.st_mtime_ns, st.st_ino)


@dataclass
class Manifest:
    """What an output folder holds, and the input state it was built from."""
    target: str
    files: dict[str, FileRecord] = field(default_factory=dict)
    inputs: str = ""
    recorded_ns: int = 0
    episodes: int = 0
    warnings: list[Problem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)   # seconds per phase
    groups: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # Staging's

    def to_bytes(self) -> bytes:
        data = {
            "target": self.target, "inputs": self.inputs, "recorded_ns": self.recorded_ns,
            "episodes": self.episodes, "timings": self.timings,
            "groups": self.groups,
            "files": {rel: [r.key, r.size, r.mtime_ns, r.inode] for rel, r in self.files.items()},
            "warnings": [[p.message, str(p.path) if p.path else None, p.line, p.hint,
                          p.severity] for p in self.warnings],
        }
        return json.dumps(data, separators=(",", ":"), sort_keys=True).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> "Manifest":
        raw = json.loads(data)
        files = {str(rel): FileRecord(v[0], int(v[1]), int(v[2]), int(v[3]))
                 for rel, v in raw["files"].items()}
        warnings = [Problem(m, Path(p) if p else None, line, hint, sev)
                    for m, p, line, hint, sev in raw["warnings"]]
        timings = {str(k): float(v) for k, v in raw["timings"].items()}
        groups = {str(name): (str(key), [str(rel) for rel in rels])
                  for name, (key, rels) in raw.get("groups", {}).items()}
        return cls(str(raw["target"]), files, str(raw["inputs"]), int(raw["recorded_ns"]),
                   int(raw["episodes"]), warnings, timings, groups)


def manifest_path(cache_root: Path, target: Path) -> Path:
    return cache_root / "outputs" / f"{digest(str(target))[:32]}.json"


def load_manifest(cache_root: Path, target: Path) -> Manifest | None:
    payload = read_sealed(manifest_path(cache_root, target))
    if payload is None:
        return None
    try:
        manifest = Manifest.from_bytes(payload)
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        log.debug("ignoring output manifest: %s", exc)
        return None
    return manifest if manifest.target == str(target) else None


def save_manifest(cache_root: Path, manifest: Manifest) -> None:
    write_atomic(manifest_path(cache_root, Path(manifest.target)), seal(manifest.to_bytes()))


def forget_manifest(cache_root: Path, target: Path) -> None:
    manifest_path(cache_root, target).unlink(missing_ok=True)


def inputs_fingerprint(root: Path, skip: Iterable[Path], extra: Iterable[object],
                       recorded_ns: int, seen: dict[str, Signature | None] | None = None
                       ) -> tuple[str, bool]:
    """Stat of every file in the site folder (outside `skip` and dot-folders), and
    whether any changed so recently (after `recorded_ns` - RACY_NS) that its stat
    alone cannot prove it unchanged: then the caller must really build. Each file's
    signature goes into `seen`, by path, when given.
    """
    seen = {} if seen is None else seen
    skipped = {str(p) for p in skip}
    parts: list[object] = list(extra)
    racy = False
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and os.path.join(folder, d) not in skipped)
        for name in sorted(files):
            path = os.path.join(folder, name)
            sig = seen[path] = signature(path)
            racy = racy or is_racy(sig, recorded_ns)
            parts += [path, sig]
    return digest(*parts), racy


# --- the session ------------------------------------------------------------------

@dataclass
class BuildSession:
    """What a long-running process (the dev server) keeps between `build()` calls.

    Pass the same object to every `build(options, session=...)`: parsed episodes,
    the output manifest and the compiled templates stay in memory, so a rebuild
    reads from disk only the files that changed. The site each output was last built
    from lets phases skip the episodes that are the very same objects (an unchanged
    file gives back the same Episode). Not shared between threads.
    """
    episodes: EpisodeStore | None = None
    memos: MemoStore | None = None
    manifests: dict[str, Manifest] = field(default_factory=dict)
    templates: dict[str, bytes] = field(default_factory=dict)   # compiled, by source hash
    site: Any = None              # the last Site built, returned when nothing changed
    # By output folder: (scope, options, Site) of the last build that wrote it, whose
    # manifest is in `manifests`; its episodes are the objects that output was made from.
    built: dict[str, tuple[str, Any, Any]] = field(default_factory=dict)
    config: tuple[Any, Any, tuple[Problem, ...]] | None = None   # site.yaml: bytes, parsed
    commit_lock: Any = None       # held while the live output changes in place (serve)
    resident: dict[str, Any] = field(default_factory=dict)   # phases' in-memory state
    # Write the output's manifest to the cache, for the next process building the same
    # folder; a dev server's temporary output has no next process.
    persist_manifest: bool = True


def template_cache(folder: Path | None, memory: dict[str, bytes]) -> Any:
    """A Jinja2 bytecode cache: in `memory`, and sealed on disk under `folder`.

    Compiled templates are code; a foreign or tampered file fails the seal and the
    template is compiled afresh.
    """
    import jinja2

    class SealedBytecodeCache(jinja2.BytecodeCache):
        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            name = digest(bucket.key, bucket.checksum, code_fingerprint())[:32]
            data = memory.get(name)
            if data is None and folder is not None:
                data = read_sealed(folder / name)
            if data is not None:
                memory[name] = data
                bucket.bytecode_from_string(data)

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            name = digest(bucket.key, bucket.checksum, code_fingerprint())[:32]
            data = bucket.bytecode_to_string()
            memory[name] = data
            if folder is not None:
                try:
                    write_atomic(folder / name, seal(data))
                except OSError as exc:
                    log.debug("template cache not saved: %s", exc)

    return SealedBytecodeCache()
