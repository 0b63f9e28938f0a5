"""benchmarks/emoji_data.py: the emoji data set, built from the Debian font and emoji-test.txt."""

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "benchmarks_emoji_data", ROOT / "benchmarks" / "emoji_data.py"
)
emoji_data = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = emoji_data  # dataclasses look their module up there
_spec.loader.exec_module(emoji_data)

needs_files = pytest.mark.skipif(
    not (emoji_data.FONT.is_file() and emoji_data.EMOJI_TEST.is_file()),
    reason=f"the emoji font or emoji-test.txt is absent ({emoji_data.INSTALL})",
)


def test_missing_files_exit_2_with_what_to_install(tmp_path, capsys):
    status = emoji_data.main([f"--font={tmp_path / 'none.ttf'}", f"--out={tmp_path}"])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1
    assert "none.ttf" in err and emoji_data.INSTALL in err


@needs_files
def test_emoji_test_has_nine_groups_of_fully_qualified_emoji():
    emoji = emoji_data.parse_emoji_test(emoji_data.EMOJI_TEST)
    assert len({e.group for e in emoji}) == 9
    assert emoji[0].text == "\U0001f600" and emoji[0].name == "grinning face"
    assert emoji[0].group == "Smileys & Emotion" and emoji[0].subgroup == "face-smiling"
    assert len(emoji) > 3000


@needs_files
def test_render_composites_onto_white_and_skips_what_the_font_lacks():
    from PIL import ImageFont

    font = ImageFont.truetype(str(emoji_data.FONT), emoji_data.FONT_SIZE)
    advance = font.getlength("\U0001f600")
    glyph = emoji_data.render(font, "\U0001f600", advance)
    pixels = np.asarray(glyph)
    assert pixels.ndim == 3 and pixels.shape[2] == 3
    assert 100 < glyph.width <= 136 and 100 < glyph.height <= 128  # cropped to the face
    assert (pixels[0, 0] == 255).all()  # a corner outside the round face: white
    assert emoji_data.render(font, "\U0010fffd", advance) is None  # a private-use code point
    assert emoji_data.render(font, "\U0001f600\U0001f600", advance) is None  # two glyphs
    small = np.asarray(emoji_data.square(glyph, 32))
    assert small.shape == (32, 32, 3) and small.min() < 100


@needs_files
def test_build_writes_the_same_images_as_a_folder_and_an_npz(tmp_path, capsys):
    from PIL import Image

    status = emoji_data.main([f"--out={tmp_path}", "--sizes=16,32", "--per_group=2"])
    assert status == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["images"] == 18 and len(result["groups"]) == 9
    for size in (16, 32):
        data = np.load(tmp_path / f"emoji{size}.npz")
        assert data["images"].shape == (18, size, size, 3) and data["images"].dtype == np.uint8
        names = list(data["class_names"])
        assert names == sorted(p.name for p in (tmp_path / f"emoji{size}").iterdir())
        files = sorted((tmp_path / f"emoji{size}").rglob("*.png"))
        assert [names.index(f.parent.name) for f in files] == list(data["labels"])
        for file, image in zip(files, data["images"], strict=True):
            np.testing.assert_array_equal(np.asarray(Image.open(file)), image)
        assert data["subgroups"].max() < len(data["subgroup_names"])
        first_smiley = names.index("smileys_emotion") * 2  # 2 per group, groups sorted
        assert data["emoji_names"][first_smiley] == "grinning face"
