"""`recruitsim animate`: the file's frames and size, and what it refuses."""

from __future__ import annotations

import imageio_ffmpeg
import pytest
from cli_helpers import BASELINE, ROOT, SMALL, recruitsim
from PIL import Image

TRAINING = ROOT / "scenarios" / "foundations_training.toml"
DPI = 30  # small frames: the test is about counts and sizes, not looks


def test_a_side_by_side_gif_has_a_frame_every_k_steps_and_the_last(tmp_path):
    out = tmp_path / "slides" / "pair.gif"  # the folder is created
    done = recruitsim(
        "animate", str(BASELINE), "--compare", str(TRAINING), *SMALL,
        "--set", "run.steps=30", "--steps", "7", "--every", "3", "--dpi", str(DPI),
        "--out", str(out), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"({len([0, 3, 6, 7])} frames)" in done.stdout
    with Image.open(out) as gif:
        assert gif.n_frames == 4  # steps 0, 3, 6 and 7
        assert gif.size == (19 * DPI, int(9.2 * DPI))  # two rows and the difference panel
    assert [p.name for p in out.parent.iterdir()] == ["pair.gif"]  # no temporary file left


def test_one_scenario_as_mp4_through_the_bundled_ffmpeg(tmp_path):
    out = tmp_path / "alone.mp4"
    done = recruitsim(
        "animate", str(BASELINE), *SMALL, "--steps", "4", "--every", "2", "--dpi", str(DPI),
        "--out", str(out), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    frames, _ = imageio_ffmpeg.count_frames_and_secs(str(out))
    assert frames == 3  # steps 0, 2 and 4
    reader = imageio_ffmpeg.read_frames(str(out))
    meta = next(reader)
    reader.close()
    assert meta["size"] == (15 * DPI, int(4.6 * DPI))


def test_an_existing_file_or_a_wrong_suffix_is_refused_in_one_line(tmp_path):
    mine = tmp_path / "mine.gif"
    mine.write_bytes(b"the user's own file")
    done = recruitsim("animate", str(BASELINE), *SMALL, "--out", str(mine), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "exists" in done.stderr
    assert mine.read_bytes() == b"the user's own file"
    done = recruitsim("animate", str(BASELINE), *SMALL, "--out", "a.avi", cwd=tmp_path)
    assert done.returncode == 2 and ".gif or .mp4" in done.stderr
    assert done.stderr.count("\n") == 1
    done = recruitsim("animate", str(tmp_path / "none.toml"), cwd=tmp_path)
    assert done.returncode == 2 and "none.toml" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.gif"]


def test_writing_never_replaces_a_file_that_appeared_meanwhile(tmp_path):
    """The command refuses an existing file; the writer itself also never replaces one."""
    from sim.animation import write_animation
    from sim.scenario import load_scenario

    scenario = load_scenario(
        BASELINE, {"run.steps": 2, "population.candidates": 30, "population.recruiters": 3}
    )
    out = tmp_path / "taken.gif"
    out.write_bytes(b"written by someone else")
    with pytest.raises(FileExistsError):
        write_animation([scenario], 0, 2, 1, out, dpi=DPI)
    assert out.read_bytes() == b"written by someone else"
    assert [p.name for p in tmp_path.iterdir()] == ["taken.gif"]  # the temporary file is gone
