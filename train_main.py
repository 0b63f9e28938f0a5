"""Train a Wasserstein GAN from the command line: `python train_main.py --help`.

The flags and `main` live in `keras_wgan/cli/train.py`, so that the installed
console script `keras-wgan-train` runs the very same program.
"""

from keras_wgan.cli.train import run

if __name__ == "__main__":
    run()
