"""The emoji benchmark set of `benchmarks/emoji_data.py`, as the image benchmark reads it.

`--data=emoji32` (or `emoji64`) names `runs/emoji/emoji32/` (one subfolder
per Unicode group: the folder the package trains on, as a user's own) and
`runs/emoji/emoji32.npz` beside it (the same images in the same order with
their group and subgroup labels: what the benchmark scores against). Any
other value is a path to such a folder with its `.npz` beside it.

The feature classifier is trained on the 99 subgroups (finer than the 9
groups, so its features tell more apart); a group is predicted by summing the
subgroup probabilities of each group (`group_classifier`), which serves the
group coverage and, in the conditional mode, the group accuracy.
"""

import os
from dataclasses import dataclass

import numpy as np

EMOJI_ROOT = os.path.join("runs", "emoji")
BUILD = "python benchmarks/emoji_data.py"


@dataclass
class EmojiSet:
    """An emoji folder and its `.npz`: images uint8 [n, s, s, 3], groups and subgroups int [n]."""

    folder: str
    npz: str
    images: np.ndarray
    groups: np.ndarray
    subgroups: np.ndarray
    class_names: list
    subgroup_names: list

    @property
    def group_of_subgroup(self) -> np.ndarray:
        """int [num_subgroups]: the group of each subgroup (each lies in one group)."""
        mapping = np.full(len(self.subgroup_names), -1, np.int64)
        for subgroup, group in set(zip(self.subgroups.tolist(), self.groups.tolist())):
            if mapping[subgroup] not in (-1, group):
                raise ValueError(
                    f"data: subgroup {self.subgroup_names[subgroup]!r} has images in two groups "
                    f"in {self.npz}; expected each subgroup in one group"
                )
            mapping[subgroup] = group
        return mapping

    def group_entropy(self) -> float:
        """Entropy (nats) of the real images' groups: the coverage a perfect generator shows."""
        from keras_wgan.evaluation.metrics import classes  # the coverage's own entropy

        return classes.class_entropy(np.eye(len(self.class_names))[self.groups])


def load_emoji(data: str) -> EmojiSet:
    """The emoji set named by `--data`: "emoji32", "emoji64" or a folder with its .npz beside it."""
    folder = os.path.join(EMOJI_ROOT, data) if data in ("emoji32", "emoji64") else data
    folder = os.path.normpath(folder)
    npz = folder + ".npz"
    if not os.path.isdir(folder) or not os.path.isfile(npz):
        raise ValueError(
            f"data: expected an emoji folder with its .npz beside it (built by `{BUILD}`), "
            f"received {data!r}: folder {folder} or {npz} is missing"
        )
    emoji = read_emoji_npz(npz)
    folders = sorted(e.name for e in os.scandir(folder) if e.is_dir())
    if folders != emoji.class_names:
        raise ValueError(
            f"data: the subfolders of {folder} ({folders}) are not the class_names of {npz} "
            f"({emoji.class_names}); the folder's labels must be the npz's groups"
        )
    emoji.folder = folder
    return emoji


def read_emoji_npz(npz: str) -> EmojiSet:
    """The arrays of an emoji `.npz` (built by `BUILD`), checked; its folder is not needed."""
    with np.load(npz) as arrays:
        missing = {"images", "labels", "class_names", "subgroups", "subgroup_names"} - set(arrays)
        if missing:
            raise ValueError(f"data: {npz} lacks {sorted(missing)}; rebuild it with `{BUILD}`")
        images = arrays["images"]
        groups, subgroups = arrays["labels"].astype(np.int64), arrays["subgroups"].astype(np.int64)
        class_names = [str(n) for n in arrays["class_names"]]
        subgroup_names = [str(n) for n in arrays["subgroup_names"]]
    if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"data: {npz} images must be uint8 [n, s, s, 3]; received {images.dtype} {images.shape}"
        )
    return EmojiSet("", npz, images, groups, subgroups, class_names, subgroup_names)


def group_classifier(network, emoji: EmojiSet):
    """A function images -> group probabilities [n, groups]: the subgroup classifier's, summed.

    `network` is the `FeatureNetwork` of the subgroup classifier (its
    `classify` gives subgroup probabilities).
    """
    mapping = emoji.group_of_subgroup
    num_subgroups = int(network.classify(emoji.images[:2]).shape[-1])
    matrix = np.zeros((num_subgroups, len(emoji.class_names)), np.float32)
    for subgroup in range(num_subgroups):
        if subgroup < len(mapping) and mapping[subgroup] >= 0:
            matrix[subgroup, mapping[subgroup]] = 1.0

    def classify(images):
        return np.asarray(network.classify(images), np.float32) @ matrix

    classify.description = f"{network.description}, subgroups summed into groups"
    return classify


def emoji_scorer(emoji: EmojiSet, name: str, classifier=None, classifier_epochs=None, **options):
    """The benchmark's `Scorer` of an emoji set, as every mode scores it.

    FD and the other measures in the features of the classifier of the
    subgroups, cached at `classifier` (default runs/bench/<name>_classifier.keras,
    trained for `classifier_epochs`, default 30, if missing); coverage and
    accuracy over the groups. `options` go to `Scorer` (e.g. `kid=True`).
    """
    from quality_scoring import Scorer, cached_classifier

    from keras_wgan.evaluation import feature_networks

    model = cached_classifier(
        classifier or os.path.join("runs", "bench", f"{name}_classifier.keras"),
        emoji.images,
        emoji.subgroups,
        f"{name} subgroups",
        classifier_epochs or 30,
    )
    return Scorer(
        model,
        emoji.images,
        emoji.groups,
        classify=group_classifier(feature_networks.feature_network(model), emoji),
        num_classes=len(emoji.class_names),
        **options,
    )
