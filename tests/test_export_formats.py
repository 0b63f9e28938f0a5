"""The conformance check every registered export format passes (`keras_wgan.export.base`).

Each format, on an unconditional and a conditional tiny mlp: it is found by
its name, plans files inside the model directory, writes each planned
variant to the path it is given, lists every file name it may write beside
the versions, describes itself in JSON the metadata can hold, and
`export_generator` publishes exactly what it planned.
"""

import json
import os

import pytest
from helpers import REPO, small_gan

from keras_wgan.export import base, exporter, graph, publish

FORMAT_NAMES = base.names()


@pytest.fixture(scope="module", params=[None, 3], ids=["unconditional", "conditional"])
def gan(request):
    return small_gan(num_classes=request.param)


def _job(gan, root):
    model_dir = os.path.join(root, "toy")
    os.makedirs(model_dir, exist_ok=True)
    return base.ExportJob(
        model=gan,
        generator=graph.float32_generator(gan.sampling_generator),
        model_name="toy",
        version=1,
        model_dir=model_dir,
        saved_model_dir=os.path.join(model_dir, "1"),
        latent_dim=gan.latent_dim,
        sample_shape=(2,),
        image_range=None,
        num_classes=gan.num_classes,
        class_frequencies=None,
        max_samples=8,
        settings={"tflite": True, "tflite_quantization": (), "save_keras": True},
        metadata={"model_name": "toy"},
    )


def test_the_registry_knows_every_format_once():
    assert FORMAT_NAMES[0] == "saved_model"  # published first
    assert {"saved_model", "tflite", "keras"} <= set(FORMAT_NAMES)
    assert len(set(FORMAT_NAMES)) == len(FORMAT_NAMES)
    assert [f.name for f in base.formats() if f.publishes_version] == ["saved_model"]
    with pytest.raises(
        ValueError,
        match="export format must be one of saved_model, .*, received 'no_such_format'",
    ):
        base.get("no_such_format")
    with pytest.raises(ValueError, match="export format name must be new"):
        base.register(type(base.get("tflite")))


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_every_format_conforms(gan, name, tmp_path):
    export_format = base.get(name)
    assert export_format.name == name and isinstance(export_format, base.ExportFormat)
    job = _job(gan, tmp_path / "direct")
    plan = export_format.planned(job)
    assert plan, "every built-in format writes something by default"
    for variant, final in plan.items():
        assert os.path.dirname(final) == job.model_dir, final
        if not export_format.publishes_version:
            assert os.path.basename(final) in export_format.file_names("toy"), final
        temp = publish.temp_path(job.model_dir, os.path.basename(final))  # as the export does
        export_format.write(job, variant, temp)
        assert os.path.exists(temp), (name, variant)
        assert os.path.isdir(temp) or os.path.getsize(temp) > 0, (name, variant)
    json.dumps(export_format.describe(job, plan, {}))
    json.dumps(export_format.describe(job, {}, {v: "Error: failed" for v in plan}))
    message = export_format.failure_message(RuntimeError("first\nsecond"))
    assert message.startswith("RuntimeError: first") and "\n" not in message

    result = exporter.export_generator(gan, tmp_path / "exports", model_name="toy")
    assert set(result.files[name]) == set(plan)
    for path in result.files[name].values():
        assert os.path.exists(path), path
    assert result.errors == {}


def test_the_face_and_the_options_import_no_tensorflow():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "sys.argv = ['keras-wgan-export-anything']\n"
        "from keras_wgan import export\n"
        "from keras_wgan.cli import export as command\n"
        "from keras_wgan.export import options\n"
        "assert export.check_model_name('model_name', 'mnist') == 'mnist'\n"
        "assert export.check_quantizations('q', 'float16') == ('float16',)\n"
        "assert export.check_model_name('model_name', 'a.b-c') == 'a.b-c'\n"
        "assert [o.name for o in options.OPTIONS] == "
        "['model_name', 'tflite_quantization', 'max_samples']\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    assert done.returncode == 0, done.stderr[-2000:]
