"""Near-duplicate detection: character shingles, one-permutation MinHash, and LSH banding.

Why this design (measured on 2 cores):

- Character shingles work for Chinese, which has no spaces, as well as for English. Texts are
  normalised first (see :mod:`.normalize`), so shingles never straddle punctuation changes.
- One-permutation hashing (each shingle hashed once, its hash picking one of ``bins`` bins and
  each bin keeping its minimum) costs one hash per shingle instead of one per shingle and
  permutation; empty bins of short texts are filled by densification through rotation
  (Shrivastava and Li, ICML 2014), after which the share of equal bins estimates the Jaccard
  similarity. All of it is vectorised with numpy per batch of texts: 100,000 texts of 2,200
  characters took 3.7 s (1.5 s of CPU at 800 characters), where ``datasketch`` (Python-level
  hashing of every shingle) took 1.2 s per 1,000 texts of 2,200 characters, about two minutes
  for 100,000.
- Shingles are hashed in 32 bits (a multiply-xor of their code points, then MurmurHash3's
  32-bit finaliser): the top bits pick the bin and the other 25 are the bin's value. The 64-bit
  arithmetic used before cost five times as much per shingle for no better estimate, since a
  value collision inside a bin of 2**25 values is rare next to the estimate's spread. The hash
  decides which near-duplicates are found only statistically: an export built before this
  change can group a few borderline pairs differently from one built after it.
- LSH splits the signature into ``bands``; texts whose band values are equal in some band are
  candidates, and a candidate becomes a near-duplicate only when its estimated Jaccard
  similarity reaches ``threshold``. Within a bucket each text is checked against the bucket's
  first text and its neighbour, which keeps the work linear even when a bucket is large; the
  grouping's union-find closes the chains.

``METHOD`` names the hashing in every manifest, so an export can be rebuilt byte for byte only
by code that finds the same near-duplicates: ``rapport-minhash/1`` hashed shingles in 64 bits
(exports built before 2026-12-02, whose manifests name no method), ``rapport-minhash/2`` in 32.
A change to the shingles, the hash, the densification or the banding needs a new name.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from exports.background import InOrderThread
from exports.splitting.normalize import code_points, normalized_code_points

_EMPTY = np.uint32(0xFFFFFFFF)  # larger than any bin value, which has at most 31 bits
_MULTIPLIERS = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5]
    + [0x85EBCA77C2B2AE63 + 2 * i for i in range(28)],
    dtype=np.uint64,
)
# Shingles are hashed in 32 bits, which costs a fifth of the 64-bit arithmetic: the low halves
# of the band-key multipliers, which are odd.
_MULTIPLIERS32 = (_MULTIPLIERS & np.uint64(0xFFFFFFFF)).astype(np.uint32)
_ROTATION = np.uint32(0x9E3779B1)  # odd, so rotated values stay spread over 32 bits
METHOD = "rapport-minhash/2"


@dataclass(frozen=True)
class NearDuplicateSettings:
    """Thresholds of near-duplicate detection, recorded in every manifest.

    Measured on the test fixtures (tests/exports/fixtures.py): with 3-character shingles,
    a changed word or character, a dropped letter or an inserted character leaves a Jaccard
    similarity of at least 0.70 (short Chinese texts are the lowest; English stays above 0.78),
    punctuation and whitespace changes leave 1.0, and unrelated texts stay below 0.09. Four
    characters would push short Chinese variants down to 0.63. The threshold of 0.5 sits
    between with room for the estimate's spread (about 0.04 with 128 bins). 32 bands of 4 bins
    make a pair at similarity 0.7 a candidate with probability 0.9998 and one at 0.5 with 0.87,
    so the threshold, not the banding, decides.
    """

    shingle_size: int = 3
    bins: int = 128
    bands: int = 32
    threshold: float = 0.5
    batch_texts: int = 512

    def __post_init__(self) -> None:
        if self.bins & (self.bins - 1) or not 2 <= self.bins <= 1024:
            raise ValueError("bins must be a power of two between 2 and 1024")
        if self.bins % self.bands or self.bins // self.bands > len(_MULTIPLIERS):
            raise ValueError(f"bands must divide bins into at most {len(_MULTIPLIERS)} bins each")
        if not 1 <= self.shingle_size <= len(_MULTIPLIERS):
            raise ValueError(f"shingle_size must be between 1 and {len(_MULTIPLIERS)}")
        if not 0 < self.threshold <= 1:
            raise ValueError("threshold must be in (0, 1]")

    def as_dict(self) -> dict[str, float | int | str]:
        settings: dict[str, float | int | str] = {"method": METHOD}
        settings.update((k, v) for k, v in asdict(self).items() if k != "batch_texts")
        return settings


def _mix(h: np.ndarray) -> np.ndarray:
    """The 64-bit finaliser of MurmurHash3: spreads every input bit over the whole hash."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


# Batches handed to the signature thread and not yet collected: enough to keep it busy while
# the next batch fills, few enough that memory stays bounded.
QUEUED_BATCHES = 2


class SignatureBuilder:
    """Collects texts and computes their signatures a batch at a time (bounded memory).

    Batches are computed in a thread of their own: most of a batch's work is numpy's, which
    runs without the GIL, so it overlaps with the Python work of reading and encoding the next
    items (about a tenth of a 100,000-session export's time). Results are collected in the
    order the batches were made, so the signatures are the same as when computed in turn.
    """

    def __init__(self, settings: NearDuplicateSettings) -> None:
        self.settings = settings
        self._pending: list[str] = []
        self._batches: list[np.ndarray] = []
        self._thread: InOrderThread[np.ndarray] = InOrderThread(
            name="export-minhash", queued=QUEUED_BATCHES
        )

    def add(self, text: str) -> None:
        self._pending.append(text)
        if len(self._pending) >= self.settings.batch_texts:
            self._flush()

    def finish(self) -> np.ndarray:
        """Signatures as an (n, bins) uint32 array; rows of texts with nothing to compare are
        all equal to 0 and must be excluded with :func:`signature_valid`."""
        try:
            self._flush()
        except BaseException:
            self.close()
            raise
        self._batches += self._thread.drain()
        if not self._batches:
            return np.zeros((0, self.settings.bins), dtype=np.uint32)
        signatures = np.concatenate(self._batches)
        self._batches = []
        return signatures

    def close(self) -> None:
        """Stop the thread (after a failure, the batches not started are dropped)."""
        self._thread.close()

    def _flush(self) -> None:
        if self._pending:
            self._batches += self._thread.submit(_signatures, self._pending, self.settings)
            self._pending = []


def _mix32(h: np.ndarray) -> np.ndarray:
    """The 32-bit finaliser of MurmurHash3, in place: a bijection that spreads every input bit
    over the whole hash, so its top bits can pick the bin and the rest serve as the value."""
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def _shingle_hashes(texts: list[str], size: int) -> tuple[np.ndarray, np.ndarray]:
    """32-bit hashes of every shingle of the normalised texts, and the index of the text of each.

    The texts of a batch are folded as one array; a text's kept characters stay contiguous, so
    the shingles that would straddle two texts are the last ``size - 1`` window starts of each
    text, dropped by position rather than by comparing an owner per character.
    """
    folded, kept = normalized_code_points(code_points("".join(texts)))
    sizes = np.array([len(t) for t in texts], dtype=np.int64)
    starts = np.cumsum(sizes) - sizes
    nonempty = np.flatnonzero(sizes)
    lengths = np.zeros(len(texts), dtype=np.int64)
    if nonempty.size:
        # reduceat sums from each start to the next, so empty texts are left out of it.
        lengths[nonempty] = np.add.reduceat(kept.view(np.uint8), starts[nonempty], dtype=np.int64)
    folded = folded[kept]
    short = np.flatnonzero((lengths > 0) & (lengths < size))
    if short.size:
        # A text shorter than a shingle is one shingle, padded with zeros.
        pad = np.repeat(np.cumsum(lengths)[short], size - lengths[short])
        folded = np.insert(folded, pad, np.uint32(0))
        lengths[short] = size
    windows = folded.size - size + 1
    if windows <= 0:
        return np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.intp)
    hashes = folded[:windows] * _MULTIPLIERS32[0]
    for offset in range(1, size):
        hashes ^= folded[offset : offset + windows] * _MULTIPLIERS32[offset]
    inside = np.ones(windows, dtype=bool)
    text_ends = np.cumsum(lengths)[lengths > 0]
    for back in range(1, size):
        crossing = text_ends - back
        inside[crossing[crossing < windows]] = False
    owner = np.repeat(np.arange(len(texts), dtype=np.intp), np.maximum(lengths - size + 1, 0))
    return _mix32(hashes[inside]), owner


def _signatures(texts: list[str], settings: NearDuplicateSettings) -> np.ndarray:
    bins = settings.bins
    hashes, owner = _shingle_hashes(texts, settings.shingle_size)
    value_bits = np.uint32(32 - (bins.bit_length() - 1))
    slots = owner * bins + (hashes >> value_bits)
    table = np.full(len(texts) * bins, _EMPTY, dtype=np.uint32)
    np.minimum.at(table, slots, hashes & np.uint32((1 << int(value_bits)) - 1))
    signatures = table.reshape(len(texts), bins)
    # Most texts fill every bin; only the others need densifying, which measured half the
    # time of a batch when run over all of them.
    sparse = np.flatnonzero((signatures == _EMPTY).any(axis=1))
    if sparse.size:
        signatures[sparse] = _densified(signatures[sparse])
    return signatures


def _densified(minimums: np.ndarray) -> np.ndarray:
    """Rotation densification: an empty bin borrows the next non-empty bin to its right
    (wrapping around), shifted by the distance, so equal texts still get equal signatures;
    rows without any filled bin become all zeros."""
    bins = minimums.shape[1]
    columns = np.arange(bins)
    filled = np.where(minimums != _EMPTY, columns, 3 * bins)
    doubled = np.concatenate([filled, filled + bins], axis=1)
    following = np.minimum.accumulate(doubled[:, ::-1], axis=1)[:, ::-1][:, :bins]
    valid = following < 2 * bins
    source = np.where(valid, following % bins, 0)
    borrowed = np.take_along_axis(minimums, source, axis=1)
    # uint32 arithmetic wraps modulo 2**32, which is the intended shift.
    signatures = borrowed + (following - columns).astype(np.uint32) * _ROTATION
    signatures[~valid.all(axis=1)] = 0
    return signatures


def signature_valid(signatures: np.ndarray) -> np.ndarray:
    # A real signature is never all zeros: its bins hold hashes of different shingles.
    return np.asarray(signatures.any(axis=1))


def _similar(
    signatures: np.ndarray,
    low_bytes: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    threshold: float,
) -> np.ndarray:
    """Which candidate pairs reach the threshold, checked in chunks to bound memory.

    Most candidates are unrelated texts that share one band. Equal bins have equal low bytes,
    so the count of equal low bytes is never below the count of equal bins: a pair whose low
    bytes fall short cannot reach the threshold, and only the others are compared in full.
    Reading a quarter of each signature this way halved the time of the comparisons.
    """
    keep = np.zeros(left.size, dtype=bool)
    needed = int(np.ceil(threshold * signatures.shape[1]))
    for start in range(0, left.size, 16_384):
        part = slice(start, start + 16_384)
        lefts, rights = left[part], right[part]
        maybe = np.flatnonzero(
            np.count_nonzero(low_bytes[lefts] == low_bytes[rights], axis=1) >= needed
        )
        equal = np.count_nonzero(signatures[lefts[maybe]] == signatures[rights[maybe]], axis=1)
        keep[start + maybe[equal >= needed]] = True
    return keep


def near_duplicate_pairs(*, signatures: np.ndarray, settings: NearDuplicateSettings) -> np.ndarray:
    """Index pairs (k, 2) of texts whose estimated Jaccard similarity reaches the threshold."""
    rows = np.flatnonzero(signature_valid(signatures))
    width = settings.bins // settings.bands
    # The low byte of every bin, for the first, cheap test of each candidate (see _similar).
    low_bytes = signatures.astype(np.uint8)
    found = [np.zeros((0, 2), dtype=np.int64)]
    for band in range(settings.bands):
        block = signatures[rows, band * width : (band + 1) * width].astype(np.uint64)
        keys = np.zeros(rows.size, dtype=np.uint64)
        for column in range(width):
            keys = _mix(keys ^ (block[:, column] * _MULTIPLIERS[column]))
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        members = rows[order]
        starts = np.r_[True, keys[1:] != keys[:-1]]
        follower = np.flatnonzero(~starts)
        if not follower.size:
            continue
        leader = np.maximum.accumulate(np.where(starts, np.arange(keys.size), 0))
        # A follower right after its leader has its leader as neighbour: one comparison.
        neighbour = follower[leader[follower] != follower - 1]
        left = np.concatenate([members[leader[follower]], members[neighbour - 1]])
        right = np.concatenate([members[follower], members[neighbour]])
        distinct = left != right
        left, right = left[distinct], right[distinct]
        keep = _similar(signatures, low_bytes, left, right, settings.threshold)
        found.append(np.stack([left[keep], right[keep]], axis=1))
    pairs = np.sort(np.concatenate(found), axis=1)
    # One key per pair makes the de-duplication a flat sort rather than a row-wise one.
    keys = np.unique(pairs[:, 0] * signatures.shape[0] + pairs[:, 1])
    return np.stack([keys // signatures.shape[0], keys % signatures.shape[0]], axis=1)
