"""The plain keras.io WGAN-GP, the reference that the benchmarks measure the package against.

The `WGAN` class of keras-io's examples/generative/wgan_gp.py, written the
plain way (float32, separate critic calls on the real and the generated
batch, every critic update reusing the incoming batch), with one option for
an ablation. `benchmarks/speed.py` times it, `benchmarks/image_quality.py`
measures what it learns; both import it from here.
"""


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
