"""Damaged and lying checkpoints from the adversarial campaign: each is refused with a CheckpointError that names
the file once and says what is wrong, before any model is built; never a traceback, never a hang."""
import json
import struct

import pytest

from explorer.cli import main
from explorer.errors import CheckpointError
from explorer.io.checkpoint import load_checkpoint, read_metadata
from explorer.io.schema import FORMAT_VERSIONS
from tests.security.conftest import meta_of, read_raw, rewrite_header, rewrite_meta, write_raw


def _parent(meta, path: str):
    *parents, last = path.split(".")
    node = meta
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node, int(last) if isinstance(node, list) else last


def _set(path: str, value):
    """A change that sets meta[a][b]... = value for the path "a.b..." (list indexes as numbers)."""

    def change(meta):
        node, key = _parent(meta, path)
        node[key] = value

    return change


def _drop(path: str):
    def change(meta):
        node, key = _parent(meta, path)
        del node[key]

    return change


NESTED = {"a": 1}
for _ in range(40):
    NESTED = {"a": NESTED}

METADATA_CASES = [  # (id, change or raw metadata, expected message)
    ("meta-list", "[1, 2]", "metadata must be a JSON object, got list"),
    ("meta-null", "null", "metadata must be a JSON object, got NoneType"),
    ("meta-string", '"vae"', "metadata must be a JSON object, got str"),
    ("meta-not-json", "{oops", "its metadata is not valid JSON"),
    ("nesting-bomb", "[" * 100_000 + "]" * 100_000, "nests deeper than 32 levels"),
    ("deep-nesting", _set("history.0.notes", NESTED), "nests deeper than 32 levels"),
    ("duplicate-keys", '{"format_version": 1, "format_version": 1}', "key 'format_version' appears twice"),
    ("huge-number", '{"format_version": 1' + "0" * 5000 + "}", "not valid JSON"),
    ("config-string", _set("model_config", "vae"), "model_config: Input should be a valid dictionary"),
    ("latent-negative", _set("model_config.latent_dim", -3), "model_config.latent_dim: Input should be greater"),
    ("latent-huge", _set("model_config.latent_dim", 100_000), "latent_dim: Input should be less than or equal to 1024"),
    ("hidden-huge", _set("model_config.hidden", [10**9]), r"model_config.hidden\[0\]: Input should be less"),
    ("hidden-many", _set("model_config.hidden", [16] * 1000), "model_config.hidden: List should have at most 16"),
    ("hidden-string", _set("model_config.hidden", "16"), "model_config.hidden: Input should be a valid list"),
    ("unknown-kind", _set("model_config.kind", "<script>"),
     "model_config.kind: unknown model kind '<script>'; expected one of"),
    ("unknown-arch", _set("model_config.arch", "transformer"), "model_config.arch: Input should be 'mlp' or 'conv'"),
    ("dataset-no-shape", _drop("dataset.shape"), "dataset.shape: missing"),
    ("dataset-string", _set("dataset", "digits"), "metadata field dataset: Input should be a valid dictionary"),
    ("shape-mismatch", _set("dataset.shape", [1, 28, 28]), "input_shape .* differs from the dataset shape"),
    ("class-names-not-list", _set("dataset.class_names", "0123456789"), "dataset.class_names: Input should be"),
    ("class-name-1mb", _set("dataset.class_names", ["x" * 2**20] * 10), r"class_names\[0\]: String should have at"),
    ("label-10mb", _set("label", "x" * 10 * 2**20), "label: String should have at most 200 characters"),
    ("optimizer-no-groups", _drop("optimizer.main.param_groups"), "optimizer.main.param_groups: missing"),
    ("optimizer-param-string", _set("optimizer.main.param_groups.0.params", ["0"]),
     r"params\[0\]: Input should be"),
    ("format-newer", _set("format_version", 99), "written by a newer Latent Explorer"),
    ("format-string", _set("format_version", "1"), "format_version: Input should be 1 or 2"),
    ("metrics-string", _set("metrics.elbo", "12"), r"metrics.elbo: wrong type or out of range \(accepted: int, floa"),
    ("history-not-list", _set("history", {"0": {}}), "history: Input should be a valid list"),
    ("history-no-step", _drop("history.0.step"), r"history\[0\].step: missing"),
    ("seed-64-bit", _set("train_config.seed", 2**64), "train_config.seed: Input should be less than or equal"),
    ("schedule-unknown", _set("train_config.objective.schedule.kind", "exp"), "schedule.kind: Input should be"),
    ("unknown-field", _set("plugin", "run_me.py"), "metadata field plugin: unknown field"),
    ("world-size-zero", _set("world_size", 0), "world_size: Input should be greater than or equal to 1"),
    ("domain-mismatch", _set("dataset.domain", "text"), "a text dataset needs its vocab and max_len"),
]

TEXT_CASES = [
    ("vocab-shuffled-specials", lambda m: m["dataset"]["vocab"].__setitem__(slice(0, 2), ["<unk>", "<pad>"]),
     "the vocabulary must start with <pad>, <unk>, <bos>, <eos> in this order"),
    ("vocab-empty-token", _set("dataset.vocab.5", ""), r"vocab\[5\]: String should have at least 1 character"),
    ("vocab-duplicate", lambda m: m["dataset"]["vocab"].__setitem__(5, m["dataset"]["vocab"][6]),
     "the vocabulary lists a token twice"),
    ("vocab-not-list", _set("dataset.vocab", "abc"), "dataset.vocab: Input should be a valid list"),
    ("vocab-size-mismatch", _set("model_config.vocab_size", 999), "the vocabulary has .* tokens, the"),
    ("tokenizer-option", _set("dataset.tokenizer.eval", "os.system"), "dataset.tokenizer.eval: unknown field"),
    ("corpus-option", _set("dataset.options.path", "/etc/passwd"), "dataset.options.path: unknown field"),
    ("max-len-huge", _set("model_config.max_len", 10**9), "model_config.max_len: Input should be less than"),
    ("vocab-size-huge", _set("model_config.vocab_size", 10**9), "model_config.vocab_size: Input should be less"),
]


def _check_refused(path, message, info_too=True):
    with pytest.raises(CheckpointError, match=message) as error:
        load_checkpoint(path)
    assert str(error.value).count(str(path)) == 1, str(error.value)
    if info_too:
        assert main(["info", str(path)]) == 2


@pytest.mark.parametrize("name,change,message", METADATA_CASES, ids=[case[0] for case in METADATA_CASES])
def test_malformed_metadata_is_refused_with_the_field_named(vae_file, tmp_path, capsys, name, change, message):
    target = tmp_path / f"{name}.safetensors"
    if isinstance(change, str):
        rewrite_meta(vae_file, target, raw_meta=change)
    else:
        rewrite_meta(vae_file, target, change)
    _check_refused(target, message)
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err and len(err) < 2100


def test_a_newer_format_is_refused_by_every_command(vae_file, tmp_path, capsys):
    newest = max(FORMAT_VERSIONS)
    newer = rewrite_meta(vae_file, tmp_path / "newer.safetensors", _set("format_version", newest + 1))
    for argv in (["info", str(newer)], ["evaluate", str(newer)],
                 ["export", str(newer), "--what", "latents", "--out", str(tmp_path / "z.csv")],
                 ["train", "--resume", str(newer), "--epochs", "1", "--out", str(tmp_path / "o.safetensors")]):
        assert main(argv) == 2
    err = capsys.readouterr().err
    refusal = f"written by a newer Latent Explorer (format {newest + 1}; this version reads up to {newest})"
    assert err.count(refusal) == 4
    assert not (tmp_path / "z.csv").exists() and not (tmp_path / "o.safetensors").exists()


@pytest.mark.parametrize("name,change,message", TEXT_CASES, ids=[case[0] for case in TEXT_CASES])
def test_malformed_text_metadata_is_refused(text_file, tmp_path, name, change, message):
    target = rewrite_meta(text_file, tmp_path / f"{name}.safetensors", change)
    _check_refused(target, message)


def _entry(header, prefix):
    return next(name for name in header if name.startswith(prefix))


HEADER_CASES = [  # (id, change(header), expected message)
    ("offsets-strings", lambda h: h[_entry(h, "model.")].update(data_offsets=["0", "16"]),
     "data_offsets must be two non-negative integers"),
    ("offsets-negative", lambda h: h[_entry(h, "model.")].update(data_offsets=[-8, 8]),
     "data_offsets must be two non-negative integers"),
    ("offsets-short", lambda h: h[_entry(h, "model.")]["data_offsets"].__setitem__(1, h[_entry(h, "model.")]
                                                                                   ["data_offsets"][1] - 4),
     "need .* bytes, its offsets give"),
    ("offsets-overlap", lambda h: _overlap(h), "overlaps the one before it"),
    ("offsets-gap", lambda h: _shift_last(h, 1 << 20), "leaves a gap before it"),
    ("shape-negative", lambda h: h[_entry(h, "model.")].update(shape=[-1]), "its shape must be a list"),
    ("shape-string", lambda h: h[_entry(h, "model.")].update(shape="16"), "its shape must be a list"),
    ("dtype-unknown", lambda h: h[_entry(h, "model.")].update(dtype="F128"), "has dtype 'F128'"),
    ("entry-extra-key", lambda h: h[_entry(h, "model.")].update(url="http://x"), "must have exactly dtype, shape"),
    ("entry-not-object", lambda h: h.update({_entry(h, "model."): [1, 2]}), "must have exactly dtype, shape"),
    ("metadata-not-strings", lambda h: h["__metadata__"].update(other=1), "metadata must map names to strings"),
    ("unknown-prefix", lambda h: _rename(h, _entry(h, "preview.labels"), "payload.labels"), "unexpected tensor"),
    ("unknown-preview", lambda h: _rename(h, _entry(h, "preview.logvars"), "preview.extra"), "unexpected preview"),
    ("missing-weight", lambda h: _rename(h, _entry(h, "model."), "model.zzz"), "is missing for a vae model"),
    ("weight-dtype", lambda h: h[_entry(h, "model.")].update(dtype="I32"), "is I32 with shape .* needs F32"),
    ("weight-extra", lambda h: _rename(h, _entry(h, "preview.logvars"), "model.extra"), "unexpected weight 'extra'"),
    ("preview-wrong-shape", lambda h: h["preview.means"].update(shape=[h["preview.means"]["shape"][0], 2, 2]),
     r"preview means is F32 \[\d+, 2, 2\], expected F32 \[\d+, 4\]"),
    ("preview-length", lambda h: h["preview.means"].update(shape=[h["preview.means"]["shape"][0] * 2, 2]),
     "the preview arrays differ in length"),
    ("optimizer-tensor-unknown-param", lambda h: _rename(h, _entry(h, "optim."), "optim.9999.exp_avg"),
     "optimizer tensor 'optim.9999.exp_avg' names no parameter"),
    ("optimizer-tensor-bad-name", lambda h: _rename(h, _entry(h, "optim."), "optim.x.y"),
     "optimizer tensor 'optim.x.y' names no parameter"),
]


def _overlap(header):
    first, second = sorted((v["data_offsets"][0], k) for k, v in header.items() if k != "__metadata__")[:2]
    header[second[1]]["data_offsets"] = [0, header[second[1]]["data_offsets"][1] - header[second[1]]["data_offsets"][0]]


def _shift_last(header, by):
    last = max((v["data_offsets"][1], k) for k, v in header.items() if k != "__metadata__")[1]
    header[last]["data_offsets"] = [header[last]["data_offsets"][0] + by, header[last]["data_offsets"][1] + by]


def _rename(header, old, new):
    header[new] = header.pop(old)


@pytest.mark.parametrize("name,change,message", HEADER_CASES, ids=[case[0] for case in HEADER_CASES])
def test_lying_tensor_headers_are_refused_before_reading(vae_file, tmp_path, name, change, message):
    target = rewrite_header(vae_file, tmp_path / f"{name}.safetensors", change)
    _check_refused(target, message)


def _poke(source, target, tensor, index, value, fmt):
    """Copy ``source`` with one element of ``tensor`` set to ``value`` (struct format ``fmt``)."""
    header, data = read_raw(source)
    begin = header[tensor]["data_offsets"][0] + index * struct.calcsize(fmt)
    data = data[:begin] + struct.pack(fmt, value) + data[begin + struct.calcsize(fmt):]
    return write_raw(target, header, data)


def test_values_are_checked_after_reading(vae_file, cvae_file, text_file, tmp_path):
    header, _ = read_raw(vae_file)
    weight = _entry(header, "model.")
    cases = [
        (cvae_file, "preview.labels", 3, 99, "<q", "preview labels range from 0 to 99, expected 0 to 9"),
        (vae_file, "preview.labels", 0, -7, "<q", "preview labels range from -7"),
        (text_file, "preview.inputs", 0, 10**6, "<q", "preview token ids must lie in 0.."),
        (text_file, "preview.lengths", 0, 1000, "<q", "preview sentence lengths must lie in 0.."),
        (vae_file, "preview.means", 0, float("nan"), "<f", "preview means hold NaN or infinite values"),
        (vae_file, "preview.projection", 1, float("inf"), "<f", "preview projection hold NaN"),
        (vae_file, weight, 0, float("nan"), "<f", "holds NaN or infinite values"),
    ]
    for number, (source, tensor, index, value, fmt, message) in enumerate(cases):
        target = _poke(source, tmp_path / f"value{number}.safetensors", tensor, index, value, fmt)
        _check_refused(target, message, info_too=False)


@pytest.mark.parametrize("content,message", [
    (b"just some notes\nnot a model at all\n" * 20, "not a Latent Explorer checkpoint (not a safetensors file)"),
    (b"\x00" * 7, "empty or truncated"),
    (struct.pack("<Q", 2**40) + b"{}", "not a Latent Explorer checkpoint (not a safetensors file)"),
    (struct.pack("<Q", 200) + b"{}", "is truncated, or not a Latent Explorer checkpoint"),
    (struct.pack("<Q", 4) + b"[12]", "not a safetensors file"),
    (struct.pack("<Q", 2) + b"{}", "no 'latent_explorer' metadata"),
], ids=["text-renamed", "tiny", "huge-length", "length-beyond-file", "header-list", "no-metadata"])
def test_foreign_files_name_the_file_once(tmp_path, capsys, content, message):
    path = tmp_path / "notes.safetensors"
    path.write_bytes(content)
    with pytest.raises(CheckpointError) as error:
        load_checkpoint(path)
    assert message in str(error.value) and str(error.value).count(str(path)) == 1
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count(str(path)) == 1 and "header claims" not in err


def test_the_shipped_and_tiny_checkpoints_pass(vae_file, cvae_file, text_file):
    for path in (vae_file, cvae_file, text_file):
        checkpoint = load_checkpoint(path)
        assert checkpoint.preview is not None and checkpoint.optimizer_state is not None
        assert read_metadata(path) == checkpoint.meta == meta_of(path)


def test_a_checkpoint_can_only_make_the_app_allocate_what_it_holds(vae_file, tmp_path, monkeypatch):
    """A config asking for huge layers is compared with the file's weights on torch's meta device: nothing of
    that size is ever allocated."""
    import torch

    allocated = []
    real_empty = torch.empty

    def watch(*args, **kwargs):
        tensor = real_empty(*args, **kwargs)
        if tensor.device.type != "meta":
            allocated.append(tensor.numel())
        return tensor

    target = rewrite_meta(vae_file, tmp_path / "big.safetensors", _set("model_config.hidden", [8192, 8192, 8192]))
    monkeypatch.setattr(torch, "empty", watch)
    with pytest.raises(CheckpointError, match="weight .* is missing|the model's config needs"):
        load_checkpoint(target)
    assert not allocated or max(allocated) < 8192 * 8192


def test_saving_refuses_what_loading_would_refuse(vae_file, tmp_path):
    from explorer.io.checkpoint import save_checkpoint

    checkpoint = load_checkpoint(vae_file)
    meta = dict(checkpoint.meta, label="x" * 1000)
    target = tmp_path / "m.safetensors"
    with pytest.raises(CheckpointError, match=r"\(not saved\): metadata field label"):
        save_checkpoint(target, checkpoint.model, meta, checkpoint.preview)
    assert not target.exists() and list(tmp_path.iterdir()) == []
    labels = checkpoint.preview.labels.copy()
    labels[0] = 12
    preview = type(checkpoint.preview)(**{**checkpoint.preview.__dict__, "labels": labels})
    with pytest.raises(CheckpointError, match=r"\(not saved\): preview labels range from 0 to 12"):
        save_checkpoint(target, checkpoint.model, checkpoint.meta, preview)
    assert list(tmp_path.iterdir()) == []


def _as_format_1(source, target):
    """A format-1 file, as earlier versions wrote: one unnamed optimizer (meta {param_groups, scalars}, tensors
    optim.ID.KEY)."""
    header, data = read_raw(source)
    meta = json.loads(header["__metadata__"]["latent_explorer"])
    meta.update(format_version=1, optimizer=meta["optimizer"]["main"])
    header["__metadata__"]["latent_explorer"] = json.dumps(meta)
    for name in [name for name in header if name.startswith("optim.main.")]:
        header["optim." + name[len("optim.main."):]] = header.pop(name)
    return write_raw(target, header, data)


def test_format_2_stores_optimizers_by_name_and_format_1_still_reads(vae_file, tmp_path):
    import torch

    states = load_checkpoint(vae_file).optimizer_state
    old = load_checkpoint(_as_format_1(vae_file, tmp_path / "v1.safetensors")).optimizer_state
    assert list(states) == list(old) == ["main"] and states["main"]["param_groups"] == old["main"]["param_groups"]
    assert all(torch.equal(states["main"]["state"][p][k], v) for p, entry in old["main"]["state"].items()
               for k, v in entry.items() if isinstance(v, torch.Tensor))
    unnamed = rewrite_meta(vae_file, tmp_path / "unnamed.safetensors",
                           lambda meta: meta.update(optimizer=meta["optimizer"]["main"]))
    _check_refused(unnamed, "format 2 stores optimizer states by name")
    other_name = rewrite_meta(vae_file, tmp_path / "other.safetensors",
                              lambda meta: meta.update(optimizer={"disc": meta["optimizer"]["main"]}))
    _check_refused(other_name, "optimizer tensor 'optim.main.")
    bad_name = rewrite_meta(vae_file, tmp_path / "bad.safetensors",
                            lambda meta: meta.update(optimizer={"a.b": meta["optimizer"]["main"]}))
    _check_refused(bad_name, "metadata field optimizer")


def test_every_model_kind_is_built_from_its_registered_config():
    """A kind's model class names the config class the registry validates its files with."""
    from explorer.models.registry import kinds, model_class

    for kind, config in kinds().items():
        assert model_class(kind).Config is config and model_class(kind).kind == kind


def test_the_map_section_is_declared(vae_file, tmp_path):
    good = meta_of(vae_file)["map"]
    assert good["method"] == "umap" and good["head"] == {"input_dim": 4, "hidden": [64, 64]}
    load_checkpoint(rewrite_meta(vae_file, tmp_path / "map.safetensors", lambda meta: meta["map"].update(r2=0.5)))
    bad = dict(good, params={"metric": {"nested": 1}})
    _check_refused(rewrite_meta(vae_file, tmp_path / "bad.safetensors", lambda meta: meta.update(map=bad)),
                   r"metadata field map.params.metric: wrong type")


MAP_HEAD_CASES = [
    ("unknown method", lambda m: m["map"].update(method="mds"), r"metadata field map.method"),
    ("R² above 1", lambda m: m["map"].update(r2=1.5), r"metadata field map.r2"),
    ("too wide", lambda m: m["map"]["head"].update(hidden=[100_000]), r"metadata field map.head.hidden\[0\]"),
    ("other latent width", lambda m: m["map"]["head"].update(input_dim=5), r"the map head takes 5 inputs, the model's"),
    ("other layers", lambda m: m["map"]["head"].update(hidden=[32, 64]),
     r"map head tensor 'w0' is F32 \[4, 64\], expected F32 \[4, 32\]"),
    ("tensors without a head", lambda m: m["map"].update(head=None), r"map head tensors without a map head"),
]


@pytest.mark.parametrize("name,change,message", MAP_HEAD_CASES, ids=[case[0] for case in MAP_HEAD_CASES])
def test_map_head_tensors_must_be_the_declared_head(vae_file, tmp_path, name, change, message):
    _check_refused(rewrite_meta(vae_file, tmp_path / "head.safetensors", change), message)


def test_map_head_values_are_checked(vae_file, tmp_path):
    header, data = read_raw(vae_file)
    begin, end = header["maphead.in_scale"]["data_offsets"]
    zeroed = data[:begin] + bytes(end - begin) + data[end:]
    _check_refused(write_raw(tmp_path / "zero.safetensors", header, zeroed),
                   r"map head tensor 'in_scale' must be positive", info_too=False)  # info reads no tensor data
    renamed = rewrite_header(vae_file, tmp_path / "renamed.safetensors",
                             lambda h: h.update({"maphead.w9": h.pop("maphead.w0")}))
    _check_refused(renamed, r"map head tensor 'w0' is missing")
