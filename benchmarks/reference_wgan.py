"""The plain references that the benchmarks measure the package against.

* The keras.io WGAN-GP: the `WGAN` class of keras-io's
  examples/generative/wgan_gp.py (`reference_class`), written the plain way
  (float32, separate critic calls on the real and the generated batch, every
  critic update reusing the incoming batch), with one option for an ablation;
  on the example's own networks for 28x28x1 (the package's `kerasio`) and on
  the same networks widened to colour for 32x32x3 and 64x64x3
  (`kerasio_colour_networks`).
* The WGAN-GP paper's CIFAR-10 DCGAN, `gan_cifar.py` of
  igul222/improved_wgan_training (`gan_cifar_networks`, `gan_cifar_class`):
  5x5 convolutions, batch norm in the generator only, 5 critic steps each on
  a fresh real batch, lambda 10, Adam(1e-4, 0.5, 0.9), batch 64, DIM 64.

`build_reference` builds either, compiled. `benchmarks/speed.py` times the
keras.io step, `benchmarks/image_quality.py` measures what both learn.
"""

import numpy as np

DIM = 64  # gan_cifar.py's width (its default 128 "overfits substantially; ... better off with 64")


def reference_class():
    """`ReferenceWGAN`, a `keras.Model` (imported lazily: TensorFlow loads on the first call)."""
    import keras
    import tensorflow as tf

    class ReferenceWGAN(keras.Model):
        """The keras.io WGAN-GP `WGAN`: each critic update reuses the incoming batch.

        `generator_training_in_critic=False` runs the generator's batch
        normalisation in inference mode while the critic trains (an ablation).
        """

        def __init__(
            self,
            discriminator,
            generator,
            latent_dim,
            critic_steps=3,
            gp_weight=10.0,
            generator_training_in_critic=True,
        ):
            super().__init__()
            self.discriminator = discriminator
            self.generator = generator
            self.latent_dim = latent_dim
            self.d_steps = critic_steps
            self.gp_weight = gp_weight
            self.generator_training_in_critic = generator_training_in_critic

        def compile(self, d_optimizer, g_optimizer):
            super().compile()
            self.d_optimizer = d_optimizer
            self.g_optimizer = g_optimizer

        def call(self, latent, training=False):
            return self.generator(latent, training=training)

        def gradient_penalty(self, batch_size, real_images, fake_images):
            shape = [batch_size] + [1] * (len(real_images.shape) - 1)
            alpha = tf.random.uniform(shape, 0.0, 1.0)
            interpolated = real_images + alpha * (fake_images - real_images)
            with tf.GradientTape() as gp_tape:
                gp_tape.watch(interpolated)
                pred = self.discriminator(interpolated, training=True)
            grads = gp_tape.gradient(pred, [interpolated])[0]
            axes = list(range(1, len(real_images.shape)))
            norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=axes))
            return tf.reduce_mean((norm - 1.0) ** 2)

        def train_step(self, real_images):
            batch_size = tf.shape(real_images)[0]
            for _ in range(self.d_steps):
                latent = tf.random.normal(shape=(batch_size, self.latent_dim))
                with tf.GradientTape() as tape:
                    fake_images = self.generator(latent, training=self.generator_training_in_critic)
                    fake_logits = self.discriminator(fake_images, training=True)
                    real_logits = self.discriminator(real_images, training=True)
                    d_cost = tf.reduce_mean(fake_logits) - tf.reduce_mean(real_logits)
                    gp = self.gradient_penalty(batch_size, real_images, fake_images)
                    d_loss = d_cost + gp * self.gp_weight
                d_gradient = tape.gradient(d_loss, self.discriminator.trainable_variables)
                self.d_optimizer.apply_gradients(
                    zip(d_gradient, self.discriminator.trainable_variables)
                )
            latent = tf.random.normal(shape=(batch_size, self.latent_dim))
            with tf.GradientTape() as tape:
                generated_images = self.generator(latent, training=True)
                gen_img_logits = self.discriminator(generated_images, training=True)
                g_loss = -tf.reduce_mean(gen_img_logits)
            gen_gradient = tape.gradient(g_loss, self.generator.trainable_variables)
            self.g_optimizer.apply_gradients(zip(gen_gradient, self.generator.trainable_variables))
            return {"d_loss": d_loss, "g_loss": g_loss}

    return ReferenceWGAN


def gan_cifar_class():
    """`GanCifarWGAN`: gan_cifar.py's training, a `ReferenceWGAN` with its own `train_step`."""
    import tensorflow as tf

    class GanCifarWGAN(reference_class()):
        """gan_cifar.py's WGAN-GP step: each critic update on its own real batch.

        A batch of `critic_steps * 64` real images is split into one batch
        of 64 per critic update (the script draws a fresh batch for each);
        then one generator update on 64 generated images. The generator's
        batch norm runs in training mode throughout, as the script's does.
        """

        def train_step(self, real_images):
            batches = tf.split(real_images, self.d_steps)
            for real in batches:
                batch_size = tf.shape(real)[0]
                latent = tf.random.normal((batch_size, self.latent_dim))
                with tf.GradientTape() as tape:
                    fake = self.generator(latent, training=True)
                    d_cost = tf.reduce_mean(self.discriminator(fake, training=True))
                    d_cost -= tf.reduce_mean(self.discriminator(real, training=True))
                    gp = self.gradient_penalty(batch_size, real, fake)
                    d_loss = d_cost + self.gp_weight * gp
                weights = self.discriminator.trainable_variables
                self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, weights), weights))
            latent = tf.random.normal((tf.shape(batches[0])[0], self.latent_dim))
            with tf.GradientTape() as tape:
                fake = self.generator(latent, training=True)
                g_loss = -tf.reduce_mean(self.discriminator(fake, training=True))
            weights = self.generator.trainable_variables
            self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, weights), weights))
            return {"d_loss": d_loss, "g_loss": g_loss}

    return GanCifarWGAN


def _upsampling_steps(sample_shape, argument="sample_shape"):
    """How many doublings from 4x4 give the square colour `sample_shape` (3 for 32, 4 for 64)."""
    size = sample_shape[0]
    if tuple(sample_shape) not in ((32, 32, 3), (64, 64, 3)):
        raise ValueError(
            f"{argument}: the colour references are built for (32, 32, 3) and (64, 64, 3); "
            f"received {tuple(sample_shape)}"
        )
    return {32: 3, 64: 4}[size]


def kerasio_colour_networks(sample_shape=(32, 32, 3), latent_dim=128):
    """The keras.io WGAN-GP networks widened to colour, without the example's 28 px pad and crop.

    At 32x32x3: the example's generator (Dense to 4x4x256 without bias,
    batch norm, LeakyReLU(0.2); blocks of UpSampling2D, 3x3 Conv2D without
    bias and batch norm to 128 and 64 filters with LeakyReLU(0.2), and to 3
    with tanh), ending at 32x32x3 instead of cropping to 28x28x1; its critic
    (four 5x5 stride-2 Conv2D of 64, 128, 256, 512 filters with LeakyReLU(0.2),
    Dropout(0.3) after the second and third, Flatten, Dropout(0.2),
    Dense(1)) on 32x32x3 without the zero padding. At 64x64x3 the generator
    is one block deeper (Dense to 4x4x512, blocks of 256, 128, 64, then 3)
    and the critic's four convolutions end at 4x4 instead of 2x2.

    Returns:
        A `(generator, critic)` pair of `keras.Model`.
    """
    import keras
    from keras import layers

    steps = _upsampling_steps(sample_shape)
    noise = keras.Input((latent_dim,))
    width = 256 * 2 ** (steps - 3)
    x = layers.Dense(4 * 4 * width, use_bias=False)(noise)
    x = layers.LeakyReLU(0.2)(layers.BatchNormalization()(x))
    x = layers.Reshape((4, 4, width))(x)
    for filters in [width // 2**k for k in range(1, steps)] + [3]:
        x = layers.UpSampling2D((2, 2))(x)
        x = layers.Conv2D(filters, (3, 3), padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("tanh")(x) if filters == 3 else layers.LeakyReLU(0.2)(x)
    generator = keras.Model(noise, x, name="kerasio_colour_generator")
    image = keras.Input(tuple(sample_shape))
    y = image
    for filters, dropout in ((64, False), (128, True), (256, True), (512, False)):
        y = layers.Conv2D(filters, (5, 5), strides=(2, 2), padding="same")(y)
        y = layers.LeakyReLU(0.2)(y)
        if dropout:
            y = layers.Dropout(0.3)(y)
    y = layers.Dense(1)(layers.Dropout(0.2)(layers.Flatten()(y)))
    return generator, keras.Model(image, y, name="kerasio_colour_critic")


def gan_cifar_networks(sample_shape=(32, 32, 3), latent_dim=128, dim=DIM):
    """gan_cifar.py's DCGAN generator and critic (its 'wgan-gp' mode), in Keras.

    At 32x32x3, as gan_cifar.py: the generator is Dense(128 -> 4*4*4*DIM),
    batch norm, ReLU, then 5x5 stride-2 transposed convolutions to 2*DIM and
    DIM (each with batch norm and ReLU) and to 3 with tanh; the critic three
    5x5 stride-2 convolutions (DIM, 2*DIM, 4*DIM) with LeakyReLU(0.2), no
    normalisation, and Dense(4*4*4*DIM -> 1). At 64x64x3 both are one block
    deeper, as gan_64x64.py's DCGAN: the generator starts at 4x4x8*DIM, the
    critic ends with an 8*DIM convolution at 4x4 (gan_64x64.py's critic
    adds layer norm in its wgan-gp mode; here it stays without, as in
    gan_cifar.py).

    Returns:
        A `(generator, critic)` pair of `keras.Model`.
    """
    import keras
    from keras import layers

    steps = _upsampling_steps(sample_shape)
    noise = keras.Input((latent_dim,))
    width = dim * 2 ** (steps - 1)
    x = layers.Dense(4 * 4 * width)(noise)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    x = layers.Reshape((4, 4, width))(x)
    for filters in [width // 2**k for k in range(1, steps)]:
        x = layers.Conv2DTranspose(filters, 5, strides=2, padding="same")(x)
        x = layers.ReLU()(layers.BatchNormalization()(x))
    x = layers.Conv2DTranspose(3, 5, strides=2, padding="same", activation="tanh")(x)
    generator = keras.Model(noise, x, name="gan_cifar_generator")
    image = keras.Input(tuple(sample_shape))
    y = image
    for k in range(steps):
        y = layers.LeakyReLU(0.2)(layers.Conv2D(dim * 2**k, 5, strides=2, padding="same")(y))
    y = layers.Dense(1)(layers.Flatten()(y))
    return generator, keras.Model(image, y, name="gan_cifar_critic")


def build_reference(
    critic_steps=3,
    learning_rate=2e-4,
    dropout=True,
    generator_training_in_critic=True,
    patches=False,
    seed=0,
    sample_shape=(28, 28, 1),
    networks="kerasio",
):
    """A plain reference, compiled, in float32.

    `networks="kerasio"`: the keras.io WGAN-GP (its step, `critic_steps`,
    Adam(`learning_rate`, 0.5, 0.9)) on the package's kerasio networks for
    28x28x1 (plain Conv2D, or patches with `patches`) or on
    `kerasio_colour_networks` for (32, 32, 3) and (64, 64, 3).
    `networks="gan_cifar"`: gan_cifar.py (`GanCifarWGAN` on
    `gan_cifar_networks`, 5 critic steps, Adam(1e-4, 0.5, 0.9)); it takes
    batches of 5 * 64 images (`reference_batches(..., batch_size=5 * 64)`).
    """
    import keras

    from keras_wgan import architectures
    from keras_wgan.layers import PatchConv2D

    keras.mixed_precision.set_global_policy("float32")
    keras.utils.set_random_seed(seed)
    if networks == "gan_cifar":
        generator, critic = gan_cifar_networks(sample_shape)
        model = gan_cifar_class()(critic, generator, generator.input_shape[-1], critic_steps=5)
        model.compile(
            d_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9),
            g_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9),
        )
        return model
    if networks != "kerasio":
        raise ValueError(f"networks: expected 'kerasio' or 'gan_cifar', received {networks!r}")
    if tuple(sample_shape) == (28, 28, 1):
        generator, critic = architectures.kerasio((28, 28, 1))
    else:
        generator, critic = kerasio_colour_networks(sample_shape)
    for layer in critic.layers:
        if isinstance(layer, PatchConv2D):
            layer.implementation = "auto" if patches else "conv"
        if isinstance(layer, keras.layers.Dropout) and not dropout:
            layer.rate = 0.0
    model = reference_class()(
        critic,
        generator,
        generator.input_shape[-1],
        critic_steps=critic_steps,
        generator_training_in_critic=generator_training_in_critic,
    )
    model.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5, beta_2=0.9),
        g_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5, beta_2=0.9),
    )
    return model


def reference_batches(images, batch_size=64, seed=0):
    """The keras.io example's pipeline: in-memory images in [-1, 1], shuffled, batched."""
    import tensorflow as tf

    x = images.astype(np.float32) / 127.5 - 1.0  # as keras_wgan.data maps uint8
    return (
        tf.data.Dataset.from_tensor_slices(x)
        .cache()
        .shuffle(len(x), seed=seed)
        .repeat()
        .batch(batch_size, drop_remainder=True)
        .prefetch(tf.data.AUTOTUNE)
    )
