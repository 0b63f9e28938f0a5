"""Each Lipschitz method pinned to a case whose answer is known by hand.

A linear critic f(x) = w.x + b has gradient w everywhere, so the gradient
penalty is exactly (||w|| - 1)^2, the one-sided one max(0, ||w|| - 1)^2, and
the pairwise one is (|w.d| / ||d|| - 1)^2 for a pair with difference d when
that ratio exceeds 1, else 0.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import linear_critic

from keras_wgan import penalties


def square_critic(input_shape):
    """f(x) = ||x||^2 / 2, whose gradient at x is x itself."""
    return keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Lambda(
                lambda x: (
                    0.5
                    * keras.ops.sum(
                        keras.ops.square(keras.ops.reshape(x, (keras.ops.shape(x)[0], -1))),
                        axis=1,
                        keepdims=True,
                    )
                )
            ),
        ]
    )


RNG = np.random.default_rng(0)
REAL = RNG.normal(size=(16, 3)).astype("float32")
FAKE = RNG.normal(size=(16, 3)).astype("float32")


@pytest.mark.parametrize("w", [[3.0, 4.0, 0.0], [0.3, 0.4, 0.0], [0.6, 0.0, 0.8]])
def test_gradient_penalty_of_linear_critic(w):
    norm = np.linalg.norm(w)
    value = penalties.gradient_penalty(linear_critic(w), REAL, FAKE, seed=1)
    assert float(value) == pytest.approx((norm - 1.0) ** 2, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("w", [[3.0, 4.0, 0.0], [0.3, 0.4, 0.0]])
def test_lipschitz_penalty_is_one_sided(w):
    norm = np.linalg.norm(w)
    value = penalties.lipschitz_penalty(linear_critic(w), REAL, FAKE, seed=1)
    assert float(value) == pytest.approx(max(0.0, norm - 1.0) ** 2, rel=1e-5, abs=1e-6)


def test_target_sets_the_lipschitz_constant():
    critic = linear_critic([3.0, 4.0, 0.0])
    assert float(penalties.gradient_penalty(critic, REAL, FAKE, target=5.0)) == pytest.approx(
        0.0, abs=1e-5
    )
    assert float(penalties.gradient_penalty(critic, REAL, FAKE, target=2.0)) == pytest.approx(
        9.0, rel=1e-5
    )


def test_gradient_norm_is_over_all_non_batch_axes():
    # An image-shaped linear critic: ||grad|| is the norm of the whole 4x4x2 weight tensor.
    w = RNG.normal(size=(4, 4, 2)).astype("float32")
    real = RNG.normal(size=(8, 4, 4, 2)).astype("float32")
    fake = RNG.normal(size=(8, 4, 4, 2)).astype("float32")
    value = penalties.gradient_penalty(linear_critic(w, (4, 4, 2)), real, fake, seed=3)
    assert float(value) == pytest.approx((np.linalg.norm(w) - 1.0) ** 2, rel=1e-5)


def test_alpha_is_per_sample_and_interpolates_lie_on_segments():
    real = RNG.normal(size=(32, 4, 4, 1)).astype("float32")
    fake = RNG.normal(size=(32, 4, 4, 1)).astype("float32")
    x_hat = np.asarray(penalties.interpolate(real, fake, seed=7))
    ratios = ((x_hat - real) / (fake - real)).reshape(32, -1)
    np.testing.assert_allclose(ratios, ratios[:, :1] * np.ones_like(ratios), atol=1e-4)
    alphas = ratios[:, 0]
    assert alphas.min() >= 0.0 and alphas.max() <= 1.0
    assert np.std(alphas) > 0.1  # one alpha per sample, not one for the batch


def test_gradient_penalty_at_given_alpha_for_a_nonlinear_critic():
    # f(x) = ||x||^2 / 2 has gradient x; with real = 0, x_hat = alpha * fake and
    # ||grad f(x_hat)|| = alpha * ||fake||.
    fake = RNG.normal(size=(6, 2, 3)).astype("float32")
    alpha = np.linspace(0.1, 0.9, 6).astype("float32")
    norms = alpha * np.linalg.norm(fake.reshape(6, -1), axis=1)
    critic = square_critic((2, 3))
    gp = penalties.gradient_penalty(critic, np.zeros_like(fake), fake, alpha=alpha)
    lp = penalties.lipschitz_penalty(critic, np.zeros_like(fake), fake, alpha=alpha)
    assert float(gp) == pytest.approx(np.mean((norms - 1.0) ** 2), rel=1e-5)
    assert float(lp) == pytest.approx(np.mean(np.maximum(norms - 1.0, 0.0) ** 2), rel=1e-5)


def test_gradient_penalty_is_differentiable_in_the_critic_weights():
    # GP = (||w|| - 1)^2, so dGP/dw = 2 (||w|| - 1) w / ||w||: the second-order path works.
    w = np.array([3.0, 4.0, 0.0], "float32")
    critic = linear_critic(w)
    with tf.GradientTape() as tape:
        value = penalties.gradient_penalty(critic, REAL, FAKE, seed=2)
    grad_w, grad_b = tape.gradient(value, critic.trainable_variables)
    np.testing.assert_allclose(np.ravel(grad_w), 2 * (5.0 - 1.0) * w / 5.0, rtol=1e-5)
    assert grad_b is None  # the bias does not change the gradient


def test_gradient_penalty_is_finite_where_the_gradient_is_zero():
    critic = linear_critic([0.0, 0.0, 0.0])
    with tf.GradientTape() as tape:
        value = penalties.gradient_penalty(critic, REAL, FAKE, seed=2)
    grads = tape.gradient(value, critic.trainable_variables)
    assert float(value) == pytest.approx(1.0, rel=1e-5)
    assert all(np.all(np.isfinite(g)) for g in grads if g is not None)


def test_pairwise_penalty_matches_hand_computation():
    w = np.array([3.0, 4.0], "float32")
    real = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]], "float32")
    fake = np.array([[1.0, 0.0], [0.0, 0.1], [1.0, 1.0 + 1 / 8]], "float32")
    # Ratios |w.d| / ||d||: 3, 4, 4 -> squared hinges 4, 9, 9.
    value = penalties.pairwise_lipschitz_penalty(linear_critic(w), real, fake)
    assert float(value) == pytest.approx((4 + 9 + 9) / 3, rel=1e-4)


@pytest.mark.parametrize("w", [[0.3, 0.4, 0.0], [0.6, 0.0, 0.8], [0.0, 0.0, 1.0]])
def test_pairwise_penalty_is_zero_for_lipschitz_linear_critics(w):
    value = penalties.pairwise_lipschitz_penalty(
        linear_critic(w), REAL, FAKE, interpolates=True, seed=4
    )
    assert float(value) == pytest.approx(0.0, abs=1e-6)


def test_pairwise_penalty_is_positive_when_lipschitz_constant_exceeds_one():
    value = penalties.pairwise_lipschitz_penalty(linear_critic([3.0, 4.0, 0.0]), REAL, FAKE)
    assert float(value) > 0.1


def test_pairwise_penalty_reuses_given_outputs():
    critic = linear_critic([3.0, 4.0, 0.0])
    real_out, fake_out = critic(REAL), critic(FAKE)
    given = penalties.pairwise_lipschitz_penalty(
        critic, REAL, FAKE, real_output=real_out, fake_output=fake_out
    )
    computed = penalties.pairwise_lipschitz_penalty(critic, REAL, FAKE)
    assert float(given) == pytest.approx(float(computed), rel=1e-6)


def test_pairwise_interpolates_on_a_line_have_the_pair_ratio():
    # On one line every sub-pair of a linear critic has the same ratio |w.d| / ||d||.
    w = [3.0, 4.0, 0.0]
    real = np.zeros((4, 3), "float32")
    fake = np.tile(np.array([[1.0, 0.0, 0.0]], "float32"), (4, 1))
    value = penalties.pairwise_lipschitz_penalty(
        linear_critic(w), real, fake, interpolates=True, alpha=np.full(4, 0.25, "float32")
    )
    assert float(value) == pytest.approx(4.0, rel=1e-4)  # ratio 3 -> (3 - 1)^2


def test_clip_weights_clips_to_the_box_and_keeps_small_weights():
    critic = linear_critic([0.5, -0.005, 0.002])
    penalties.clip_weights(critic, 0.01)
    kernel, bias = critic.get_weights()
    np.testing.assert_allclose(np.ravel(kernel), [0.01, -0.005, 0.002], rtol=1e-6)
    np.testing.assert_allclose(bias, [0.01])


def test_drift_penalty_is_mean_square():
    assert float(penalties.drift_penalty([[1.0], [-3.0]])) == pytest.approx(5.0)


def test_no_penalty_is_zero():
    assert float(penalties.no_penalty(linear_critic([9.0, 9.0, 9.0]), REAL, FAKE)) == 0.0


def test_get_by_name_and_unknown_name():
    assert isinstance(penalties.get("gp"), penalties.GradientPenalty)
    assert isinstance(penalties.get("pairwise"), penalties.PairwiseLipschitzPenalty)
    assert penalties.PENALTIES["gp"] is penalties.gradient_penalty
    with pytest.raises(ValueError, match="unknown penalty 'foo'.*'gp'"):
        penalties.get("foo")


def test_penalties_run_inside_tf_function():
    critic = linear_critic([3.0, 4.0, 0.0])

    @tf.function
    def both(real, fake):
        return (
            penalties.gradient_penalty(critic, real, fake, seed=1),
            penalties.pairwise_lipschitz_penalty(critic, real, fake),
        )

    gp, _ = both(tf.constant(REAL), tf.constant(FAKE))
    assert float(gp) == pytest.approx(16.0, rel=1e-5)


def dropout_critic(dim=8):
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((dim,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(1),
        ]
    )


@pytest.mark.parametrize("alpha", [0.0, 1e-6, 1.0 - 1e-6])
def test_pairwise_interpolates_stay_bounded_with_a_noisy_critic(alpha):
    # Dropout draws different masks for f(x) and f(x_hat): as x_hat -> x the quotient
    # |f(x) - f(x_hat)| / ||x - x_hat|| measured the noise (1e8 at alpha 0).
    critic = dropout_critic()
    rng = np.random.default_rng(1)
    real, fake = (rng.normal(size=(64, 8)).astype("float32") for _ in range(2))

    def penalty(a):
        return float(
            penalties.pairwise_lipschitz_penalty(
                critic,
                real,
                fake,
                alpha=np.full(64, a, "float32"),
                interpolates=True,
                training=True,
            )
        )

    typical = np.mean([penalty(0.5) for _ in range(5)])
    values = [penalty(alpha) for _ in range(5)]
    assert np.all(np.isfinite(values))
    assert max(values) < 10 * typical + 1.0, (values, typical)


def test_pairwise_penalty_of_identical_points_is_zero_and_differentiable():
    critic = dropout_critic()
    points = np.random.default_rng(2).normal(size=(16, 8)).astype("float32")
    with tf.GradientTape() as tape:
        value = penalties.pairwise_lipschitz_penalty(
            critic, points, points, interpolates=True, seed=1, training=True
        )
    grads = tape.gradient(value, critic.trainable_variables)
    assert float(value) == 0.0
    assert all(np.all(np.isfinite(g)) for g in grads if g is not None)


def test_pairwise_penalty_leaves_out_only_pairs_much_closer_than_the_batch_scale():
    # A linear critic of slope 3 along the first axis: every kept pair gives (3 - 1)^2.
    w = [3.0, 0.0, 0.0]
    real = np.zeros((4, 3), "float32")
    fake = np.array([[1.0, 0, 0], [1.0, 0, 0], [1.0, 0, 0], [1e-3, 0, 0]], "float32")
    # Mean distance 0.75; the last pair (1e-3) is below 1% of it: left out.
    value = penalties.pairwise_lipschitz_penalty(linear_critic(w), real, fake)
    assert float(value) == pytest.approx(4.0 * 3 / 4, rel=1e-4)
    fake[3, 0] = 0.05  # above 1% of the mean distance: kept
    value = penalties.pairwise_lipschitz_penalty(linear_critic(w), real, fake)
    assert float(value) == pytest.approx(4.0, rel=1e-4)


# ------------------------------------------------------ the method objects
def test_zero_centred_penalty_of_linear_and_square_critics():
    # Linear: ||grad f||^2 = ||w||^2 = 25 everywhere. Square: grad f(x_hat) = alpha * fake.
    value = penalties.get("gp0")(linear_critic([3.0, 4.0, 0.0]), REAL, FAKE, seed=1)
    assert float(value) == pytest.approx(25.0, rel=1e-5)
    fake = RNG.normal(size=(6, 2, 3)).astype("float32")
    alpha = np.linspace(0.1, 0.9, 6).astype("float32")
    expected = np.mean(alpha**2 * np.sum(fake.reshape(6, -1) ** 2, axis=1))
    value = penalties.zero_centred_gradient_penalty(
        square_critic((2, 3)), np.zeros_like(fake), fake, alpha=alpha
    )
    assert float(value) == pytest.approx(expected, rel=1e-5)
    assert penalties.get("gp0").weight == 10.0 and penalties.get("gp0").second_order


def test_r1_is_half_the_mean_squared_gradient_on_real_samples_only():
    # Square critic: grad f(x) = x, so R1 = mean ||real||^2 / 2, whatever the fakes.
    real = RNG.normal(size=(8, 3)).astype("float32")
    expected = 0.5 * np.mean(np.sum(real**2, axis=1))
    r1 = penalties.get("r1")
    for fake in (np.zeros_like(real), 100.0 + real):
        assert float(r1(square_critic((3,)), real, fake)) == pytest.approx(expected, rel=1e-5)
    assert float(r1(linear_critic([3.0, 4.0, 0.0]), REAL, FAKE)) == pytest.approx(12.5, rel=1e-5)
    assert r1.weight == 10.0  # gamma: the loss term is gamma / 2 * E ||grad||^2


def test_wgan_div_is_the_mean_p_th_power_of_the_gradient_norm_at_real_and_fake():
    # Square critic: ||grad f(x)|| = ||x||; the term is (mean_real + mean_fake) / 2 of ||x||^6.
    real = np.array([[1.0, 0.0], [0.0, 2.0]], "float32")
    fake = np.array([[1.0, 1.0], [0.0, 0.5]], "float32")
    expected = 0.5 * (np.mean([1.0, 2.0**6]) + np.mean([2.0**3, 0.5**6]))
    method = penalties.get("wgan_div")
    assert float(method(square_critic((2,)), real, fake)) == pytest.approx(expected, rel=1e-5)
    assert (method.weight, method.power) == (2.0, 6.0)  # k = 2, p = 6
    quartic = penalties.get("wgan_div", power=4.0)
    assert float(quartic(linear_critic([0.0, 2.0, 0.0]), REAL, FAKE)) == pytest.approx(16.0)


def test_consistency_term_matches_hand_computation():
    # Per sample: (D' - D'')^2 + 0.1 * mean_j (D_'_j - D_''_j)^2, minus M', hinged at 0.
    outputs_1, outputs_2 = [[1.0], [0.5], [0.0]], [[0.0], [0.5], [0.2]]
    features_1 = [[2.0, 0.0], [0.0, 0.0], [0.0, 0.0]]
    features_2 = [[0.0, 0.0], [0.0, 4.0], [0.0, 0.0]]
    distances = np.array([1.0 + 0.1 * 2.0, 0.0 + 0.1 * 8.0, 0.04])  # 1.2, 0.8, 0.04
    for margin in (0.0, 0.5):
        value = penalties.consistency_term(
            outputs_1, outputs_2, features_1, features_2, margin=margin
        )
        assert float(value) == pytest.approx(np.mean(np.maximum(distances - margin, 0)), rel=1e-5)
    assert float(penalties.consistency_term(outputs_1, outputs_2)) == pytest.approx(
        np.mean([1.0, 0.0, 0.04]), rel=1e-5
    )


def linear_dropout_critic(w):
    """f(x) = w.x with Dropout(0.5) on the input: f itself in inference."""
    critic = keras.Sequential(
        [keras.Input((len(w),)), keras.layers.Dropout(0.5), keras.layers.Dense(1)]
    )
    critic.set_weights([np.asarray(w, "float32").reshape(-1, 1), np.zeros(1, "float32")])
    return critic


def test_ctgan_is_the_gradient_penalty_plus_the_consistency_of_two_dropout_passes():
    critic = linear_dropout_critic([3.0, 4.0, 0.0])
    method = penalties.get("ctgan")
    # Without dropout (inference) both passes agree: only the gradient penalty (5 - 1)^2.
    assert float(method(critic, REAL, FAKE, seed=1, training=False)) == pytest.approx(16.0)
    # With dropout the two passes differ: CT > 0 on top of a (random) gradient penalty.
    gp = float(
        penalties.gradient_penalty(
            critic, REAL, FAKE, alpha=np.full(16, 0.5, "float32"), training=True
        )
    )
    with_ct = [
        float(method(critic, REAL, FAKE, alpha=np.full(16, 0.5, "float32"))) for _ in range(3)
    ]
    assert all(np.isfinite(with_ct)) and max(with_ct) > 0.0 and gp >= 0.0
    assert (method.weight, method.consistency_weight) == (10.0, 0.2)  # lambda 10, lambda_2 2


def test_ctgan_refuses_a_critic_without_dropout():
    from keras_wgan import WassersteinGAN, architectures

    generator, critic = architectures.build("mlp", (2,), units=8, depth=1)
    with pytest.raises(ValueError, match="penalty 'ctgan' needs a critic with dropout"):
        WassersteinGAN(generator, critic, penalty="ctgan")
    generator, critic = architectures.build("mlp", (2,), units=8, depth=1, dropout=0.2)
    gan = WassersteinGAN(generator, critic, penalty="ctgan", critic_steps=2, seed=0)
    gan.compile()
    history = gan.fit(
        np.random.default_rng(0).normal(size=(32, 2)).astype("float32"),
        batch_size=16,
        epochs=1,
        verbose=0,
    )
    assert history.history["penalty"][-1] > 0.0


@pytest.mark.parametrize("name", list(penalties.METHODS))
def test_every_method_round_trips_through_its_config(name):
    method = penalties.get(name)
    assert method.name == name
    config = keras.saving.serialize_keras_object(method)
    restored = penalties.get(config)
    assert type(restored) is type(method) and restored.get_config() == method.get_config()


def test_get_takes_options_instances_and_functions():
    method = penalties.get("pairwise", weight=3.0, interpolates=True)
    assert (method.weight, method.interpolates) == (3.0, True)
    assert penalties.get(method) is method
    with pytest.raises(ValueError, match="penalty 'gp' takes no option clip_value"):
        penalties.get("gp", clip_value=0.1)
    with pytest.raises(ValueError, match="weight must be a finite number >= 0, received -1"):
        penalties.get("r1", weight=-1)

    def mine(critic, real, fake, *, target, **kwargs):
        return target * penalties.gradient_penalty(critic, real, fake, **kwargs)

    wrapped = penalties.get(mine, weight=2.0, target=0.5)
    assert isinstance(wrapped, penalties.PenaltyFunction) and wrapped.name == "mine"
    value = wrapped(linear_critic([3.0, 4.0, 0.0]), REAL, FAKE, alpha=np.full(16, 0.5))
    assert float(value) == pytest.approx(0.5 * 16.0, rel=1e-5)


def test_optimizers_constraints_and_second_derivatives_belong_to_the_methods():
    assert {name for name, cls in penalties.METHODS.items() if cls.second_order} == {
        "gp",
        "lp",
        "gp0",
        "r1",
        "wgan_div",
        "ctgan",
    }
    clip = penalties.get("clip", clip_value=0.05)
    assert isinstance(clip.default_optimizer(), keras.optimizers.RMSprop)
    assert clip.default_optimizer_name == "rmsprop"
    assert isinstance(penalties.get("gp0").default_optimizer(), keras.optimizers.Adam)
    critic = linear_critic([0.5, -0.005, 0.002])
    penalties.get("gp").constrain(critic)  # a penalty leaves the weights alone
    assert critic.get_weights()[0].max() == 0.5
    clip.constrain(critic)
    np.testing.assert_allclose(np.ravel(critic.get_weights()[0]), [0.05, -0.005, 0.002])


@pytest.mark.parametrize(
    "penalty, message",
    [
        ("r1", "with a gradient penalty \\(penalty 'r1'\\)"),
        ("pairwise", "float16 needs loss scaling"),
    ],
)
def test_float16_refusal_reads_the_methods_second_order_flag(penalty, message):
    from keras_wgan import training

    with pytest.raises(ValueError, match=message):
        training.resolve_mixed_precision("mixed_float16", penalty)
