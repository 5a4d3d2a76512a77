"""The live feed of the demo (`make run`): a fake network writes messages now and then and the
official account is collected from it, as the periodic job would, until stopped."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any


def feed_live(
    write: Callable[[], None],
    collect: Callable[[], Any],
    *,
    every: float,
    collect_every: float,
    limit: int,
    rng: random.Random,
    say: Callable[[str], None],
    label: str = "",
) -> None:
    """Call ``write`` about every ``every`` seconds and ``collect`` (returns a result with ``new`` and
    ``error``) every ``collect_every`` seconds; ``limit`` messages (0: until interrupted), then a
    last collection."""
    written, next_message, next_collect = 0, time.monotonic(), time.monotonic()
    try:
        while not limit or written < limit:
            now = time.monotonic()
            if now >= next_message:
                write()
                written += 1
                next_message = now + rng.uniform(0.5, 1.5) * every
            if now >= next_collect:
                result = collect()
                if result.new or result.error:
                    say(f"{label}собрано {result.new}" + (f", ошибка: {result.error}" if result.error else ""))
                next_collect = now + collect_every
            time.sleep(0.2)
        collect()
    except KeyboardInterrupt:
        pass
