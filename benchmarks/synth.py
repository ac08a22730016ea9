"""A synthetic podcast archive in sitegen's source format, for benchmarks.

    from benchmarks.synth import generate
    site = generate(Path("/tmp/big"), n=1000, seed=1)   # -> /tmp/big (site folder)
    # sitegen build --site /tmp/big --output /tmp/big-public

or from the shell: `python benchmarks/synth.py /tmp/big -n 1000 --seed 1`.

Stable API (other benchmarks import it):
- `generate(dest, n, seed=0, *, words=10_000, turns=150) -> Path` writes
  `dest/site.yaml` and `dest/content/episodes/*.md` (one file per episode) and
  returns `dest`. Existing episode files in `dest` are replaced. Same arguments,
  same bytes: output depends only on (n, seed, words, turns).
- `vocabulary(seed=0) -> list[str]` the word list, most frequent first.
- `PHRASE` a sentence planted once, in the transcript of episode 1 (the oldest),
  so a benchmark can search for a phrase with exactly one hit.

Each episode: an hour long (55-65 min), `words` words of transcript in about
`turns` turns of 2-4 speakers (two hosts from site.yaml, 0-2 guests), 15-20
chapters, show notes with a list and a link, and remote audio (https URL with
`length` and `duration`, so no audio file is probed). Words are drawn from a
50,000-word vocabulary with Zipf-Mandelbrot frequencies: ~250 real English
function and common words at the head, pronounceable invented words in the tail,
which gives the vocabulary growth of real speech (most of the tail appears
somewhere in a 1,000-episode archive, each rare word in few episodes).
"""
from __future__ import annotations

import argparse
import itertools
import random
import re
import sys
from datetime import date, timedelta
from pathlib import Path

VOCABULARY_SIZE = 50_000
PHRASE = "the lighthouse keeper counted seventeen copper kettles"
HOSTS = (("ada", "Ada Quill"), ("ben", "Ben Okafor"))

_COMMON = """the and to of a I that you it in is was so like we but this they
what know just for have be it's on with not there about yeah really think
one do or are if people all right can so my at as that's from because
when an don't get going he she more would had them some out time up were
thing things kind me your very well actually how lot then which been
no yes also where who good their much our now even said go make first
different see way want could something two years way those these work
mean here say little back other into through why over only because
right need world new pretty being than before three day problem idea
talk bit most let's question use made point sure long great start take
always made maybe never part every same another still many quite years
build data system code design team question answer example people
computer software hardware project company product market energy water
city history science music language reason model number story power
school money book light sound heat metal paper engine signal network
machine memory library research engineer build test version release
""".split()

_ONSETS = ("b bl br c ch cl cr d dr f fl fr g gl gr h j k l m n p pl pr qu r s sh sl "
           "sm sn sp st str t th tr v w z").split()
_VOWELS = "a e i o u a e i o u y ai ea ee oo ou".split()
_CODAS = ("", "", "", "", "n", "r", "s", "t", "l", "m", "nd", "nt", "st", "rk", "ng", "ck", "x")
_FIRST = ("Maya Jonas Leila Omar Grace Felix Nadia Theo Ines Rafael Clara Kenji Amara "
          "Lukas Sofia Mateo Hana Ezra Yara Idris Talia Bruno Esme Tariq Vera").split()
_LAST = ("Lindqvist Mbeki Rossi Tanaka Novak Haddad Fischer Alvarez Kowalski Osei "
         "Brennan Duarte Sato Adeyemi Varga Holm Castillo Petrov Nguyen Quinn").split()


def vocabulary(seed: int = 0) -> list[str]:
    """`VOCABULARY_SIZE` distinct lower-case words, most frequent first."""
    rng = random.Random(f"vocabulary-{seed}")
    words: list[str] = []
    seen: set[str] = set()
    for word in _COMMON:
        if word not in seen:
            seen.add(word)
            words.append(word)
    while len(words) < VOCABULARY_SIZE:
        word = _invented_word(rng)
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def _invented_word(rng: random.Random) -> str:
    syllables = rng.choices((1, 2, 3), weights=(3, 6, 2))[0]
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
                   for _ in range(syllables))


def _zipf_weights(size: int) -> list[float]:
    # Zipf-Mandelbrot: f(r) ~ 1 / (r + 2.7) ** 1.07, close to measured English speech.
    return list(itertools.accumulate(1.0 / (rank + 2.7) ** 1.07 for rank in range(size)))


class _Writer:
    """Draws words, sentences and turns from one seeded random stream."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.words = vocabulary(seed)
        self.cumulative = _zipf_weights(len(self.words))

    def draw(self, count: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cumulative, k=count)

    def sentence(self, count: int) -> str:
        words = self.draw(count)
        words[0] = words[0].capitalize()
        if count > 8 and self.rng.random() < 0.4:
            words[count // 2] += ","
        return " ".join(words) + self.rng.choice((".", ".", ".", "?", "!"))

    def text(self, count: int) -> str:
        sentences = []
        while count > 0:
            length = min(count, self.rng.randint(4, 22))
            sentences.append(self.sentence(length))
            count -= length
        return " ".join(sentences)

    def title(self) -> str:
        return " ".join(w.capitalize() for w in self.draw(self.rng.randint(2, 5))
                        if w.isalpha()) or "Untitled"

    def rare_title(self) -> str:
        # Titles lean on the tail, as real titles name specific things.
        count = self.rng.randint(2, 4)
        picks = [self.words[self.rng.randint(200, 20_000)] for _ in range(count)]
        return " ".join(p.capitalize() for p in picks)


def generate(dest: Path, n: int, seed: int = 0, *, words: int = 10_000,
             turns: int = 150) -> Path:
    """Write a site of `n` episodes into `dest`; returns `dest` (see module doc)."""
    dest = Path(dest)
    episodes = dest / "content" / "episodes"
    episodes.mkdir(parents=True, exist_ok=True)
    for old in episodes.glob("*.md"):
        old.unlink()
    (dest / "site.yaml").write_text(_site_yaml(n), encoding="utf-8")
    writer = _Writer(seed)
    first = date(2026, 1, 1) - timedelta(weeks=n)
    for number in range(1, n + 1):
        day = first + timedelta(weeks=number)
        title = writer.rare_title()
        text = _episode(writer, number, day, title, words, turns)
        slug = f"{number:04d}-" + re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        (episodes / f"{day.isoformat()}-{slug}.md").write_text(text, encoding="utf-8")
    return dest


def _site_yaml(n: int) -> str:
    hosts = "\n".join(f"  {pid}: {{name: {name}, role: host}}" for pid, name in HOSTS)
    return (f"title: Synthetic Archive\n"
            f"description: A generated archive of {n} hour-long episodes for benchmarks.\n"
            "base_url: https://bench.example.com/\n"
            "language: en\n"
            "author: Ada Quill and Ben Okafor\n"
            "owner: {name: Ada Quill, email: ada@example.com}\n"
            "categories: [\"Technology\"]\n"
            "explicit: false\n"
            "episodes_per_page: 20\n"
            f"people:\n{hosts}\n")


def _speakers(writer: _Writer, number: int) -> list[tuple[str, str]]:
    rng = writer.rng
    people = list(HOSTS)
    for index in range(rng.choice((0, 1, 1, 2))):
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        if all(name != existing for _, existing in people):
            people.append((f"guest{index + 1}", name))
    return people


def _episode(writer: _Writer, number: int, day: date, title: str, words: int,
             turns: int) -> str:
    rng = writer.rng
    duration = rng.randint(55 * 60, 65 * 60)
    people = _speakers(writer, number)
    starts = _turn_starts(rng, turns, duration)
    chapters = _chapters(writer, starts, rng.randint(15, 20))
    speaker_lines = "\n".join(
        f"  {pid}: {{}}" if (pid, name) in HOSTS else f"  {pid}: {{name: {name}}}"
        for pid, name in people)
    front = (
        "---\n"
        f"title: \"{title}\"\n"
        f"date: {day.isoformat()} 09:00\n"
        f"number: {number}\n"
        f"summary: \"{writer.text(rng.randint(20, 40))}\"\n"
        f"audio: {{url: \"https://cdn.bench.example.com/audio/{number:04d}.mp3\", "
        f"length: {duration * 16_000}, duration: {duration}}}\n"
        f"guid: synth-{number:05d}\n"
        f"speakers:\n{speaker_lines}\n"
        "chapters:\n" + "".join(f"  - \"{c}\"\n" for c in chapters) +
        "---\n")
    notes = _notes(writer, number)
    body = _transcript(writer, people, starts, words, plant=number == 1)
    return front + notes + "\n## Transcript\n\n" + body


def _turn_starts(rng: random.Random, turns: int, duration: int) -> list[int]:
    count = max(1, round(turns * rng.uniform(0.9, 1.1)))
    return [0] + sorted(rng.sample(range(5, duration - 30), count - 1))


def _chapters(writer: _Writer, starts: list[int], count: int) -> list[str]:
    chosen = sorted(set([0] + writer.rng.sample(starts[1:], min(count - 1, len(starts) - 1))))
    return [f"{_clock(s)} {writer.title()}" for s in chosen]


def _notes(writer: _Writer, number: int) -> str:
    rng = writer.rng
    items = "\n".join(f"- {writer.text(rng.randint(6, 14))}" for _ in range(rng.randint(3, 6)))
    return (f"{writer.text(rng.randint(50, 90))}\n\nIn this episode:\n\n{items}\n\n"
            f"Read more in [the episode {number} notes]"
            f"(https://bench.example.com/notes/{number}).\n")


def _transcript(writer: _Writer, people: list[tuple[str, str]], starts: list[int],
                words: int, plant: bool) -> str:
    rng = writer.rng
    names = [name for _, name in people]
    weights = [3, 3] + [4] * (len(names) - 2)
    # Turn lengths vary a lot in real talk: short replies and long explanations.
    shares = [rng.lognormvariate(0, 0.9) for _ in starts]
    scale = words / sum(shares)
    previous = None
    out = []
    for index, start in enumerate(starts):
        name = rng.choices(names, weights=weights)[0]
        while name == previous and len(names) > 1:
            name = rng.choices(names, weights=weights)[0]
        previous = name
        count = max(2, round(shares[index] * scale))
        paragraphs = [writer.text(count)] if count < 120 else \
            [writer.text(count // 2), writer.text(count - count // 2)]
        if plant and index == len(starts) // 2:
            paragraphs[0] += " " + PHRASE.capitalize() + "."
        out.append(f"{name}: {_clock(start)} " + "\n\n".join(paragraphs) + "\n")
    return "\n".join(out)


def _clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a synthetic podcast site.")
    parser.add_argument("dest", type=Path)
    parser.add_argument("-n", type=int, default=1000, help="episodes (default 1000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--words", type=int, default=10_000, help="words per episode")
    parser.add_argument("--turns", type=int, default=150, help="turns per episode")
    args = parser.parse_args(argv)
    generate(args.dest, args.n, args.seed, words=args.words, turns=args.turns)
    print(f"wrote {args.n} episodes to {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
