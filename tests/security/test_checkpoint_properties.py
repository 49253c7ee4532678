"""Property-based: a real checkpoint with its metadata, its tensor header or its bytes mutated at random either
loads or is refused with the app's own CheckpointError (and `info` exits 0 or 2): never another exception, never a
hang. Bounded examples and a deadline keep these fast."""
import copy
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer.cli import main
from explorer.errors import CheckpointError
from explorer.io.checkpoint import load_checkpoint
from tests.security.conftest import read_raw, write_raw

# HYPOTHESIS_EXAMPLES=2000 runs a longer random search; the suite runs the same 100 examples each time.
LONG_SEARCH = int(os.environ.get("HYPOTHESIS_EXAMPLES", 0))
SETTINGS = settings(max_examples=LONG_SEARCH or 100, deadline=3000, derandomize=not LONG_SEARCH,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12)


def _paths(value, prefix=()):
    """Every location in a JSON value, as key/index tuples (lists sampled to keep the count small)."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index in sorted({0, len(value) // 2, len(value) - 1}) if value else []:
            yield from _paths(value[index], prefix + (index,))


def _mutate(document, path, action, new_value, new_key):
    document = copy.deepcopy(document)
    if not path:
        return new_value
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if action == "replace":
        parent[last] = new_value
    elif action == "delete":
        del parent[last]
    elif isinstance(parent, dict):
        parent[new_key] = new_value
    else:
        parent.insert(last, new_value)
    return document


def _load_or_refuse(path):
    try:
        load_checkpoint(path)
    except CheckpointError as error:
        assert str(path) in str(error)
    assert main(["info", str(path)]) in (0, 2)


@pytest.fixture(scope="module")
def sources(vae_file, cvae_file, text_file):
    return {"vae": vae_file, "cvae": cvae_file, "text": text_file}


@SETTINGS
@given(data=st.data(), which=st.sampled_from(["vae", "cvae", "text"]), mutations=st.integers(1, 3))
def test_mutated_metadata_loads_or_is_refused(sources, tmp_path, data, which, mutations):
    header, body = read_raw(sources[which])
    meta = json.loads(header["__metadata__"]["latent_explorer"])
    for _ in range(mutations):  # several at once reach rules between fields (format version and optimizer, ...)
        path = data.draw(st.sampled_from(list(_paths(meta))))
        meta = _mutate(meta, path, data.draw(st.sampled_from(["replace", "delete", "insert"])),
                       data.draw(json_values | st.sampled_from([1, 2, 0, -1, "main", []])),
                       data.draw(st.text(max_size=8) | st.sampled_from(["format_version", "world_size", "map"])))
    header["__metadata__"]["latent_explorer"] = json.dumps(meta)
    _load_or_refuse(write_raw(tmp_path / "mutated.safetensors", header, body))


@SETTINGS
@given(data=st.data(), which=st.sampled_from(["vae", "text"]),
       action=st.sampled_from(["replace", "delete", "insert"]),
       new_value=json_values | st.lists(st.integers(min_value=-10, max_value=2**40), max_size=3),
       new_key=st.sampled_from(["dtype", "shape", "data_offsets", "model.x", "preview.labels", "optim.0.step"]))
def test_mutated_tensor_header_loads_or_is_refused(sources, tmp_path, data, which, action, new_value, new_key):
    header, body = read_raw(sources[which])
    tensors = {key: value for key, value in header.items() if key != "__metadata__"}
    path = data.draw(st.sampled_from([p for p in _paths(tensors) if len(p) <= 3]))
    mutated = _mutate(tensors, path, action, new_value, new_key)
    if not isinstance(mutated, dict):
        mutated = {"x": mutated}
    mutated["__metadata__"] = header["__metadata__"]
    _load_or_refuse(write_raw(tmp_path / "mutated.safetensors", mutated, body))


@SETTINGS
@given(data=st.data(), which=st.sampled_from(["vae", "text"]), flips=st.integers(min_value=1, max_value=8),
       truncate=st.booleans())
def test_mutated_bytes_load_or_are_refused(sources, tmp_path, data, which, flips, truncate):
    blob = bytearray(sources[which].read_bytes())
    header_end = 8 + int.from_bytes(blob[:8], "little")
    for _ in range(flips):  # most flips land in the header, where the parsing is
        position = data.draw(st.integers(min_value=0, max_value=min(len(blob), header_end + 64) - 1))
        blob[position] = data.draw(st.integers(min_value=0, max_value=255))
    if truncate:
        blob = blob[:data.draw(st.integers(min_value=0, max_value=len(blob)))]
    target = tmp_path / "mutated.safetensors"
    target.write_bytes(bytes(blob))
    _load_or_refuse(target)
