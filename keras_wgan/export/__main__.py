"""`python -m keras_wgan.export`: the export command line (`keras_wgan.cli.export`)."""

from keras_wgan.cli import export

if __name__ == "__main__":
    export.run()
