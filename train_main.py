"""Train a Wasserstein GAN on a dataset and export its generator.

    python train_main.py --help    # the flags, their defaults and meaning
    python train_main.py --dataset=mnist --architecture=dcgan --train_steps=2000

The installed console script `keras-wgan-train` is the same command
(`keras_wgan.cli.train`).
"""

from keras_wgan.cli.train import run

if __name__ == "__main__":
    run()
