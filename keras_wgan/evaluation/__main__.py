"""`python -m keras_wgan.evaluation`: the evaluation command line (`keras_wgan.cli.evaluate`)."""

from keras_wgan.cli import evaluate

if __name__ == "__main__":
    evaluate.run()
