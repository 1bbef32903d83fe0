"""Bounded random integers drawn in Python from a buffer of the bit generator's raw words.

``numpy.random.Generator.integers`` draws an integer below ``n <= 2**32`` with Lemire's nearly
divisionless method (D. Lemire, "Fast Random Integer Generation in an Interval", ACM TOMACS 29(1),
2019) from 32-bit halves of the bit generator's 64-bit outputs. Each call also pays ~5–10 µs of
argument handling, which is most of what a tournament and a mutation cost in regularized
evolution. :class:`BufferedIntegers` reads the raw outputs in blocks and runs the same method in
Python (~0.3 µs a draw), so it returns **exactly** the integers the generator's own ``integers``
calls would have returned, in the same order (``tests/nas_sim/test_buffered_integers.py``
checks it against numpy over many bounds and seeds).

It owns the generator while it buffers: the generator has then been advanced past draws not yet
used. Any other use goes through the wrapper, which first puts the generator exactly where the
direct calls would have left it and then stops buffering for good (:meth:`release`), so a caller
that also needs ``random``, ``choice`` and the like still gets the direct stream.
Only ``PCG64`` (numpy's default) is buffered; with another bit generator every call is direct.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_MASK32 = 0xFFFFFFFF
_SPAN_MAX = 1 << 32  # numpy's 32-bit method covers spans up to 2**32
_INT64_MIN, _INT64_END = -(1 << 63), 1 << 63  # int64 bounds: low >= MIN, high <= END
#: 64-bit words read per refill (2,048 draws): a few µs once per about a hundred tournaments
BLOCK_WORDS = 1024


class BufferedIntegers:
    """A stand-in for a ``numpy.random.Generator`` whose bounded ``integers`` calls are fast.

    ``integers(low, high=None, size=None)`` with the default int64 dtype, Python or numpy integer
    bounds inside int64 and a span of 1 to 2**32 is served from the buffer (a scalar comes back
    as a Python int of the value numpy's ``np.int64`` would hold); everything else (other
    methods, dtypes, ``endpoint``, wider spans, invalid arguments) releases the buffer and goes
    to the generator itself, so numpy raises its own errors.

    Whoever holds the wrapper must not draw from the wrapped generator directly while it buffers:
    the generator is then ahead of the stream, and :meth:`release` rewinds it to where the stream
    is, so those numbers would come round again. Code that checks ``isinstance(rng,
    np.random.Generator)`` does not accept the wrapper; spaces declare whether theirs may receive
    it (:attr:`nas_sim.search_space.SearchSpace.draws_bounded_integers_only`).
    """

    def __init__(self, generator: np.random.Generator) -> None:
        self.generator = generator
        self._bits = generator.bit_generator
        self._buffering = type(self._bits) is np.random.PCG64
        self._buf: list[int] = []
        self._i = 0
        self._state0: dict[str, Any] | None = None  # the generator's state before the block
        self._prefix = 0  # 1 when the block starts with the generator's stored upper half
        self._halves = np.empty(0, dtype=np.uint64)  # the block as an array, for the tables
        # Lemire's outcome at every position of the block for one bound, built once a bound is
        # asked twice in a row (a tournament's population size): bound -> (draws, positions
        # where the method would reject); cleared with each block
        self._tables: dict[int, tuple[list[int], list[int]]] = {}
        self._last_many = 0  # the bound of the previous below_many call

    # ----------------------------------------------------------------- the stream
    def _refill(self) -> None:
        state = dict(self._bits.state)
        if self._buf:
            # the previous block is used up; direct calls would have left its last upper half
            # as the generator's (stale) stored half
            state = {**state, "has_uint32": 0, "uinteger": self._buf[-1]}
            self._bits.state = state
        self._state0 = state
        # PCG64 hands out 32-bit values as the lower, then the upper half of each 64-bit output,
        # keeping a pending upper half in its state between calls
        buf = [state["uinteger"]] if state["has_uint32"] else []
        self._prefix = len(buf)
        if buf:
            self._bits.state = {**state, "has_uint32": 0}
        raw = self._bits.random_raw(BLOCK_WORDS)
        halves = np.empty(len(buf) + 2 * len(raw), dtype=np.uint64)
        halves[: len(buf)] = buf
        # the lower half is handed out first
        halves[len(buf) :: 2], halves[len(buf) + 1 :: 2] = raw & _MASK32, raw >> 32
        self._buf, self._i, self._halves = halves.tolist(), 0, halves
        self._tables = {}

    def _table(self, n: int) -> tuple[list[int], list[int]]:
        """Every position's Lemire outcome for bound ``n``: the draw ``(x * n) >> 32`` and the
        positions where ``(x * n) mod 2**32`` falls below the rejection threshold."""
        m = self._halves * np.uint64(n)  # x < 2**32 and n <= 2**32: no overflow
        threshold = (_MASK32 - n + 1) % n
        table = (m >> np.uint64(32)).tolist(), np.flatnonzero((m & _MASK32) < threshold).tolist()
        self._tables[n] = table
        return table

    def below(self, n: int) -> int:
        """A uniform integer in ``[0, n)``: numpy's ``integers(n)``, as a Python int."""
        if not (self._buffering and type(n) is int and 1 <= n <= _SPAN_MAX):
            return int(self._direct().integers(n))
        if n == 1:
            return 0  # numpy draws nothing for an empty range
        if self._i == len(self._buf):
            self._refill()
        m = self._buf[self._i] * n
        self._i += 1
        low = m & _MASK32
        if low < n:
            threshold = (_MASK32 - n + 1) % n
            while low < threshold:
                if self._i == len(self._buf):
                    self._refill()
                m = self._buf[self._i] * n
                self._i += 1
                low = m & _MASK32
        return m >> 32

    def below_many(self, n: int, k: int) -> list[int]:
        """``k`` uniform integers in ``[0, n)``: numpy's ``integers(n, size=k).tolist()``."""
        if not (
            self._buffering and type(n) is int and 1 <= n <= _SPAN_MAX and type(k) is int and k >= 0
        ):
            return list(self._direct().integers(n, size=k).tolist())
        if n == 1:
            return [0] * k
        i, stop = self._i, self._i + k
        if n == self._last_many and stop <= len(self._buf):
            # the same bound as last time: slice this block's table, unless one of the k
            # positions would be rejected (about k * n / 2**32 of calls), which the loop handles
            draws, rejected = self._tables.get(n) or self._table(n)
            if not rejected or all(r < i or r >= stop for r in rejected):
                self._i = stop
                return draws[i:stop]
        self._last_many = n
        # :meth:`below` inlined: a tournament's draws are most of what it costs
        out: list[int] = []
        buf, i, end = self._buf, self._i, len(self._buf)
        threshold = -1
        while len(out) < k:
            if i == end:
                self._i = i
                self._refill()
                buf, i, end = self._buf, 0, len(self._buf)
            m = buf[i] * n
            i += 1
            low = m & _MASK32
            if low < n:
                if threshold < 0:
                    threshold = (_MASK32 - n + 1) % n
                if low < threshold:
                    continue  # rejected: numpy draws again for the same value
            out.append(m >> 32)
        self._i = i
        return out

    def integers(
        self,
        low: Any,
        high: Any = None,
        size: Any = None,
        dtype: Any = np.int64,
        endpoint: bool = False,
    ) -> Any:
        """``Generator.integers``: from the buffer where numpy would use Lemire's 32-bit method."""
        if (
            high is None
            and size is None
            and type(low) is int
            and 1 <= low <= _SPAN_MAX
            and endpoint is False
            and dtype is np.int64
        ):
            return self.below(low)  # the common call, integers(n), without the general checks
        if high is None:
            low, high = 0, low
        if (
            self._buffering
            and dtype is np.int64
            and endpoint is False
            and _is_int(low)
            and _is_int(high)
            and _INT64_MIN <= int(low)
            and int(high) <= _INT64_END
            and 1 <= int(high) - int(low) <= _SPAN_MAX
        ):
            lo, span = int(low), int(high) - int(low)
            if size is None:
                return lo + self.below(span)
            if _is_int(size) and size >= 0:
                return np.array([lo + self.below(span) for _ in range(int(size))], dtype=np.int64)
        return self._direct().integers(low, high, size, dtype, endpoint)

    # ------------------------------------------------------------------ the rest
    def _direct(self) -> np.random.Generator:
        return self.release() if self._buffering else self.generator

    def release(self) -> np.random.Generator:
        """Stop buffering and leave the generator exactly where direct calls would have left it."""
        if self._buffering and self._state0 is not None:
            used = self._i - self._prefix  # 32-bit values used from the block's raw words
            if used < 0:  # nothing was drawn, not even the stored upper half
                self._bits.state = self._state0
            else:
                # the stored upper half, if any, was used: it stays behind as the stale value
                self._bits.state = {**self._state0, "has_uint32": 0}
                words = (used + 1) // 2
                if words:
                    self._bits.random_raw(words)  # the words the direct calls would have read
                state = self._bits.state
                if used % 2:  # the upper half of the last word read is still pending
                    self._bits.state = {**state, "has_uint32": 1, "uinteger": self._buf[self._i]}
                elif used:  # the last value used was an upper half: the stale stored one
                    self._bits.state = {
                        **state,
                        "has_uint32": 0,
                        "uinteger": self._buf[self._i - 1],
                    }
        self._buffering = False
        self._buf, self._i, self._state0 = [], 0, None
        self._halves, self._tables = np.empty(0, dtype=np.uint64), {}
        return self.generator

    def __getattr__(self, name: str) -> Any:
        # only reached for names the wrapper lacks. Private and special names (copy's and
        # pickle's __setstate__, __deepcopy__, or attributes of a half-built instance) are not
        # the generator's business; looking them up there would recurse through release()
        if name.startswith("_"):
            raise AttributeError(name)
        # any other Generator method: the generator must first be where the stream left it
        return getattr(self.release(), name)


def _is_int(x: Any) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))
