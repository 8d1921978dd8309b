"""Per-client token buckets: ``rate`` requests a minute, a burst of one minute's worth."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["TokenBuckets"]


class TokenBuckets:
    """Token buckets keyed by client, in this process only (thread-safe, bounded in memory).

    Each client starts with ``rate`` tokens and regains ``rate / 60`` a second; a request takes
    one. With ``rate == 0`` every request is allowed. At most ``max_clients`` buckets are kept:
    the least recently seen are dropped first (a dropped bucket comes back full, which only
    ever lets a client through earlier, never later).

    >>> clock = iter([0.0, 0.0, 0.0, 30.0]).__next__
    >>> buckets = TokenBuckets(rate=2, clock=clock)
    >>> [buckets.take("a"), buckets.take("a"), buckets.take("a"), buckets.take("a")]
    [0.0, 0.0, 30.0, 0.0]
    """

    def __init__(self, *, rate: int, max_clients: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.capacity = float(max(rate, 1))
        self.per_second = rate / 60.0
        self.max_clients = max_clients
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, stamp

    def take(self, client: str) -> float:
        """Take a token for ``client``: 0.0 when allowed, else the seconds until one is free."""
        if self.rate <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            tokens, stamp = self._buckets.pop(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - stamp) * self.per_second)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.per_second
            self._buckets[client] = (tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return wait

    @staticmethod
    def retry_after(wait: float) -> int:
        """The ``Retry-After`` header value (whole seconds, at least 1) for a wait.

        >>> TokenBuckets.retry_after(0.2), TokenBuckets.retry_after(30.0)
        (1, 30)
        """
        return max(1, math.ceil(wait))
