"""What the sandbox's ZIPs hold: two long filler texts and a secret like hackattic's.

hackattic ships two Lovecraft stories (``dunwich_horror.txt``, 123,382 bytes, and
``shunned_house.txt``, 85,036 bytes) and a ``secret.txt`` of four two-word phrases run
together (``rough morningcold cloudquiet seadry star``) and a newline. The stories
themselves are not shipped: filler of the same size and a similar compressibility stands
in for them (the search never looks at their content, only at their encryption headers).
"""

from __future__ import annotations

import random


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


DUNWICH_SIZE = 123_382
SHUNNED_SIZE = 85_036

ADJECTIVES = _words(
    "rough cold quiet dry wild shrill tight bold dark silent ancient autumn billowing "
    "bitter black blue broken calm crimson damp dawn delicate divine empty falling floral "
    "fragrant frosty gentle green hidden holy icy late lingering little lively long misty "
    "muddy nameless old patient polished proud purple red restless rough shy small snowy "
    "solitary sparkling spring still summer sweet throbbing twilight wandering weathered "
    "white winter wispy withered young"
)
NOUNS = _words(
    "morning cloud sea star butterfly sun shape forest waterfall river breeze moon rain "
    "wind snow lake sunset pine shadow leaf dawn glitter field fire flower firefly "
    "feather grass haze mountain night pond darkness snowflake silence sound sky smoke "
    "dew meadow wood dream cherry tree fog frost voice paper frog thunder bird glade"
)
_STORY_WORDS = _words(
    "the of and a to in was that it he his with had as for on which at by from old hills "
    "whateley dunwich wilbur village house night strange thing came seemed upon across "
    "those dark ancient country valley river stone folk great shunned horror curious "
    "could would might never always beyond silent door wall cellar earth mould fungous "
    "odour vapour shape fear certain doctor uncle street providence hill grave things "
    "armitage library book formula sound voice wind whippoorwills sentinel altar"
)


def secret_text(rng: random.Random) -> str:
    """Four adjective-noun phrases run together, then a newline (as hackattic's)."""
    return "".join(f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}" for _ in range(4)) + "\n"


_SYLLABLES = _words(
    "ar be ca de el fo ga hi in jo ka lu me no or pe qu ri st th un ve wa ex yo zu an er on"
)
VOCABULARY_SIZE = 3000
"""Made-up words beside the common ones: deflate then shrinks the filler to ~40%, like
the real stories (49,482 of 123,382 bytes)."""


def filler_text(rng: random.Random, size: int) -> bytes:
    """``size`` bytes of prose-like lines (words, commas, paragraphs), ASCII."""
    rare = [
        "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
        for _ in range(VOCABULARY_SIZE)
    ]
    lines: list[str] = []
    length = 0
    while length < size:
        words = [
            rng.choice(_STORY_WORDS) if rng.random() < 0.45 else rng.choice(rare)
            for _ in range(rng.randint(9, 13))
        ]
        if rng.random() < 0.3:
            words[rng.randrange(len(words))] += ","
        line = " ".join(words)
        if rng.random() < 0.25:
            line = line[0].upper() + line[1:] + "."
        lines.append(line)
        length += len(line) + 1
        if rng.random() < 0.1:
            lines.append("")
            length += 1
    return ("\n".join(lines) + "\n").encode()[:size]
