"""Images with transparency, composited onto a background colour before training.

A transparent pixel has a colour too, which the picture does not show: an
emoji or an icon saved as PNG often hides black, or stray colours, under its
transparent background. Training on the colour channels alone would teach the
generator those hidden colours, so images with an alpha channel are
composited onto one background colour, the setting `background`: `white`
(the default), `black`, or any colour `#rrggbb`. A pixel of opacity `a` (0
transparent, 1 opaque) becomes `a * colour + (1 - a) * background`.

Grey images with alpha (2 channels: grey, alpha) are composited onto the
background's grey level, its luma `0.299 R + 0.587 G + 0.114 B` (ITU-R 601,
as PIL and `tf.image.rgb_to_grayscale` convert colour to grey), and stay grey.

This module imports TensorFlow only inside its functions: `BACKGROUND` is
read by the settings, which must stay light.

Example:
>>> from keras_wgan.data import alpha
>>> alpha.background_rgb("#ff8000")
(255, 128, 0)
>>> alpha.BACKGROUND.checked("BLACK")
'black'
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from keras_wgan import validation
from keras_wgan.options import Option

if TYPE_CHECKING:
    import tensorflow as tf

__all__ = ["BACKGROUND", "background_rgb", "check_background", "composite", "grey_level"]

_NAMED = {"white": (255, 255, 255), "black": (0, 0, 0)}
_HEX = re.compile(r"#[0-9a-f]{6}")
_LUMA = (0.299, 0.587, 0.114)  # ITU-R 601, PIL's convert("L") and rgb_to_grayscale.


def check_background(name: str, value) -> str:
    """`Option` check of a background colour: `white`, `black` or `#rrggbb`, returned lower-case.

    Raises:
        ValueError: anything else, naming `name`.
    """
    if isinstance(value, str) and (value.lower() in _NAMED or _HEX.fullmatch(value.lower())):
        return value.lower()
    raise validation.error(name, value, "'white', 'black' or a hex colour '#rrggbb'")


#: The setting of the image sources: the colour transparent pixels are composited onto.
BACKGROUND = Option(
    "background",
    "white",
    "Colour that images with transparency (PNG, GIF, WebP files with alpha or a transparent "
    "palette entry; .npz arrays of 2 or 4 channels, alpha last) are composited onto: white, "
    "black or #rrggbb.",
    check=check_background,
)


def background_rgb(background: str) -> tuple[int, int, int]:
    """The `(red, green, blue)` values 0..255 of a checked background colour.

    Raises:
        ValueError: not `white`, `black` or `#rrggbb`.
    """
    background = check_background("background", background)
    if background in _NAMED:
        return _NAMED[background]
    red, green, blue = (int(background[k : k + 2], 16) for k in (1, 3, 5))
    return red, green, blue


def grey_level(background: str) -> float:
    """The background's luma 0..255, what grey images with alpha are composited onto."""
    return sum(weight * value for weight, value in zip(_LUMA, background_rgb(background)))


def composite(image: tf.Tensor, background: str) -> tf.Tensor:
    """An image (or a batch) with alpha as its last channel, composited onto `background`.

    Args:
        image: [..., 4] (RGBA) or [..., 2] (grey, alpha); uint8 with alpha 0..255,
            or float in [-1, 1] with alpha in [-1, 1] (-1 transparent), as the
            colours are.
        background: `white`, `black` or `#rrggbb`.

    Returns:
        [..., 3] or [..., 1] of `image`'s dtype (uint8 rounded to the nearest value).

    Raises:
        ValueError: `image` has neither 2 nor 4 channels.
    """
    import tensorflow as tf

    channels = image.shape[-1]
    if channels not in (2, 4):
        raise ValueError(
            f"composite needs images with alpha as the last of 2 or 4 channels, "
            f"received shape {image.shape}"
        )
    colour = [grey_level(background)] if channels == 2 else list(background_rgb(background))
    x = tf.cast(image, tf.float32)  # To [0, 1], the colours and the alpha alike.
    x = x / 255.0 if image.dtype == tf.uint8 else (x + 1.0) / 2.0
    fill = tf.constant(colour, tf.float32) / 255.0
    opacity = x[..., -1:]
    blended = fill + opacity * (x[..., :-1] - fill)
    if image.dtype == tf.uint8:
        return tf.saturate_cast(tf.round(blended * 255.0), tf.uint8)
    return tf.cast(blended * 2.0 - 1.0, image.dtype)
