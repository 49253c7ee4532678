"""Hostile pythae folders: pickles that would run code (never unpickled: the class is named from the opcodes),
model.pt files holding objects or foreign weights, configs this app does not rebuild."""
import json
import pickle
import shutil

import pytest
import torch

from explorer.errors import CheckpointError
from explorer.importers.opening import open_model
from explorer.importers.pickled_names import pickled_class

NET_KEYS = {"encoder.layers.0.0": (512, 64), "encoder.embedding": (3, 512), "encoder.log_var": (3, 512),
            "decoder.layers.0.0": (512, 3), "decoder.layers.1.0": (64, 512)}


def write_folder(folder, config=None, state=None):
    """A pythae VAE folder laid out as pythae's ``save`` writes it, with random default-MLP weights."""
    folder.mkdir(parents=True, exist_ok=True)
    config = config or {"name": "VAEConfig", "input_dim": [1, 8, 8], "latent_dim": 3, "uses_default_encoder": True,
                        "uses_default_decoder": True, "reconstruction_loss": "bce"}
    (folder / "model_config.json").write_text(json.dumps(config))
    (folder / "environment.json").write_text(json.dumps({"name": "EnvironmentConfig", "python_version": "3.11"}))
    if state is None:
        state = {}
        for name, shape in NET_KEYS.items():
            state[f"{name}.weight"], state[f"{name}.bias"] = torch.randn(shape), torch.randn(shape[0])
    torch.save({"model_state_dict": state}, folder / "model.pt")
    return folder


class Exploit:
    """Unpickling this would write a file: the proof that a pickle was run."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (str(self.target), "w"))


def _refused(folder, pattern):
    with pytest.raises(CheckpointError, match=pattern):
        open_model(folder)


def test_a_hand_built_folder_opens(tmp_path):
    opened = open_model(write_folder(tmp_path / "vae"))
    assert opened.model.kind == "vae" and opened.model.latent_dim == 3


def test_a_custom_net_is_named_and_never_unpickled(tmp_path):
    from torch import nn

    folder = write_folder(tmp_path / "custom", {"name": "VAEConfig", "input_dim": [1, 8, 8], "latent_dim": 3,
                                                "uses_default_encoder": False})
    (folder / "encoder.pkl").write_bytes(pickle.dumps(nn.Linear(2, 2)))
    _refused(folder, r"encoder.pkl: the encoder is a custom net \(torch.nn.modules.linear.Linear\)")
    proof = tmp_path / "was-run"
    (folder / "encoder.pkl").write_bytes(pickle.dumps(Exploit(proof)))
    _refused(folder, "encoder.pkl")
    assert not proof.exists()


def test_a_class_pickled_by_value_is_named_from_its_opcodes(tmp_path):
    cloudpickle = pytest.importorskip("cloudpickle")

    class Encoder_Made_Here:  # noqa: N801 - named as a user's net would be
        pass

    name = pickled_class(cloudpickle.dumps(Encoder_Made_Here()), "x")
    assert name.endswith("Encoder_Made_Here")
    with pytest.raises(CheckpointError, match="is not a pickle file"):
        pickled_class(b"\x80\x05garbage", "bad.pkl")


def test_weights_holding_an_object_are_refused(tmp_path):
    folder = write_folder(tmp_path / "obj")
    proof = tmp_path / "was-run"
    torch.save({"model_state_dict": {"encoder.embedding.weight": Exploit(proof)}}, folder / "model.pt")
    _refused(folder, "model.pt is not a file of weights only")
    assert not proof.exists()


def test_weights_of_another_net_are_refused_naming_one(tmp_path):
    state = {"encoder.conv.weight": torch.zeros(3)}
    _refused(write_folder(tmp_path / "other", state=state), r"weight 'encoder.conv.weight' is not one of pythae's")
    good = write_folder(tmp_path / "shape")
    saved = torch.load(good / "model.pt", weights_only=True)
    saved["model_state_dict"]["encoder.embedding.weight"] = torch.zeros(7, 512)
    torch.save(saved, good / "model.pt")
    _refused(good, r"weight for 'latent_head.weight' is torch.float32 \[10, 512\], the config needs float \[6, 512\]")
    torch.save({"not_pythae": 1}, good / "model.pt")
    _refused(good, "holds no 'model_state_dict'")


@pytest.mark.parametrize("change,pattern", [
    ({"name": "VQVAEConfig"}, "pythae model 'VQVAEConfig' is not one this app rebuilds"),
    ({"latent_dim": 10**7}, "field latent_dim"),
    ({"input_dim": [784]}, "field input_dim"),
    ({"input_dim": [3, 8, 8]}, "greyscale"),
])
def test_a_config_this_app_does_not_rebuild_is_named(tmp_path, change, pattern):
    config = {"name": "VAEConfig", "input_dim": [1, 8, 8], "latent_dim": 3, **change}
    _refused(write_folder(tmp_path / "c", config), pattern)


def test_a_missing_part_is_named(tmp_path):
    folder = write_folder(tmp_path / "m")
    (folder / "environment.json").unlink()
    _refused(folder, "environment.json does not exist")
    shutil.rmtree(folder)
    folder.mkdir()
    (folder / "model_config.json").write_text("{}")
    _refused(folder, "is a folder, but not a model")
