"""CT-GAN: the gradient penalty plus the consistency term of Wei et al. (2018), "ctgan"."""

import keras
from keras import ops

from keras_wgan import validation
from keras_wgan.penalties.base import PenaltyWrapper
from keras_wgan.penalties.options import TARGET
from keras_wgan.penalties.wgan_gp import gradient_penalty

__all__ = ["ConsistencyTerm", "consistency_term", "ctgan_penalty", "feature_model"]

#: The layers whose training-mode calls are random, so that two passes differ.
STOCHASTIC_LAYERS = (
    keras.layers.Dropout,
    keras.layers.GaussianDropout,
    keras.layers.AlphaDropout,
    keras.layers.GaussianNoise,
)


def feature_model(critic):
    """A model sharing the critic's layers: x -> (input of its last layer, f(x)).

    Raises:
        ValueError: for a critic that does not expose its last layer's input
            (neither functional nor Sequential).
    """
    try:
        # A projection critic's last layer adds the projection <E[y], phi>: phi is its input.
        layer = next((layer for layer in critic.layers if layer.name == "projection"), None)
        features = critic.layers[-1].input if layer is None else layer.input[1]
        return keras.Model(critic.inputs, [features, critic.outputs[0]])
    except (AttributeError, IndexError, TypeError, ValueError) as error:
        raise ValueError(
            f"penalty 'ctgan' reads the critic's second-to-last layer, which critic "
            f"{critic.name!r} does not expose ({error}); expected a functional or Sequential "
            "keras.Model, or feature_weight=0"
        ) from error


def ctgan_penalty(
    critic,
    real,
    fake,
    *,
    alpha=None,
    seed=None,
    real_output=None,
    fake_output=None,
    target=1.0,
    training=True,
    consistency_weight=0.2,
    feature_weight=0.1,
    margin=0.0,
    features=None,
):
    """CT-GAN's term: gradient_penalty + consistency_weight * consistency_term.

    The consistency term compares two fresh passes of the critic over `real`
    (see `consistency_term`, `ConsistencyTerm`).

    Args:
        critic: the critic, with dropout, mapping [B, ...] to [B, 1].
        real: real samples, [B, ...].
        fake: generated samples, same shape (for the gradient penalty).
        alpha: optional interpolation coefficients of the gradient penalty.
        seed: random seed for alpha when it is not given.
        real_output: unused (the consistency term needs two new passes).
        fake_output: unused.
        target: the gradient penalty's target norm.
        training: passed to the critic (True: dropout on).
        consistency_weight: lambda_2 / lambda, 0.2.
        feature_weight: the second-to-last layer's share in CT, 0.1; 0 leaves it out.
        margin: M'.
        features: `feature_model(critic)` if already built.

    Returns:
        A float32 scalar.
    """
    del real_output, fake_output
    penalty = gradient_penalty(
        critic, real, fake, alpha=alpha, seed=seed, target=target, training=training
    )
    real = ops.convert_to_tensor(real, "float32")
    if feature_weight:
        features = features if features is not None else feature_model(critic)
        features_1, outputs_1 = features(real, training=training)
        features_2, outputs_2 = features(real, training=training)
    else:
        features_1 = features_2 = None
        outputs_1, outputs_2 = critic(real, training=training), critic(real, training=training)
    consistency = consistency_term(
        outputs_1, outputs_2, features_1, features_2, feature_weight=feature_weight, margin=margin
    )
    return penalty + consistency_weight * consistency


def consistency_term(
    outputs_1, outputs_2, features_1=None, features_2=None, *, feature_weight=0.1, margin=0.0
):
    """CT-GAN's consistency term on two stochastic critic passes over the same real batch.

    Wei, Gong, Liu, Lu and Wang (2018), "Improving the Improved Training of
    Wasserstein GANs: A Consistency Term and Its Dual Effect", ICLR 2018,
    arXiv:1803.01541: the Lipschitz condition is also enforced near the data
    by asking two dropout-perturbed evaluations x', x'' of the critic at each
    real x to agree, CT = E_x max(0, d(D(x'), D(x'')) + 0.1 d(D_(x'), D_(x''))
    - M'), with D_ the second-to-last layer. d is the squared difference
    (per feature mean for D_), as in the authors' released code
    (biuyq/CT-GAN, CT_gan_cifar.py, CT_gan_mnist.py).

    Args:
        outputs_1: critic outputs of the first pass, [B, 1] or [B].
        outputs_2: critic outputs of the second pass.
        features_1: second-to-last-layer features of the first pass, [B, ...],
            or None to leave that part out.
        features_2: of the second pass.
        feature_weight: the weight of the features' part, 0.1 in the paper.
        margin: M'; 0 in the authors' released code.

    Returns:
        A float32 scalar.

    Example:
    >>> term = consistency_term([[1.0], [0.0]], [[0.0], [0.0]], [[2.0, 0.0]] * 2, [[0.0, 0.0]] * 2)
    >>> round(float(term), 6)  # (1 + 0.1 * 2 + 0 + 0.1 * 2) / 2
    0.7
    """
    outputs_1 = ops.reshape(ops.cast(outputs_1, "float32"), (-1,))
    outputs_2 = ops.reshape(ops.cast(outputs_2, "float32"), (-1,))
    distance = ops.square(outputs_1 - outputs_2)
    if features_1 is not None:
        batch = ops.shape(outputs_1)[0]
        difference = ops.reshape(ops.cast(features_1, "float32"), (batch, -1)) - ops.reshape(
            ops.cast(features_2, "float32"), (batch, -1)
        )
        distance = distance + feature_weight * ops.mean(ops.square(difference), axis=1)
    return ops.mean(ops.relu(distance - margin))


@keras.saving.register_keras_serializable(package="keras_wgan")
class ConsistencyTerm(PenaltyWrapper):
    """CT-GAN: WGAN-GP's gradient penalty plus the consistency term on the real batch.

    The critic loss is that of WGAN-GP plus lambda_2 CT (see
    `consistency_term`), with the paper's lambda = 10 and lambda_2 = 2: the
    term returned is GP + consistency_weight * CT, weighted by `weight`
    (lambda), so `consistency_weight` is lambda_2 / lambda = 0.2. The critic
    must have dropout (the two passes differ by their dropout masks; the
    paper's critics have dropout after every hidden layer): a critic without
    a stochastic layer is refused when the model is built, since its term
    would silently be 0. The second-to-last layer is read as the input of
    the critic's last layer, which needs a functional or Sequential critic;
    `feature_weight=0` leaves that part out (and any critic then works).

    As in the paper and the authors' released code: CT on the real batch
    only, two fresh dropout passes, the second-to-last layer's part at 0.1,
    dropout on in every critic call of training (the gradient penalty's and
    the generator's too). One difference: their code subtracts M after
    weighting by lambda_2 (max(0, lambda_2 d - M)); here, as in eq. 5, M' is
    subtracted from d; with their M = 0 the two agree. The defaults are the
    paper's, for image critics (dropout 0.5, Adam 1e-4).

    Args:
        weight: lambda, 10.
        consistency_weight: lambda_2 / lambda, 2 / 10.
        feature_weight: the second-to-last layer's share in CT, 0.1.
        margin: M', 0 as in the authors' released code.
        target: the gradient penalty's target norm.
    """

    name = "ctgan"
    options = {"target": TARGET}
    second_order = True

    def __init__(
        self,
        weight=10.0,
        consistency_weight=0.2,
        feature_weight=0.1,
        margin=0.0,
        target=TARGET.default,
    ):
        checked = {
            name: float(validation.non_negative(name, value))
            for name, value in (
                ("consistency_weight", consistency_weight),
                ("feature_weight", feature_weight),
                ("margin", margin),
            )
        }
        super().__init__(ctgan_penalty, weight, **checked, target=target)
        self._feature_models = {}

    def check_critic(self, critic):
        """Raises ValueError for a critic without dropout, or without a readable last layer."""
        if not any(isinstance(layer, STOCHASTIC_LAYERS) for layer in critic._flatten_layers()):
            raise ValueError(
                f"penalty 'ctgan' needs a critic with dropout, received a critic "
                f"{critic.name!r} without any Dropout layer: its two passes would agree and the "
                "consistency term would be 0; expected a critic with Dropout (e.g. "
                "critic_dropout=0.5 (--critic_dropout) with the mlp, "
                "architectures.build('mlp', ..., dropout=0.5), or the 'kerasio' critic)"
            )
        if self.feature_weight:
            feature_model(critic)

    def __call__(
        self,
        critic,
        real,
        fake,
        *,
        alpha=None,
        real_output=None,
        fake_output=None,
        seed=None,
        training=True,
    ):
        model = None
        if self.feature_weight:
            network = getattr(critic, "critic", critic)  # a LabelledCritic's own critic
            model = self._feature_models.get(id(network))
            if model is None:
                model = self._feature_models.setdefault(id(network), feature_model(network))
            if network is not critic:
                model = critic.bind(model)
        return ctgan_penalty(
            critic,
            real,
            fake,
            alpha=alpha,
            seed=seed,
            training=training,
            features=model,
            **self.fn_options,
        )
