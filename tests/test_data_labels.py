"""Tests of keras_wgan.data.labels: the one check of class labels, and a source's label fields."""

import numpy as np
import pytest

from keras_wgan.data import labels


def test_check_labels_flattens_a_column_and_gives_int32():
    checked = labels.check_labels(np.array([[2], [0], [1]], np.int64), 3)
    assert checked.dtype == np.int32 and checked.tolist() == [2, 0, 1]


@pytest.mark.parametrize(
    "values, num_classes, problem",
    [
        ([0, 1, 3], 3, "holds 1 label >= 3 (e.g. 3)"),
        ([0, -2, -1], None, "holds 2 negative labels (e.g. -2)"),
        ([0.0, 1.0], None, "has dtype float64"),
        ([True, False], None, "has dtype bool"),
        ([[0, 1], [1, 0]], None, "has shape (2, 2)"),
        ([0, 2**40], None, f"holds label {2**40}, beyond int32"),
    ],
)
def test_check_labels_refuses_bad_labels_in_one_line(values, num_classes, problem):
    with pytest.raises(ValueError) as caught:
        labels.check_labels(np.array(values), num_classes, argument="y")
    message = str(caught.value)
    assert message.startswith("y ") and problem in message and "\n" not in message


def test_check_labels_counts_against_the_expected_length():
    with pytest.raises(ValueError, match="holds 2 labels for 3 samples"):
        labels.check_labels([0, 1], expected_length=3)


@pytest.mark.parametrize("value", [0, -1, 2.0, True, "3"])
def test_check_num_classes(value):
    assert labels.check_num_classes(None) is None and labels.check_num_classes(4) == 4
    with pytest.raises(ValueError, match="num_classes must be None"):
        labels.check_num_classes(value)


def test_class_counts_include_empty_classes():
    assert labels.class_counts(np.array([0, 2, 2, 0, 0]), 4) == (3, 0, 2, 0)


def test_label_fields_of_named_and_unnamed_classes():
    fields = labels.label_fields(np.array([1, 0, 1, 1]), None, "labels of x", 4, required=True)
    assert fields["num_classes"] == 2 and fields["class_names"] == ("0", "1")
    assert fields["class_counts"] == (1, 3) and fields["labels"].tolist() == [1, 0, 1, 1]
    named = labels.label_fields(
        [0, 1, 0], np.array(["cat", "dog", "emu"]), "labels of x", 3, required=True
    )
    assert named["num_classes"] == 3 and named["class_counts"] == (2, 1, 0)


def test_label_fields_of_bad_labels_raise_only_when_required():
    assert labels.label_fields([0, -1], None, "labels of x", 2, required=False) == {}
    with pytest.raises(ValueError, match="^labels of x holds 1 negative label"):
        labels.label_fields([0, -1], None, "labels of x", 2, required=True)
    with pytest.raises(ValueError, match="^class_names of x has dtype int64"):
        labels.label_fields([0, 1], np.array([3, 4]), "labels of x", 2, required=True)


@pytest.mark.parametrize(
    "values, problem",
    [
        ([0, 20000, 1, 0], "20001 classes, more than the 4 examples"),
        (np.arange(10001 * 2) % 10001, "10001 classes, more than 10000"),
    ],
)
def test_a_class_count_that_cannot_be_meant_is_refused_in_one_line(values, problem):
    with pytest.raises(ValueError) as caught:
        labels.label_fields(np.array(values), None, "labels of x", len(values), required=True)
    message = str(caught.value)
    assert message.startswith(f"labels of x: {problem}") and "\n" not in message
    assert "remap them, e.g. np.unique(labels, return_inverse=True)[1]" in message
    # Unconditional use of the same data: left unlabelled, no class table built.
    assert (
        labels.label_fields(np.array(values), None, "labels of x", len(values), required=False)
        == {}
    )


def test_more_classes_than_examples_stay_labels_of_unconditional_data():
    with pytest.raises(ValueError, match="^labels of x: 10 classes, more than the 3 examples"):
        labels.label_fields([9, 1, 9], None, "labels of x", 3, required=True)
    fields = labels.label_fields([9, 1, 9], None, "labels of x", 3, required=False)
    assert fields["num_classes"] == 10 and fields["labels"].tolist() == [9, 1, 9]


def test_one_class_is_refused_for_conditional_training_only():
    with pytest.raises(ValueError, match="^labels of x: 1 class; class-conditional training"):
        labels.label_fields([0, 0, 0], None, "labels of x", 3, required=True)
    unconditional = labels.label_fields([0, 0, 0], None, "labels of x", 3, required=False)
    assert unconditional["num_classes"] == 1


def test_empty_classes_are_named_in_one_warning_line(caplog):
    values = [0, 7, 0, 7, 0, 7, 0, 7]
    with caplog.at_level("WARNING", logger="keras_wgan"):
        fields = labels.label_fields(values, None, "labels of x", 8, required=True)
    assert fields["num_classes"] == 8 and fields["class_counts"] == (4, 0, 0, 0, 0, 0, 0, 4)
    [record] = caplog.records
    assert record.getMessage() == (
        "labels of x: 6 of 8 classes have no examples (1, 2, 3, 4, "
        "5, ...); the model still makes a class for each: remap the "
        "labels to 0..K-1 to drop them"
    )
    caplog.clear()
    with caplog.at_level("WARNING", logger="keras_wgan"):
        labels.label_fields(values, None, "labels of x", 8, required=False)
    assert not caplog.records  # unconditional training: the classes are not used
