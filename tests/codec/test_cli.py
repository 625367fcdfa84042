"""The key settings at the edges: production refuses to run without a key (CLI and worker, one
line naming the variable), the codec server without its token; `consign codec-key` makes a key
the ring accepts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from codec.keys import parse_key_ring

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]


def run(argv: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run in an empty directory (no .env, no var/) with no codec variable but `env`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CONSIGN_CODEC")}
    clean.pop("CONSIGN_ENV", None)
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        argv, cwd=tmp_path, env={**clean, **env}, capture_output=True, text=True, timeout=60
    )


def test_production_cli_names_the_missing_key_in_one_line(tmp_path: Path) -> None:
    result = run([str(BIN / "consign"), "orders"], tmp_path, CONSIGN_ENV="production")
    assert result.returncode == 1
    assert "CONSIGN_CODEC_KEYS" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "var").exists()  # no development key made


def test_production_worker_stops_naming_the_missing_key(tmp_path: Path) -> None:
    result = run([sys.executable, "-m", "worker"], tmp_path, CONSIGN_ENV="production")
    assert result.returncode == 1
    assert result.stderr.startswith("consign worker: CONSIGN_ENV=production refuses")
    assert "\n  CONSIGN_CODEC_KEYS: not set, nor CONSIGN_CODEC_KEYS_FILE" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_codec_server_will_not_start_without_a_token(tmp_path: Path) -> None:
    result = run([str(BIN / "consign"), "codec-server"], tmp_path)
    assert result.returncode == 1
    assert "CONSIGN_CODEC_SERVER_TOKEN is not set" in result.stderr


def test_codec_key_prints_an_entry_the_ring_accepts(tmp_path: Path) -> None:
    result = run([str(BIN / "consign"), "codec-key", "2027-01"], tmp_path)
    assert result.returncode == 0, result.stderr
    ring = parse_key_ring(result.stdout, "output")
    assert ring.current == "2027-01"
    assert run([str(BIN / "consign"), "codec-key", "bad id"], tmp_path).returncode == 1
