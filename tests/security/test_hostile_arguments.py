"""Hostile and absurd arguments: each is refused with one line and exit 2 before anything is loaded or allocated
(or does what it says)."""
import os
import stat

import pytest

from explorer.atomic import WriteError, check_output_path
from explorer.cli import main
from explorer.errors import ConfigError
from explorer.limits import check_range

TINY_TRAIN = ["--dataset", "digits", "--latent-dim", "2", "--hidden", "16", "--epochs", "1", "--batch-size", "64"]


def _refused(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert message in err, err


@pytest.mark.parametrize("options,message", [
    (["--what", "samples", "--n", "10000000"], "--samples-count 10000000 is above the limit of 1024"),
    (["--what", "samples", "--n", "-3"], "--samples-count must be between 1 and 1024, got -3"),
    (["--what", "traversal", "--steps", "10000000"], "--steps 10000000 is above the limit of 1000"),
    (["--what", "samples", "--scale", "1000000"], "--scale 1000000 is above the limit of 32"),
    (["--what", "samples", "--temperature", "nan"], "--temperature must be a finite number, got nan"),
    (["--what", "samples", "--temperature=-inf"], "--temperature must be a finite number, got -inf"),
    (["--what", "samples", "--seed", str(2**64)], f"--seed {2**64} is above the limit of {2**31 - 1}"),
    (["--what", "samples", "--ncols", "0"], "--ncols must be between 1 and 10000, got 0"),
    (["--what", "samples", "--class", "5000"], "--class 5000 is above the limit of 999"),
    (["--what", "traversal", "--k", "nan"], "--traversal-k must be a finite number"),
    (["--what", "traversal", "--from", "²"], "expected a preview item index for an image model, got '²'"),
    (["--what", "traversal", "--from", "٣"], "expected a preview item index for an image model"),
    (["--what", "traversal", "--from", "99999"], "preview index 99999 out of range"),
    (["--what", "traversal", "--dims", "0,99"], "--dims 99 is above the limit of 3"),
    (["--what", "traversal", "--dims", "0,²"], "--dims expects integers separated by commas"),
    (["--what", "traversal", "--dims", ",".join(["0"] * 500), "--steps", "30"],
     "a traversal of 500 dims x 30 steps is 15,000 decodes, above the limit of 10,000"),
    (["--what", "interpolation", "--from", "x" * 20000], "above the limit of 10,000"),
    (["--what", "samples", "--top-p", "0"], "--top-p must be between"),
    (["--what", "samples", "--beam-width", "0"], "--beam-width must be between 1 and 20"),
    (["--what", "samples", "--repetition-penalty", "nan"], "--repetition-penalty must be a finite number"),
])
def test_export_arguments_are_bounded(vae_file, tmp_path, capsys, options, message):
    _refused(capsys, ["export", str(vae_file), *options, "--out", str(tmp_path / "x.png")], message)
    assert list(tmp_path.iterdir()) == []


def test_an_export_grid_too_large_is_refused_before_it_is_drawn(vae_file, tmp_path, capsys):
    _refused(capsys, ["export", str(vae_file), "--what", "traversal", "--steps", "900", "--scale", "32",
                      "--out", str(tmp_path / "x.png")], "pixels, above the limit of 100,000,000")


@pytest.mark.parametrize("out,message", [
    ("", "needs a file name"), (" ", "needs a file name"), ("/dev/null", "a device or a pipe"),
    ("/", "it is a folder"), ("/no/such/folder/x.png", "folder /no/such/folder does not exist"),
])
def test_export_out_must_be_a_file_or_a_new_path(vae_file, capsys, out, message):
    _refused(capsys, ["export", str(vae_file), "--what", "samples", "--out", out], message)


@pytest.mark.parametrize("options,message", [
    (["--nll-samples", str(10**9)], "--nll-samples 1000000000 is above the limit of 10000"),
    (["--nll-samples", "-1"], "--nll-samples must be between 0 and 10000, got -1"),
])
def test_evaluate_arguments_are_bounded(vae_file, capsys, options, message):
    _refused(capsys, ["evaluate", str(vae_file), *options], message)


@pytest.mark.parametrize("options,message", [
    (["--latent-dim", "0"], "--latent-dim must be between 1 and 1024, got 0"),
    (["--latent-dim", "100000"], "--latent-dim 100000 is above the limit of 1024"),
    (["--latent-dim", "-4"], "--latent-dim must be between 1 and 1024, got -4"),
    (["--free-bits", "nan"], "--free-bits must be a finite number, got nan"),
    (["--lr", "inf"], "--lr must be a finite number, got inf"),
    (["--batch-size", "0", "--kl-schedule", "cyclical"], "--batch-size must be between 1 and 65536, got 0"),
    (["--epochs", "-1"], "--epochs must be between 1 and 100000, got -1"),
    (["--seed", str(2**64)], f"--seed {2**64} is above the limit of {2**63 - 1}"),
    (["--seed", "-1"], "--seed must be between 0 and"),
    (["--device", "meta"], "unknown device 'meta'; expected auto, cpu, cuda, cuda:N or mps"),
    (["--device", "cuda:abc"], "unknown device 'cuda:abc'"),
    (["--max-len", "1000000000"], "--max-len 1000000000 is above the limit of 512"),
    (["--hidden", "100000"], "--hidden 100000 is above the limit of 8192"),
    (["--hidden", "-5"], "--hidden must be between 1 and 8192, got -5"),
    (["--hidden", "8,x"], "--hidden expects integers separated by commas"),
    (["--hidden", ",".join(["8"] * 100)], "--hidden lists 100 values, above the limit of 16"),
    (["--embed-dim", "0"], "--embed-dim must be between 1 and 8192"),
    (["--word-dropout", "2"], "--word-dropout 2.0 is above the limit of 1.0"),
])
def test_train_arguments_are_bounded(tmp_path, capsys, options, message):
    out = tmp_path / "m.safetensors"
    _refused(capsys, ["train", *TINY_TRAIN, *options, "--out", str(out)], message)
    assert not out.exists()


def test_an_argument_that_is_not_a_number_is_one_line_too(tmp_path, capsys):
    assert main(["train", "--max-len", "1e9", "--out", str(tmp_path / "m.safetensors")]) == 2
    err = capsys.readouterr().err
    assert err == "error: --max-len expects an integer, got '1e9'\n"
    assert main(["export", "x.safetensors", "--what", "samples", "--out", "x.png", "--n", "lots"]) == 2
    err = capsys.readouterr().err
    assert err == "error: --samples-count expects an integer, got 'lots'\n"


def test_a_model_too_large_to_allocate_is_refused_before_it_is_built(tmp_path, capsys):
    _refused(capsys, ["train", *TINY_TRAIN, "--hidden", ",".join(["8192"] * 16), "--out", str(tmp_path / "m.st")],
             "the model would have 2,014,625,860 weights, above the limit of 500,000,000")


@pytest.mark.parametrize("out,message", [("", "needs a file name"), ("/dev/null", "a device or a pipe")])
def test_train_out_must_be_a_file_or_a_new_path(capsys, out, message):
    _refused(capsys, ["train", *TINY_TRAIN, "--out", out], message)


def test_train_out_naming_a_fifo_is_refused_and_left_alone(tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    _refused(capsys, ["train", *TINY_TRAIN, "--out", str(fifo)], "a device or a pipe, not a regular file")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_resume_refuses_another_model_or_dataset(vae_file, tmp_path, capsys):
    out = str(tmp_path / "again.safetensors")
    _refused(capsys, ["train", "--resume", str(vae_file), "--model", "cvae", "--epochs", "1", "--out", out],
             "with its own model and data; it cannot change --model 'vae' -> 'cvae'")
    _refused(capsys, ["train", "--resume", str(vae_file), "--dataset", "mnist-5k", "--epochs", "1", "--out", out],
             "it cannot change --dataset 'digits' -> 'mnist-5k'")
    assert main(["train", "--resume", str(vae_file), "--model", "vae", "--dataset", "digits", "--epochs", "1",
                 "--out", out]) == 0


def test_check_range_names_the_value_and_the_limit():
    assert check_range("--n", 5, 1, 10, integer=True) == 5
    assert check_range("--x", 2.0, 1, 10, integer=True) == 2
    for value, message in ((True, "must be an integer"), ("3", "must be an integer"), (2.5, "must be an integer"),
                           (float("nan"), "must be an integer"), (11, "--n 11 is above the limit of 10")):
        with pytest.raises(ConfigError, match=message):
            check_range("--n", value, 1, 10, integer=True)
    with pytest.raises(ConfigError, match="--p must be at least 0, got -1"):
        check_range("--p", -1, 0)


def test_output_paths(tmp_path):
    link = tmp_path / "link.png"
    target = tmp_path / "target.png"
    target.write_bytes(b"old")
    link.symlink_to(target)
    assert check_output_path(link) == target  # the link is followed: the file it names is replaced, the link kept
    assert check_output_path(tmp_path / "new.png") == tmp_path / "new.png"
    for bad in ("/dev/null", "/dev/zero", str(tmp_path), ""):
        with pytest.raises(WriteError):
            check_output_path(bad)
