"""The mini_miner benchmark's helpers: openssl's output read right, rates and the table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bench.common import load

# The benchmark lives beside the plugin (benchmarks/), run by `python -m bench`.
mini_miner = load(Path(__file__).resolve().parent.parent / "benchmarks" / "bench_mini_miner.py")

# Captured from `openssl speed -seconds 1 -bytes 64 sha256` (OpenSSL 3.0.19).
OPENSSL_STDOUT = """version: 3.0.19
built on: Fri Apr  3 12:29:32 2026 UTC
options: bn(64,64)
compiler: gcc -fPIC -pthread -m64 -O2
CPUINFO: OPENSSL_ia32cap=0xfffa3203078bffff:0x405fc6f1bf07ab
The 'numbers' are in 1000s of bytes per second processed.
type             64 bytes
sha256          394393.47k
"""
OPENSSL_STDERR = "Doing sha256 for 1s on 64 size blocks: 6162398 sha256's in 1.00s\n"


def test_openssl_speed_is_read_as_thousands_of_bytes_per_second() -> None:
    parsed = mini_miner.parse_openssl_speed(OPENSSL_STDOUT, OPENSSL_STDERR)
    assert parsed is not None
    assert parsed["bytes_per_second"] == pytest.approx(394_393_470)
    # 64-byte messages: hashes/s = bytes/s / 64, which is what the count line says too.
    assert parsed["hashes_per_second"] == pytest.approx(6_162_398, rel=1e-6)
    assert parsed["doing_hashes_per_second"] == pytest.approx(6_162_398)


def test_openssl_output_without_the_table_is_none() -> None:
    assert mini_miner.parse_openssl_speed("version: 3.0.19\n", "") is None


def test_sample_blocks_are_like_the_services() -> None:
    blocks = mini_miner.sample_blocks(9)
    assert [len(data) for data in blocks] == [1, 2, 3, 4, 5, 6, 7, 8, 1]
    assert all(len(text) == 32 and -100 <= number <= 100 for text, number in blocks[7])
    assert mini_miner.sample_blocks(3) == mini_miner.sample_blocks(3)


def test_both_single_core_rates_are_measured() -> None:
    data = mini_miner.sample_blocks(1)[0]
    assert mini_miner.naive_rate(data, 0.02) > 1000
    assert mini_miner.ours_rate(data, 0.02) > 1000


def fake_results(openssl: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "cores": 2,
        "naive_per_core": {"mean": 2.5e5, "min": 2.4e5, "max": 2.6e5},
        "ours_per_core": {"mean": 3.0e6, "min": 2.9e6, "max": 3.1e6},
        "openssl": openssl,
        "all_cores": {"workers": 2, "hashes_per_second": 5.0e6, "cpu_share": 0.9},
        "problems": [
            {"difficulty": 22, "nonce": 7, "hashes": 4e6, "seconds": 1.0, "hashes_per_second": 4e6},
            {"difficulty": 22, "nonce": None, "seconds": 15.0},
        ],
        "ours_vs_naive": 12.0,
        "ours_vs_openssl": None if openssl is None else 0.5,
        "scaling_efficiency": 5.0 / 6.0,
        "scaling_efficiency_per_cpu": 0.95,
        "meets_vs_naive": True,
        "meets_vs_openssl": None if openssl is None else True,
        "meets_scaling": True,
        "goals": {"vs_naive": 5.0, "vs_openssl": 0.4, "scaling_efficiency": 0.8},
    }


@pytest.mark.parametrize("openssl", [None, {"hashes_per_second": 6.0e6}])
def test_the_table_renders(openssl: dict[str, Any] | None) -> None:
    console = Console(width=200, record=True)
    console.print(mini_miner.table(fake_results(openssl)))
    text = console.export_text()
    assert "12.0× naive" in text
    assert "scaling 83%" in text
    assert ("not available" in text) == (openssl is None)
    assert "4.0 M hashes in 1.00 s" in text
    assert "given up after 15 s" in text


def test_its_targets_and_markdown_follow_the_bench_protocol() -> None:
    from bench.common import markdown

    results = fake_results({"hashes_per_second": 6.0e6})
    rows = mini_miner.targets(results)
    assert [set(row) for row in rows] == [{"name", "target", "measured", "met"}] * 3
    assert rows[0]["measured"] == "12.0×"
    assert all(row["met"] is True for row in rows)
    text = markdown(mini_miner.table(results))
    assert "| solver |" in text
    assert "12.0× naive" in text
