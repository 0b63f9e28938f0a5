"""Pictures of samples: an image grid, or a scatter plot of 2-D points.

The training script writes one per epoch so that a user can watch training,
and the monitoring callback logs the same pictures to TensorBoard. Both are
plain uint8 RGB arrays [H, W, 3] drawn with numpy, saved with Pillow. For a
person, `picture` enlarges small images (nearest neighbour) and can add a
caption strip with the generator step and the metrics; `interpolation_strip`
shows what the generator makes along paths between pairs of latent vectors;
`closest_pairs` shows the generated images nearest a training image (the
memorisation check's), each beside that training image.
"""

import math
import os

import numpy as np

__all__ = [
    "caption_lines",
    "closest_pairs",
    "image_grid",
    "interpolation_latents",
    "interpolation_strip",
    "picture",
    "readable_scale",
    "save_png",
    "scatter_plot",
    "with_caption",
]

_REAL_COLOUR = (170, 170, 170)
_FAKE_COLOUR = (230, 110, 20)
_SEPARATOR = 128  # grey lines between enlarged images: visible on black and on white
_PADDING = 1
_CAPTION_TEXT = (20, 20, 20)
_CAPTION_RULE = (160, 160, 160)

# What a caption shows of an epoch's logs, in order: (label, the keys it reads, first found).
_CAPTION_METRICS = (
    ("critic W1", ("w1_critic_estimate", "wasserstein_estimate")),
    ("exact W1", ("w1_exact",)),
    ("W1/floor", ("w1_floor_ratio",)),
    ("pixel W1", ("w1_pixel",)),
    ("SWD", ("swd",)),
    ("FID", ("fid",)),
    ("class accuracy", ("conditional_accuracy",)),
)


def image_grid(images, columns=8, value_range=(-1.0, 1.0), padding=2, scale=1, separator=255):
    """Tiles images [N, H, W, C] (C = 1 or 3) into one RGB grid.

    Args:
        images: a batch of images in `value_range`.
        columns: images per row.
        value_range: the (low, high) values mapped to 0 and 255.
        padding: pixels between images (and around them).
        scale: integer enlargement of each image (nearest neighbour).
        separator: grey level (0-255) of the padding.

    Returns:
        uint8 [rows * (scale * H + padding) + padding,
        columns * (scale * W + padding) + padding, 3].

    Example:
    >>> import numpy as np
    >>> image_grid(np.zeros((10, 28, 28, 1)), columns=5).shape
    (62, 152, 3)
    >>> image_grid(np.zeros((10, 28, 28, 1)), columns=5, padding=1, scale=3).shape
    (171, 426, 3)
    """
    images = np.asarray(images, dtype="float32")
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(f"images must have shape [N, H, W, 1 or 3], received {images.shape}")
    scale = int(scale)
    if scale < 1:
        raise ValueError(f"scale must be a positive integer, received {scale}")
    low, high = value_range
    # NaN (a diverged generator) is drawn black; infinities clip like any value.
    images = np.nan_to_num(np.clip((images - low) / (high - low), 0.0, 1.0), nan=0.0) * 255.0
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    images = np.repeat(np.repeat(images, scale, axis=1), scale, axis=2)
    count, height, width, _ = images.shape
    columns = max(1, min(columns, count))
    rows = -(-count // columns)
    grid = np.full(
        (rows * (height + padding) + padding, columns * (width + padding) + padding, 3),
        separator,
        dtype="uint8",
    )
    for index, image in enumerate(images):
        top = padding + (index // columns) * (height + padding)
        left = padding + (index % columns) * (width + padding)
        grid[top : top + height, left : left + width] = np.round(image).astype("uint8")
    return grid


def readable_scale(height, width, cell=64):
    """The integer enlargement that makes an image at least `cell` pixels on its longer side.

    Example:
    >>> [readable_scale(n, n) for n in (28, 32, 64)]
    [3, 2, 1]
    """
    return max(1, math.ceil(cell / max(height, width, 1)))


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
    # float64 and finite points only: a diverged generator's NaN, infinite or huge
    # samples are left out (they have no place on the plot) and overflow nothing.
    layers = [
        (_finite_points(points), colour)
        for points, colour in ([] if real is None else [(real, _REAL_COLOUR)])
        + [(generated, _FAKE_COLOUR)]
    ]
    if bounds is None:
        everything = np.concatenate([points for points, _ in layers])
        low, high = (
            (float(everything.min()), float(everything.max())) if len(everything) else (-1.0, 1.0)
        )
        margin = 0.05 * max(high - low, 1e-6)
        bounds = (low - margin, high + margin)
    low, high = bounds
    canvas = np.full((size, size, 3), 255, dtype="uint8")
    axis = int(round((0.0 - low) / (high - low) * (size - 1)))
    if 0 <= axis < size:  # the axes through the origin, light grey
        canvas[size - 1 - axis, :] = 225
        canvas[:, axis] = 225
    for points, colour in layers:
        pixels = np.round((points - low) / (high - low) * (size - 1))
        inside = np.all((pixels >= 0) & (pixels < size), axis=1)
        for column, row in pixels[inside].astype(int):
            row = size - 1 - row
            canvas[max(row - dot, 0) : row + dot + 1, max(column - dot, 0) : column + dot + 1] = (
                colour
            )
    return canvas


def _finite_points(points):
    """2-D points as float64 [n, 2], without those that are not finite or beyond float32."""
    points = np.asarray(points, dtype="float64").reshape(-1, 2)
    limit = np.finfo("float32").max
    return points[np.all(np.abs(points) <= limit, axis=1)]  # NaN compares False


def caption_lines(step=None, logs=None, epoch=None):
    """The caption of a sample picture: the generator step, then the epoch's main metrics.

    Args:
        step: generator updates made.
        logs: an epoch's logs (e.g. `wasserstein_estimate`, and the Monitor's
            `w1_exact`, `w1_floor_ratio`, `w1_pixel`, `swd`, `fid`, `conditional_accuracy`);
            other keys are left out.
        epoch: the epoch number, shown after the step.

    Returns:
        A list of strings, one per caption line.

    Example:
    >>> caption_lines(40, {"wasserstein_estimate": 0.1234, "fid": 152.71}, epoch=2)
    ['generator step 40, epoch 2', 'critic W1 0.123   FID 153']
    """
    head = ", ".join(
        part
        for part in (
            None if step is None else f"generator step {int(step)}",
            None if epoch is None else f"epoch {int(epoch)}",
        )
        if part
    )
    logs = logs or {}
    metrics = []
    for label, keys in _CAPTION_METRICS:
        key = next((key for key in keys if key in logs), None)
        if key is not None:
            metrics.append(f"{label} {_number(logs[key])}")
    return [line for line in (head, "   ".join(metrics)) if line]


def _number(value):
    """A metric at a glance: 3 significant digits, no exponent below 1e6."""
    value = float(value)
    if not math.isfinite(value) or abs(value) >= 1e6 or (value and abs(value) < 1e-3):
        return f"{value:.3g}"
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _font(size):
    """Pillow's default font at `size` pixels (its bitmap font on Pillow < 10.1)."""
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:
        return ImageFont.load_default()


def _wrap(draw, font, line, width):
    """Splits a caption line at its 3-space gaps into lines at most `width` pixels wide."""
    pieces, lines = line.split("   "), []
    for piece in pieces:
        joined = f"{lines[-1]}   {piece}" if lines else piece
        if lines and draw.textlength(joined, font=font) > width:
            lines.append(piece)
        elif lines:
            lines[-1] = joined
        else:
            lines.append(piece)
    return lines


def with_caption(array, lines, font_size=None):
    """Puts a caption strip with `lines` of text above an RGB picture.

    Args:
        array: uint8 [H, W, 3].
        lines: a string or a list of strings; long lines wrap at their
            3-space gaps to the picture's width.
        font_size: text height in pixels (default: from the picture's width,
            12 to 18).

    Returns:
        uint8 [H + strip, W, 3]: the strip (white, dark text, a grey rule
        under it), then the picture. No lines: the picture unchanged.
    """
    from PIL import Image, ImageDraw

    array = np.asarray(array, dtype="uint8")
    lines = [lines] if isinstance(lines, str) else [line for line in lines if line]
    if not lines:
        return array
    width = array.shape[1]
    font_size = int(font_size or min(18, max(12, width // 40)))
    font = _font(font_size)
    margin = max(3, font_size // 3)
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    lines = [part for line in lines for part in _wrap(measure, font, line, width - 2 * margin)]
    spacing = font_size + max(2, font_size // 4)
    height = 2 * margin + spacing * len(lines)
    strip = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(strip)
    for index, line in enumerate(lines):
        draw.text((margin, margin + index * spacing), line, fill=_CAPTION_TEXT, font=font)
    strip = np.asarray(strip, dtype="uint8").copy()
    strip[-1] = _CAPTION_RULE
    return np.concatenate([strip, array], axis=0)


def picture(samples, real=None, value_range=None, caption=None, scale=None, columns=8):
    """The natural picture of a batch: a grid for images, a scatter plot for 2-D points.

    Args:
        samples: generated samples, [N, H, W, C] or [N, 2].
        real: optional true 2-D points for the scatter plot's background.
        value_range: the samples' value range (for images, default [-1, 1]).
        caption: optional caption lines (see `caption_lines`) drawn above.
        scale: enlargement of images (default: `readable_scale`, e.g. 3 for
            28x28); thin grey lines separate them.
        columns: images per row (a class-by-row grid of a conditional
            model: its samples per class).

    Returns:
        uint8 RGB array.
    """
    samples = np.asarray(samples)
    if samples.ndim == 4:
        scale = scale or readable_scale(samples.shape[1], samples.shape[2])
        array = image_grid(
            samples,
            columns=columns,
            value_range=value_range or (-1.0, 1.0),
            padding=_PADDING,
            scale=scale,
            separator=_SEPARATOR,
        )
    elif samples.ndim == 2 and samples.shape[1] == 2:
        array = scatter_plot(samples, real, bounds=value_range)
    else:
        raise ValueError(
            f"no picture for samples of shape {samples.shape}: expected images "
            "[N, H, W, C] or 2-D points [N, 2]"
        )
    return with_caption(array, caption) if caption else array


def interpolation_latents(latent_dim, pairs=8, steps=10, seed=0, method="slerp", ends=None):
    """Latent vectors along paths between pairs of standard normal draws.

    Spherical interpolation (slerp, White 2016, "Sampling Generative
    Networks") keeps the intermediate vectors at the norm that normal latent
    vectors have; linear interpolation (lerp) passes through shorter ones.

    Args:
        latent_dim: size of a latent vector.
        pairs: paths (rows of the strip).
        steps: vectors per path, both ends included (at least 2).
        seed: seed of the pairs' ends, so that a strip is reproducible.
        method: "slerp" or "lerp".
        ends: optional [pairs, 2, latent_dim] ends instead of drawn ones.

    Returns:
        float32 [pairs, steps, latent_dim]; [:, 0] and [:, -1] are the ends exactly.
    """
    if method not in ("slerp", "lerp"):
        raise ValueError(f"method must be 'slerp' or 'lerp', received {method!r}")
    if int(steps) < 2:
        raise ValueError(f"steps must be at least 2, received {steps}")
    if ends is None:
        ends = np.random.default_rng(seed).normal(size=(int(pairs), 2, int(latent_dim)))
    ends = np.asarray(ends, dtype="float64")
    start, end = ends[:, 0:1], ends[:, 1:2]  # [pairs, 1, d]
    t = np.linspace(0.0, 1.0, int(steps))[None, :, None]
    path = (1.0 - t) * start + t * end
    if method == "slerp":
        cosine = np.sum(start * end, -1, keepdims=True) / np.maximum(
            np.linalg.norm(start, axis=-1, keepdims=True)
            * np.linalg.norm(end, axis=-1, keepdims=True),
            1e-12,
        )
        omega = np.arccos(np.clip(cosine, -1.0, 1.0))
        sine = np.sin(omega)
        safe = np.where(sine > 1e-6, sine, 1.0)
        slerp = (np.sin((1.0 - t) * omega) * start + np.sin(t * omega) * end) / safe
        path = np.where(sine > 1e-6, slerp, path)  # (anti)parallel ends: lerp
    path[:, 0], path[:, -1] = ends[:, 0], ends[:, 1]
    return path.astype("float32")


def interpolation_strip(
    generator,
    pairs=8,
    steps=10,
    seed=0,
    method="slerp",
    latent_dim=None,
    value_range=(-1.0, 1.0),
    caption=None,
    scale=None,
    ends=None,
    labels=None,
):
    """A picture of the generator's images along latent paths, one path per row.

    Args:
        generator: a model from latent vectors [N, latent_dim] to images
            [N, H, W, C] (e.g. `WassersteinGAN.sampling_generator`, the
            weight average when the model keeps one).
        pairs, steps, seed, method, ends: as in `interpolation_latents`.
        latent_dim: default the generator's input size.
        value_range: the images' value range.
        caption: optional caption lines drawn above.
        scale: enlargement of each image (default `readable_scale`).
        labels: for a class-conditional generator (called as
            `generator([latent, label])`), the class of each row, [pairs]
            ints: the row moves through latent space with its class held.

    Returns:
        uint8 RGB array: `pairs` rows of `steps` images, the first and last
        of each row the generator's images of that pair's two ends.
    """
    if latent_dim is None:
        shape = generator.input_shape
        latent_dim = (shape[0] if labels is not None else shape)[-1]
    latents = interpolation_latents(latent_dim, pairs, steps, seed, method, ends)
    flat = latents.reshape(-1, latents.shape[-1])
    inputs = flat
    if labels is not None:
        labels = np.asarray(labels, dtype="int32")
        if labels.shape != (latents.shape[0],):
            raise ValueError(
                f"labels must hold one class per row, [{latents.shape[0]}], "
                f"received shape {labels.shape}"
            )
        inputs = [flat, np.repeat(labels, latents.shape[1])]
    images = np.asarray(
        generator.predict(inputs, verbose=0)
        if hasattr(generator, "predict")
        else generator(inputs),
        dtype="float32",
    )
    if images.ndim != 4:
        raise ValueError(f"generator must make images [N, H, W, C], made shape {images.shape}")
    scale = scale or readable_scale(images.shape[1], images.shape[2])
    array = image_grid(
        images,
        columns=latents.shape[1],
        value_range=value_range,
        padding=_PADDING,
        scale=scale,
        separator=_SEPARATOR,
    )
    return with_caption(array, caption) if caption else array


def closest_pairs(generated, training, nearest, distance, count=16, threshold=None, **options):
    """The generated images closest to a training image, each followed by that training image.

    Args:
        generated: generated images [m, h, w, c].
        training: the training images searched [n, h, w, c].
        nearest: for each generated image, the index of its nearest training
            image, int [m] (`metrics.memorisation_check`'s `nearest`).
        distance: its distance, [m].
        count: pairs drawn, the closest first.
        threshold: the memorisation threshold, for the caption.
        **options: `value_range`, `scale` as for `picture`.

    Returns:
        uint8 RGB array: 4 pairs per row (generated, then its nearest
        training image), under a caption with the distances.
    """
    distance = np.asarray(distance, dtype="float64")
    order = np.argsort(distance, kind="stable")[: int(count)]
    nearest = np.asarray(nearest)[order]
    pairs = np.stack([np.asarray(generated)[order], np.asarray(training)[nearest]])
    images = pairs.transpose(1, 0, *range(2, pairs.ndim)).reshape(-1, *pairs.shape[2:])
    head = f"the {len(order)} generated images closest to a training image, each left of it"
    below = "" if threshold is None else f"; {int((distance < threshold).sum())} of {len(distance)}"
    lines = [
        head,
        f"distances {distance[order[0]]:.3g} to {distance[order[-1]]:.3g}"
        + ("" if threshold is None else f" (threshold {threshold:.3g}{below} below it)"),
    ]
    return picture(images, caption=lines, columns=8, **options)


def save_png(array, path):
    """Writes a uint8 RGB array as a PNG file, atomically (temporary file, then rename)."""
    from PIL import Image

    path = os.fspath(path)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    temporary = f"{path}.tmp-{os.getpid()}"
    Image.fromarray(np.asarray(array, dtype="uint8")).save(temporary, format="PNG")
    os.replace(temporary, path)
