"""Reports of the evaluation core's numbers: the evaluate command's, and the Monitor's plot.

`metrics_report` turns `core.Reference.measure`'s values into the evaluate
command's report, each metric entry shaped by the metric itself
(`Metric.report`).

The Monitor's plot (`estimate_plot`) shows the critic's W1 estimate beside
the exact W1, over generator steps. The founding question of the WGAN paper
is whether the critic's number tracks the Wasserstein distance while the
samples improve; the plot answers it at a glance: one panel per exact W1
the Monitor measures (`w1_exact` for low-dimensional data, `w1_pixel` and
`w1_feature` for images), each with the exact value (blue), the critic's
estimate (orange; it is in the data's own space, so it belongs beside the
exact W1 in that space) and the noise floor (grey, dashed). Drawn with
Pillow, no plotting library needed.
"""

from __future__ import annotations

import math
import os

import numpy as np

from keras_wgan.evaluation import metrics

__all__ = ["estimate_plot", "metrics_report", "save_estimate_plot"]

_EXACT_KEYS = ("w1_exact", "w1_pixel", "w1_feature")
_TITLES = {
    "w1_exact": "exact W1",
    "w1_pixel": "exact W1, pixel space",
    "w1_feature": "exact W1, feature space",
}
_EXACT_COLOUR = (31, 119, 180)
_ESTIMATE_COLOUR = (230, 110, 20)
_FLOOR_COLOUR = (150, 150, 150)
_WIDTH, _PANEL, _MARGIN = 640, 240, 50


def metrics_report(reference, values, counts, labels=None, class_names=None):
    """The evaluate command's report of `measure`'s values.

    Args:
        reference: the `core.Reference` that measured them.
        values: the dict `reference.measure` returned.
        counts: `{"num_generated": n, "num_real": m}`, the sizes of the two sets.
        labels: a conditional generator's: the classes the samples were
            generated for, as given to `measure`.
        class_names: the name of each class (default "0", "1", ...).

    Returns:
        `{name: entry}`: each metric's value (and each of its `also`
        values) with its sample counts, floor (`real_vs_real`), description
        and what the metric adds (`Metric.report`); `w1_critic_estimate`; each floor; each ratio
        (None, not NaN, for a zero denominator: JSON has no NaN).
    """
    result = {}
    for metric in reference.metrics:
        if metric.name not in values:
            continue
        extra = {}
        if metric.needs_labels:
            extra = {
                "labels": labels,
                "class_names": list(class_names or [str(k) for k in range(reference.num_classes)]),
            }
        for key in (metric.name, *metric.also):  # e.g. recall beside precision
            entry = {"value": values[key], **counts, "what": reference.descriptions[key]}
            result[key] = metric.report(entry, values, reference, counts, **extra)
    if "w1_critic_estimate" in values:
        w = reference.w1_samples if reference.is_images else counts["num_real"]
        result["w1_critic_estimate"] = {
            "value": values["w1_critic_estimate"],
            "num_generated": w,
            "num_real": w,
            "what": reference.descriptions["w1_critic_estimate"],
        }
    for metric in reference.metrics:
        if metric.floor_name is None:
            continue
        floors = [(metric.name, metric.floor_name)] + [(k, f"{k}_floor") for k in metric.also]
        for key, name in floors:
            floor = reference.floors.get(name)
            if floor is not None:
                result[name] = {**floor._asdict(), "what": reference.descriptions[name]}
                if key in result:
                    result[key]["real_vs_real"] = floor.value
    for name, value in values.items():
        if name.endswith("_ratio"):
            result[name] = {
                "value": value if np.isfinite(value) else None,
                "what": reference.descriptions.get(name, ""),
            }
    return result


def _panel(draw, top, records, key, floor):
    """Draws one panel: exact `key` and the critic's estimate against the generator step."""
    steps = np.array([record["step"] for record in records], dtype=np.float64)
    series = [
        (record.get(key, math.nan) for record in records),
        (record.get("w1_critic_estimate", math.nan) for record in records),
    ]
    exact, estimate = (np.array(list(values), dtype=np.float64) for values in series)
    finite = np.concatenate([exact, estimate, [floor] if floor is not None else []])
    finite = finite[np.isfinite(finite)]
    low, high = (min(0.0, finite.min()), finite.max()) if finite.size else (0.0, 1.0)
    high = high if high > low else low + 1.0
    first, last = steps.min(), max(steps.max(), steps.min() + 1.0)
    left, right = _MARGIN + 10, _WIDTH - 20
    bottom = top + _PANEL - 30

    def point(step, value):
        return (
            left + (step - first) / (last - first) * (right - left),
            bottom - (value - low) / (high - low) * (bottom - top - 25),
        )

    draw.rectangle([left, top + 20, right, bottom], outline=(0, 0, 0))
    draw.text(
        (left, top + 4), f"{_TITLES[key]} (blue) and the critic's estimate (orange)", fill=(0, 0, 0)
    )
    draw.text((4, top + 20), f"{high:.3g}", fill=(0, 0, 0))
    draw.text((4, bottom - 10), f"{low:.3g}", fill=(0, 0, 0))
    draw.text((left, bottom + 4), f"step {int(first)}", fill=(0, 0, 0))
    draw.text((right - 90, bottom + 4), f"step {int(steps.max())}", fill=(0, 0, 0))
    if floor is not None and math.isfinite(floor):
        y = point(first, floor)[1]
        for x in range(int(left), int(right), 12):  # dashed
            draw.line([x, y, min(x + 6, right), y], fill=_FLOOR_COLOUR, width=1)
    for values, colour in ((exact, _EXACT_COLOUR), (estimate, _ESTIMATE_COLOUR)):
        points = [point(s, v) for s, v in zip(steps, values, strict=True) if math.isfinite(v)]
        if len(points) > 1:
            draw.line(points, fill=colour, width=2)
        for x, y in points:
            draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=colour)


def estimate_plot(records, floors=None):
    """The plot of the exact W1 values and the critic's estimate over generator steps.

    Args:
        records: the Monitor's records, dicts with "step", "w1_critic_estimate"
            and some of "w1_exact", "w1_pixel", "w1_feature".
        floors: the Monitor's `{name: value}` floors (`w1_floor`,
            `w1_pixel_floor`, `w1_feature_floor`), drawn dashed.

    Returns:
        uint8 RGB array [H, W, 3]: one panel per exact W1 in the records.
    """
    from PIL import Image, ImageDraw

    if not records:
        raise ValueError("records must hold at least one check, received none")
    floors = floors or {}
    keys = [key for key in _EXACT_KEYS if any(key in record for record in records)]
    image = Image.new("RGB", (_WIDTH, _PANEL * max(1, len(keys))), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    for index, key in enumerate(keys):
        floor = floors.get(metrics.get(key).floor_name)
        _panel(draw, index * _PANEL, records, key, floor)
    if not keys:
        draw.text((_MARGIN, _PANEL // 2), "no exact W1 measured", fill=(0, 0, 0))
    return np.asarray(image)


def save_estimate_plot(records, path, floors=None):
    """Writes `estimate_plot(records, floors)` to a PNG file (replaced atomically).

    Args:
        records: as for `estimate_plot`.
        path: the PNG file; its directory is created.
        floors: as for `estimate_plot`.

    Returns:
        The path written.
    """
    from PIL import Image

    path = os.fspath(path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    temporary = f"{path}.{os.getpid()}.tmp"
    Image.fromarray(estimate_plot(records, floors)).save(temporary, format="PNG")
    os.replace(temporary, path)
    return path
