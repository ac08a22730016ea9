#!/usr/bin/env bash
# Regenerate the placeholder audio for the Load Path example show.
#
# For every content/episodes/*.md this writes content/audio/<slug>.mp3, where
# <slug> is the file name without its leading YYYY-MM-DD- date. Each file lasts
# as long as the episode's transcript: the last turn's timestamp plus 20 s.
# Content: a soft 220 Hz tone (about -30 dBFS) for the first three seconds, then silence.
# Format: mono, 8 kHz, 8 kbit/s CBR MP3, no ID3 tags, bit-exact output.
#
# Usage: content/tools/make_audio.sh          (needs ffmpeg and awk)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
content="$(dirname "$here")"
mkdir -p "$content/audio"
TAIL_SECONDS=20

for md in "$content"/episodes/*.md; do
    name="$(basename "$md" .md)"
    slug="${name#[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]-}"
    # Seconds of the last "Speaker Name: M:SS" (or H:MM:SS) turn after "## Transcript".
    last="$(awk '
        /^## Transcript$/ { on = 1; next }
        on && match($0, /^[^:]+: [0-9]+:[0-9][0-9](:[0-9][0-9])? /) {
            stamp = substr($0, 1, RLENGTH - 1)
            sub(/^[^:]+: /, "", stamp)
            n = split(stamp, part, ":")
            s = 0
            for (i = 1; i <= n; i++) s = s * 60 + part[i]
            last = s
        }
        END { print last + 0 }
    ' "$md")"
    if [ "$last" -le 0 ]; then
        echo "skip $name: no transcript timestamps found" >&2
        continue
    fi
    duration=$((last + TAIL_SECONDS))
    out="$content/audio/$slug.mp3"
    ffmpeg -y -hide_banner -loglevel error \
        -f lavfi -i "sine=frequency=220:sample_rate=8000:duration=$duration" \
        -af "volume='if(lt(t,3),0.25*min(1,t)*min(1,3-t),0)':eval=frame" \
        -ac 1 -ar 8000 -c:a libmp3lame -b:a 8k \
        -map_metadata -1 -id3v2_version 0 -write_id3v1 0 -bitexact \
        "$out"
    echo "$out: ${duration}s"
done
