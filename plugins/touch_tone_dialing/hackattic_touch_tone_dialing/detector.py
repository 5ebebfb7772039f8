"""A DTMF receiver: pauses found from the signal's level, each tone measured and judged by
the standard's tolerances.

1. **Segmentation.** The level of the signal (RMS over a few milliseconds, in dB) has two
   populations, pauses and tones; Otsu's threshold separates them without a level fitted
   to any file. Exact digital silence (hackattic's pauses) is a 0 dB population of its
   own, so its edges are found to the sample; in noise the threshold falls between the
   noise floor and the tones. Dips shorter than the standard's longest interruption are
   bridged (one tone), and bursts shorter than its shortest tone are dropped.
2. **Measurement.** Each tone's two frequencies are *estimated*, not binned: a Hann-windowed,
   zero-padded DFT gives the strongest peak of each group, refined by parabolic
   interpolation. A fixed Goertzel bank cannot apply the standard's tolerances to a 40 ms
   tone: its bins are 25 Hz wide, 3.6% at 697 Hz, wider than the difference between
   "accept" (1.5%) and "reject" (3.5%). A least-squares fit of the two sinusoids then gives
   their amplitudes (twist) and what is left over (noise and distortion).
3. **Decision** (:class:`Tolerances`): each frequency within the deviation of a nominal one,
   the twist within limits, the pair carrying enough of the energy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from .keypad import COLUMN_HZ, ROW_HZ, key_at
from .wav import Pcm

FloatArray = npt.NDArray[np.float64]

LEVEL_WINDOW_S = 0.004
"""The window of the level (RMS): longer than the beat of the two tones (at most 3.7 ms,
941 against 1209 Hz), so a tone's level stays steady, and short enough for 10 ms pauses."""
FREQUENCY_STEP_HZ = 0.5
"""Spacing of the zero-padded DFT before interpolation."""
ROW_BAND_HZ = (600.0, 1075.0)
COLUMN_BAND_HZ = (1075.0, 1750.0)
"""Where each group's peak is searched: around the nominal frequencies, split halfway
between the highest row (941 Hz) and the lowest column (1209 Hz)."""
HISTOGRAM_BINS = 256


@dataclass(frozen=True)
class Tolerances:
    """What a tone must meet to count as a key (ITU-T Q.24, the North American figures of
    Bellcore TR-NWT-000506)."""

    max_deviation: float = 0.035
    """A frequency more than this far from every nominal one (as a fraction) is no key:
    the standard must reject 3.5% and must accept 1.5%, and leaves what lies between to
    the receiver. Accepting up to 3.5% matters: hackattic sounds 1 and 2 at 679 Hz
    instead of 697 Hz, 2.6% low."""
    max_forward_twist_db: float = 4.0
    """How much stronger the column (high) tone may be than the row (low) tone."""
    max_reverse_twist_db: float = 8.0
    """How much stronger the row (low) tone may be than the column (high) tone."""
    min_tone_s: float = 0.023
    """Tones shorter than this are rejected (the standard: reject under 23 ms, accept from
    40 ms)."""
    max_dropout_s: float = 0.010
    """Interruptions up to this long are not pauses: the tone goes on (the standard)."""
    min_signal_to_rest_db: float = 0.0
    """The two tones must carry at least this much more energy than everything else in
    the segment (noise, distortion, a third tone): 0 dB, at least half of it."""


@dataclass(frozen=True)
class Tone:
    """A key heard, and how it measured."""

    key: str
    start_s: float
    duration_s: float
    row_hz: float
    column_hz: float
    twist_db: float
    """Column level minus row level."""
    signal_to_rest_db: float


@dataclass(frozen=True)
class Rejected:
    """A segment that is not a key, and why."""

    start_s: float
    duration_s: float
    reason: str


@dataclass
class Detection:
    """What the receiver heard."""

    tones: list[Tone] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    threshold_db: float = 0.0
    """The level that separated pauses from tones (dB above one LSB)."""

    @property
    def sequence(self) -> str:
        return "".join(tone.key for tone in self.tones)


def detect(pcm: Pcm, tolerances: Tolerances | None = None) -> Detection:
    """Every DTMF key in ``pcm``, in order."""
    tolerances = tolerances or Tolerances()
    x = pcm.samples.astype(np.float64)
    window = max(2, round(LEVEL_WINDOW_S * pcm.rate))
    level_db = 20.0 * np.log10(_moving_rms(x, window) + 1.0)
    threshold = _otsu_threshold(level_db)
    detection = Detection()
    if threshold is None:  # one level throughout: silence, or a signal without pauses
        return detection
    detection.threshold_db = threshold
    half = window // 2
    max_dropout = round(tolerances.max_dropout_s * pcm.rate)
    for start, end in _segments(level_db > threshold, bridge=max_dropout - (window - 1)):
        # The level's window widens a tone by about half a window on each side (not past
        # the ends of the file).
        first = min(start + half, end) if start > 0 else 0
        last = max(end - half, first) if end < len(x) else end
        duration = (last - first) / pcm.rate
        start_s = first / pcm.rate
        if duration < tolerances.min_tone_s:
            detection.rejected.append(
                Rejected(start_s, duration, f"shorter than {tolerances.min_tone_s * 1000:g} ms")
            )
            continue
        verdict = _judge(x[first:last], pcm.rate, tolerances, start_s, duration)
        if isinstance(verdict, Tone):
            detection.tones.append(verdict)
        else:
            detection.rejected.append(verdict)
    return detection


def _moving_rms(x: FloatArray, window: int) -> FloatArray:
    """RMS of ``x`` over ``window`` samples centred on each sample (zeros beyond the ends)."""
    padded = np.concatenate([np.zeros(window // 2), x * x, np.zeros(window - window // 2)])
    sums = np.cumsum(padded)
    energy = (sums[window:] - sums[:-window])[: len(x)] / window
    rms: FloatArray = np.sqrt(np.maximum(energy, 0.0))
    return rms


def _otsu_threshold(values: FloatArray) -> float | None:
    """The value that best splits ``values`` in two classes (Otsu, 1979); None when they
    hold a single level (nothing to split)."""
    low, high = float(values.min()), float(values.max())
    if high - low < 1.0:  # within a dB: one level
        return None
    counts, edges = np.histogram(values, bins=HISTOGRAM_BINS, range=(low, high))
    centres = (edges[:-1] + edges[1:]) / 2
    weight = np.cumsum(counts).astype(np.float64)
    total = weight[-1]
    mass = np.cumsum(counts * centres)
    below, above = weight[:-1], total - weight[:-1]
    mean_below = mass[:-1] / np.maximum(below, 1)
    mean_above = (mass[-1] - mass[:-1]) / np.maximum(above, 1)
    between = below * above * (mean_below - mean_above) ** 2
    return float(edges[int(np.argmax(between)) + 1])


def _segments(active: npt.NDArray[np.bool_], *, bridge: int) -> list[tuple[int, int]]:
    """``[start, end)`` of each run of ``active``, joining runs apart by ``bridge`` samples
    or fewer."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], active.astype(np.int8), [0]])))
    runs: list[tuple[int, int]] = []
    for start, end in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
        if runs and start - runs[-1][1] <= bridge:
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return runs


def _judge(
    segment: FloatArray, rate: int, tolerances: Tolerances, start_s: float, duration_s: float
) -> Tone | Rejected:
    """The key ``segment`` sounds, or why it sounds none."""
    segment = segment - segment.mean()
    row_hz, column_hz = _group_peaks(segment, rate)

    def rejected(reason: str) -> Rejected:
        return Rejected(start_s, duration_s, reason)

    row, row_deviation = _nearest(row_hz, ROW_HZ)
    column, column_deviation = _nearest(column_hz, COLUMN_HZ)
    for hz, deviation in ((row_hz, row_deviation), (column_hz, column_deviation)):
        if abs(deviation) > tolerances.max_deviation:
            return rejected(
                f"{hz:.0f} Hz is {abs(deviation):.1%} from the nearest DTMF frequency "
                f"(at most {tolerances.max_deviation:.1%})"
            )
    row_amplitude, column_amplitude, rest = _fit_pair(segment, rate, row_hz, column_hz)
    twist = 20.0 * math.log10(max(column_amplitude, 1e-9) / max(row_amplitude, 1e-9))
    if twist > tolerances.max_forward_twist_db:
        return rejected(f"the column tone is {twist:.1f} dB stronger than the row tone")
    if -twist > tolerances.max_reverse_twist_db:
        return rejected(f"the row tone is {-twist:.1f} dB stronger than the column tone")
    pair_energy = (row_amplitude**2 + column_amplitude**2) / 2 * len(segment)
    signal_to_rest = 10.0 * math.log10(max(pair_energy, 1e-9) / max(rest, 1e-9))
    if signal_to_rest < tolerances.min_signal_to_rest_db:
        return rejected(f"the two tones carry {signal_to_rest:.1f} dB over the rest")
    return Tone(
        key=key_at(row, column),
        start_s=start_s,
        duration_s=duration_s,
        row_hz=row_hz,
        column_hz=column_hz,
        twist_db=twist,
        signal_to_rest_db=signal_to_rest,
    )


def _group_peaks(segment: FloatArray, rate: int) -> tuple[float, float]:
    """The frequency of the strongest component in each group's band (Hz)."""
    size = 1 << max(len(segment) - 1, math.ceil(rate / FREQUENCY_STEP_HZ) - 1).bit_length()
    spectrum = np.abs(np.fft.rfft(segment * np.hanning(len(segment)), n=size))
    step = rate / size
    peaks = []
    for low, high in (ROW_BAND_HZ, COLUMN_BAND_HZ):
        first, last = math.ceil(low / step), min(math.floor(high / step), len(spectrum) - 2)
        peak = first + int(np.argmax(spectrum[first : last + 1]))
        peaks.append((peak + _parabolic_offset(spectrum, peak)) * step)
    return peaks[0], peaks[1]


def _parabolic_offset(spectrum: FloatArray, peak: int) -> float:
    """Where between bins the true peak lies (−½…½), from a parabola through the log
    magnitudes of the peak bin and its neighbours."""
    if peak <= 0 or peak >= len(spectrum) - 1:
        return 0.0
    left, centre, right = np.log(spectrum[peak - 1 : peak + 2] + 1e-12)
    curvature = left - 2 * centre + right
    if curvature >= 0:
        return 0.0
    return float(np.clip(0.5 * (left - right) / curvature, -0.5, 0.5))


def _nearest(hz: float, nominal: tuple[float, ...]) -> tuple[int, float]:
    """The index of the nominal frequency nearest ``hz``, and the relative deviation."""
    index = min(range(len(nominal)), key=lambda i: abs(hz - nominal[i]))
    return index, hz / nominal[index] - 1.0


def _fit_pair(
    segment: FloatArray, rate: int, row_hz: float, column_hz: float
) -> tuple[float, float, float]:
    """Least-squares amplitudes of sinusoids at the two frequencies, and the energy left."""
    t = np.arange(len(segment)) / rate
    basis = np.stack(
        [
            np.sin(2 * np.pi * row_hz * t),
            np.cos(2 * np.pi * row_hz * t),
            np.sin(2 * np.pi * column_hz * t),
            np.cos(2 * np.pi * column_hz * t),
        ],
        axis=1,
    )
    coefficients, *_ = np.linalg.lstsq(basis, segment, rcond=None)
    rest = float(np.sum((segment - basis @ coefficients) ** 2))
    return (
        float(math.hypot(coefficients[0], coefficients[1])),
        float(math.hypot(coefficients[2], coefficients[3])),
        rest,
    )
