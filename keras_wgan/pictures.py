"""Pictures of samples: an image grid, or a scatter plot of 2-D points.

The training script writes one per epoch so that a user can watch training,
and the monitoring callback logs the same pictures to TensorBoard. Both are
plain uint8 RGB arrays [H, W, 3] drawn with numpy, saved with Pillow.
"""

import os

import numpy as np

__all__ = ["image_grid", "picture", "save_png", "scatter_plot"]

_REAL_COLOUR = (170, 170, 170)
_FAKE_COLOUR = (230, 110, 20)


def image_grid(images, columns=8, value_range=(-1.0, 1.0), padding=2):
    """Tiles images [N, H, W, C] (C = 1 or 3) into one RGB grid.

    Args:
        images: a batch of images in `value_range`.
        columns: images per row.
        value_range: the (low, high) values mapped to 0 and 255.
        padding: pixels of white between images.

    Returns:
        uint8 [rows * (H + padding) + padding, columns * (W + padding) + padding, 3].

    Example:
    >>> import numpy as np
    >>> image_grid(np.zeros((10, 28, 28, 1)), columns=5).shape
    (62, 152, 3)
    """
    images = np.asarray(images, dtype="float32")
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(f"images must have shape [N, H, W, 1 or 3], received {images.shape}")
    low, high = value_range
    images = np.clip((images - low) / (high - low), 0.0, 1.0) * 255.0
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    count, height, width, _ = images.shape
    columns = max(1, min(columns, count))
    rows = -(-count // columns)
    grid = np.full((rows * (height + padding) + padding, columns * (width + padding) + padding, 3),
                   255, dtype="uint8")
    for index, image in enumerate(images):
        top = padding + (index // columns) * (height + padding)
        left = padding + (index % columns) * (width + padding)
        grid[top:top + height, left:left + width] = np.round(image).astype("uint8")
    return grid


def scatter_plot(generated, real=None, bounds=None, size=480, dot=2):
    """Draws 2-D generated points (orange) over real points (grey).

    Args:
        generated: points [N, 2].
        real: optional true points [M, 2], drawn underneath.
        bounds: (low, high) of both axes; by default the range of all points
            with a 5% margin.
        size: the picture's side in pixels.
        dot: half-width of each point's square, in pixels.

    Returns:
        uint8 [size, size, 3], y pointing up.

    Example:
    >>> import numpy as np
    >>> scatter_plot(np.zeros((5, 2)), bounds=(-1, 1)).shape
    (480, 480, 3)
    """
    generated = np.asarray(generated, dtype="float32").reshape(-1, 2)
    layers = ([] if real is None else [(np.asarray(real, "float32").reshape(-1, 2),
                                        _REAL_COLOUR)]) + [(generated, _FAKE_COLOUR)]
    if bounds is None:
        everything = np.concatenate([points for points, _ in layers])
        low, high = float(everything.min()), float(everything.max())
        margin = 0.05 * max(high - low, 1e-6)
        bounds = (low - margin, high + margin)
    low, high = bounds
    canvas = np.full((size, size, 3), 255, dtype="uint8")
    axis = int(round((0.0 - low) / (high - low) * (size - 1)))
    if 0 <= axis < size:  # the axes through the origin, light grey
        canvas[size - 1 - axis, :] = 225
        canvas[:, axis] = 225
    for points, colour in layers:
        pixels = np.round((points - low) / (high - low) * (size - 1)).astype(int)
        inside = np.all((pixels >= 0) & (pixels < size), axis=1) & np.all(np.isfinite(points), 1)
        for column, row in pixels[inside]:
            row = size - 1 - row
            canvas[max(row - dot, 0):row + dot + 1, max(column - dot, 0):column + dot + 1] = colour
    return canvas


def picture(samples, real=None, value_range=None):
    """The natural picture of a batch: a grid for images, a scatter plot for 2-D points.

    Args:
        samples: generated samples, [N, H, W, C] or [N, 2].
        real: optional true 2-D points for the scatter plot's background.
        value_range: the samples' value range (for images, default [-1, 1]).

    Returns:
        uint8 RGB array.
    """
    samples = np.asarray(samples)
    if samples.ndim == 4:
        return image_grid(samples, value_range=value_range or (-1.0, 1.0))
    if samples.ndim == 2 and samples.shape[1] == 2:
        return scatter_plot(samples, real, bounds=value_range)
    raise ValueError(f"no picture for samples of shape {samples.shape}: expected images "
                     "[N, H, W, C] or 2-D points [N, 2]")


def save_png(array, path):
    """Writes a uint8 RGB array as a PNG file, atomically (temporary file, then rename)."""
    from PIL import Image

    path = os.fspath(path)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    temporary = f"{path}.tmp-{os.getpid()}"
    Image.fromarray(np.asarray(array, dtype="uint8")).save(temporary, format="PNG")
    os.replace(temporary, path)
