"""A colour image data set built offline: the Noto Color Emoji, labelled by their Unicode groups.

    python benchmarks/emoji_data.py                      # runs/emoji, 32 and 64 px
    python benchmarks/emoji_data.py --out=/data/emoji --sizes=32,64,128
    python benchmarks/emoji_data.py --per_group=4        # 4 emoji of each group, a quick try

Needs two Debian packages, installed by you (this script installs nothing):
`apt-get install fonts-noto-color-emoji unicode-data`. The first is Google's
Noto Color Emoji font (SIL Open Font License), colour bitmaps of 136x128 pixels;
the second has `emoji-test.txt`, which lists every emoji with its group (9:
Smileys & Emotion, People & Body, ..., Flags) and subgroup (about 100).

Every fully-qualified emoji of `emoji-test.txt` is drawn with PIL on a
transparent canvas (`ImageFont.truetype(font, 109)`, the font's one bitmap
size, `ImageDraw.text(..., embedded_color=True)`), composited onto white,
cropped to the glyph's box (where its alpha is above 0), padded with white to a
centred square and resized with PIL's Lanczos filter (which widens its kernel
by the reduction factor, i.e. antialiased). Emoji the font lacks are skipped:
those that draw nothing, and sequences that PIL lays out as more than one
glyph (a ZWJ sequence or flag without its own glyph, or any sequence when
PIL lacks the raqm layout engine).

For each size S it writes, below `--out`:

* `emoji{S}/<group>/<NNNN>_<code points>.png`: RGB PNG files, one subfolder per
  group, as a user's own data would be (the folder data source labels them by
  subfolder); NNNN is the emoji's position in `emoji-test.txt`;
* `emoji{S}.npz`: `images` uint8 [N, S, S, 3], `labels` int32 [N] (the group,
  an index into `class_names`), `class_names` (the group folders' names, sorted,
  as the folder source sorts them), `subgroups` int32 [N] (an index into
  `subgroup_names`, in the order of `emoji-test.txt`) and `emoji_names` (the
  CLDR name of each). Its images are in the folder's file order, so that both
  give the same images in the same order with the same labels.

The last line printed is one JSON object: the counts and the seconds taken.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
EMOJI_TEST = Path("/usr/share/unicode/emoji/emoji-test.txt")
INSTALL = "apt-get install fonts-noto-color-emoji unicode-data"
FONT_SIZE = 109  # The only size of Noto Color Emoji's bitmaps (136x128 px glyphs).
_LINE = re.compile(r"^([0-9A-F ]+?)\s*;\s*fully-qualified\s*#\s*\S+\s+E\d+\.\d+\s+(.*)$")


@dataclass(frozen=True)
class Emoji:
    """One fully-qualified emoji of `emoji-test.txt`."""

    index: int  # Position among the fully-qualified emoji of the file.
    text: str
    codepoints: str  # e.g. "1f600" or "1f9d1-200d-1f91d-200d-1f9d1"
    name: str
    group: str
    subgroup: str


def folder_name(group: str) -> str:
    """A group's folder name: 'Smileys & Emotion' -> 'smileys_emotion'."""
    return re.sub(r"[^a-z0-9]+", "_", group.lower()).strip("_")


def parse_emoji_test(path: Path) -> list[Emoji]:
    """The fully-qualified emoji of an `emoji-test.txt` file, in its order, with their groups."""
    emoji, group, subgroup = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# group:"):
            group = line.split(":", 1)[1].strip()
        elif line.startswith("# subgroup:"):
            subgroup = line.split(":", 1)[1].strip()
        elif (match := _LINE.match(line)) is not None:
            points = match.group(1).split()
            emoji.append(
                Emoji(
                    index=len(emoji),
                    text="".join(chr(int(p, 16)) for p in points),
                    codepoints="-".join(p.lower() for p in points),
                    name=match.group(2).strip(),
                    group=group,
                    subgroup=subgroup,
                )
            )
    return emoji


def first_of_each_group(emoji: list[Emoji], n: int) -> list[Emoji]:
    """The first `n` emoji of each group, in the file's order."""
    taken: dict[str, int] = {}
    kept = []
    for item in emoji:
        if taken.get(item.group, 0) < n:
            taken[item.group] = taken.get(item.group, 0) + 1
            kept.append(item)
    return kept


def render(font, text: str, advance: float):
    """One emoji composited onto white and cropped to its glyph's box, or None if the font lacks it.

    Args:
        font: the `ImageFont.truetype` of the emoji font.
        text: the emoji's characters.
        advance: the width of one glyph; a text laid out wider is several glyphs.

    Returns:
        A PIL RGB image of the glyph's box, or None: nothing drawn, or more than one glyph.
    """
    from PIL import Image, ImageDraw

    if font.getlength(text) > advance * 1.01:
        return None
    left, top, right, bottom = font.getbbox(text)
    canvas = Image.new("RGBA", (max(right, 1) + 8, max(bottom, 1) + 8), (0, 0, 0, 0))
    ImageDraw.Draw(canvas).text((0, 0), text, font=font, embedded_color=True)
    box = canvas.getchannel("A").getbbox()
    if box is None:
        return None
    white = Image.new("RGBA", canvas.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, canvas).convert("RGB").crop(box)


def square(image, size: int):
    """`image` padded with white to a centred square, resized to `size` x `size` (Lanczos)."""
    from PIL import Image

    side = max(image.size)
    padded = Image.new("RGB", (side, side), (255, 255, 255))
    padded.paste(image, ((side - image.width) // 2, (side - image.height) // 2))
    return padded.resize((size, size), Image.LANCZOS)


def build(
    emoji: list[Emoji], font_path: Path, sizes: list[int], out: Path
) -> tuple[dict, list[Emoji]]:
    """Renders `emoji` and writes the folders and `.npz` files of every size below `out`.

    Returns:
        `(counts, skipped)`: images per group folder name, and the emoji the font lacks.
    """
    from PIL import ImageFont

    font = ImageFont.truetype(str(font_path), FONT_SIZE)
    advance = font.getlength("\U0001f600")  # One glyph's width (every glyph has the same).
    kept, images, skipped = [], {size: [] for size in sizes}, []
    for item in emoji:
        glyph = render(font, item.text, advance)
        if glyph is None:
            skipped.append(item)
            continue
        kept.append(item)
        for size in sizes:
            images[size].append(square(glyph, size))
    if not kept:
        raise RuntimeError(f"'{font_path}' drew none of the {len(emoji)} emoji")
    class_names = sorted({folder_name(item.group) for item in kept})
    subgroup_names = list(dict.fromkeys(item.subgroup for item in emoji))
    files = [f"{item.index:04d}_{item.codepoints}.png" for item in kept]
    # The folder source's order: group folder, then file name.
    order = sorted(range(len(kept)), key=lambda k: (folder_name(kept[k].group), files[k]))
    labels = np.array([class_names.index(folder_name(kept[k].group)) for k in order], np.int32)
    subgroups = np.array([subgroup_names.index(kept[k].subgroup) for k in order], np.int32)
    for size in sizes:
        folder = out / f"emoji{size}"
        for name in class_names:
            (folder / name).mkdir(parents=True, exist_ok=True)
        for k in order:
            images[size][k].save(folder / folder_name(kept[k].group) / files[k])
        np.savez(
            out / f"emoji{size}.npz",
            images=np.stack([np.asarray(images[size][k]) for k in order]),
            labels=labels,
            class_names=np.array(class_names),
            subgroups=subgroups,
            subgroup_names=np.array(subgroup_names),
            emoji_names=np.array([kept[k].name for k in order]),
        )
    counts = {name: int(np.sum(labels == c)) for c, name in enumerate(class_names)}
    return counts, skipped


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python benchmarks/emoji_data.py", description=__doc__.split("\n")[0]
    )
    p.add_argument("--out", default="runs/emoji", help="Output folder (default: runs/emoji).")
    p.add_argument("--sizes", default="32,64", help="Image sides in pixels, comma-separated.")
    p.add_argument(
        "--per_group",
        type=int,
        default=None,
        help="Only the first N emoji of each group (default: all).",
    )
    p.add_argument("--font", default=str(FONT), help="The Noto Color Emoji font file.")
    p.add_argument("--emoji_test", default=str(EMOJI_TEST), help="Unicode's emoji-test.txt.")
    return p


def main(argv: list[str] | None = None) -> int:
    """Builds the data set; returns the exit status (2: a missing file or a bad flag)."""
    args = _parser().parse_args(argv)
    font_path, test_path = Path(args.font), Path(args.emoji_test)
    missing = [str(path) for path in (font_path, test_path) if not path.is_file()]
    if missing:
        print(f"emoji_data: missing {', '.join(missing)}; install: {INSTALL}", file=sys.stderr)
        return 2
    try:
        sizes = [int(size) for size in args.sizes.split(",")]
        if not sizes or min(sizes) < 1:
            raise ValueError
    except ValueError:
        print(
            f"emoji_data: --sizes={args.sizes!r}: expected positive ints, e.g. 32,64",
            file=sys.stderr,
        )
        return 2
    if args.per_group is not None and args.per_group < 1:
        print(f"emoji_data: --per_group={args.per_group}: expected a positive int", file=sys.stderr)
        return 2
    start = time.perf_counter()
    emoji = parse_emoji_test(test_path)
    if args.per_group is not None:
        emoji = first_of_each_group(emoji, args.per_group)
    out = Path(args.out)
    counts, skipped = build(emoji, font_path, sizes, out)
    seconds = time.perf_counter() - start
    for item in skipped:
        print(f"skipped (not in the font): {item.codepoints} {item.name}")
    result = {
        "out": str(out),
        "images": sum(counts.values()),
        "skipped": len(skipped),
        "groups": counts,
        "sizes": sizes,
        "seconds": round(seconds, 1),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
