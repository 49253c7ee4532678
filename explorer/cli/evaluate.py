"""``evaluate``: a checkpoint's metrics on its test split (or on its preview set when the data is not here)."""
from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from explorer.analysis.disentanglement import BUDGETS
from explorer.cli.arguments import MAX_MESSAGE_CHARS, data_args
from explorer.errors import ConfigError, DataError
from explorer.io.display import printable
from explorer.limits import MAX_NLL_SAMPLES, MAX_SCORECARD_PAIRS, SCORECARD_PAIRS, check_range

if TYPE_CHECKING:
    from explorer.data.base import Split


def add_parser(commands) -> None:
    evaluate = commands.add_parser("evaluate", help="metrics of a checkpoint on its test split")
    evaluate.add_argument("checkpoint", help="a checkpoint, or an ONNX pair's or a pythae model's folder")
    evaluate.add_argument("--dataset", help="the data to evaluate on (default: the checkpoint's own dataset when it "
                                            "is a named one; a text:PATH corpus is only read when named here)")
    evaluate.add_argument("--nll-samples", type=int, default=0, help="importance samples K for IW-NLL")
    evaluate.add_argument("--scorecard", type=int, nargs="?", const=SCORECARD_PAIRS, default=0, metavar="PAIRS",
                          help="sentence models: add the interpolation scorecard over PAIRS random pairs of test "
                               f"sentences, decoded with the window's defaults (PAIRS default {SCORECARD_PAIRS})")
    evaluate.add_argument("--lm", metavar="FILE", help="with --scorecard: a language-model checkpoint (kind lm) "
                                                        "that scores the paths' fluency")
    evaluate.add_argument("--json", action="store_true", help="print the metrics as JSON")
    evaluate.add_argument("--disentanglement-budget", choices=list(BUDGETS), default="app",
                          help="points drawn by the disentanglement metrics, for data with ground-truth factors "
                               "(app: disentanglement_lib's for MIG, SAP and DCI, a tenth of its for the FactorVAE "
                               "and beta-VAE scores; reference: all of disentanglement_lib's)")
    data_args(evaluate)


def run(args) -> int:
    check_range("--nll-samples", args.nll_samples, 0, MAX_NLL_SAMPLES, integer=True)
    check_range("--scorecard", args.scorecard, 0, MAX_SCORECARD_PAIRS, integer=True)
    if args.lm and not args.scorecard:
        raise ConfigError("--lm scores the interpolation scorecard's fluency: give --scorecard too")
    from explorer.analysis.factor_metrics import factor_metrics, has_ground_truth
    from explorer.analysis.metrics import conditional_accuracy, evaluate
    from explorer.data.registry import is_named_dataset, load_dataset
    from explorer.data.tokenizers import tokenizer_for
    from explorer.importers.opening import open_model
    from explorer.training.run import to_jsonable

    checkpoint = open_model(args.checkpoint, args.dataset, args.data_dir, args.download)
    info = checkpoint.dataset
    dataset_id = args.dataset or info["id"]
    try:
        if not args.dataset and not is_named_dataset(dataset_id):
            raise DataError(f"its corpus {dataset_id!r} is a path recorded in the file, read only when you pass "
                            "--dataset")
        options = dict(info.get("options", {}))
        if info["domain"] == "text":  # read the corpus as the model did, with its own tokenizer
            options["tokenizer"] = tokenizer_for(info)
        dataset = load_dataset(dataset_id, args.data_dir, args.download, **options)
        _check_same_data(dataset, info)
        split, source = dataset.test, f"{dataset_id} test split ({len(dataset.test)} items)"
    except DataError as exc:
        if args.dataset:
            raise
        dataset = None
        split = _preview_split(checkpoint)
        source = f"the checkpoint's preview set ({len(split)} items; dataset not used: {exc})"
        print(f"note: evaluating on {printable(source, MAX_MESSAGE_CHARS)}", file=sys.stderr)
    tokenizer = tokenizer_for(info) if info["domain"] == "text" else None
    metrics = evaluate(checkpoint.model, split, nll_samples=args.nll_samples, tokenizer=tokenizer)
    if checkpoint.model.conditional and dataset is not None and dataset.domain == "image":
        metrics["conditional_accuracy"] = conditional_accuracy(checkpoint.model, dataset)
    if checkpoint.model.latent_dim and has_ground_truth(dataset):
        metrics.update(factor_metrics(checkpoint.model, dataset, args.disentanglement_budget))
    if args.scorecard:
        metrics.update(_scorecard(checkpoint, split, tokenizer, args))
    metrics = to_jsonable(metrics)
    metrics["evaluated_on"] = printable(source, MAX_MESSAGE_CHARS)
    if args.json:
        print(json.dumps(metrics, indent=2))
    else:
        if "disentanglement" in metrics:
            metrics["disentanglement_budget"] = metrics.pop("disentanglement")["budget"]["name"]
        for key, value in metrics.items():
            if key != "kl_per_dim":
                print(f"{key:>22}: {value:.4f}" if isinstance(value, float) else f"{key:>22}: {value}")
    return 0

def _scorecard(checkpoint, split, tokenizer, args) -> dict:
    from explorer.analysis.explore import ModelExplorer
    from explorer.analysis.interpolation_scores import interpolation_scorecard
    from explorer.analysis.language_model_files import load_language_model
    from explorer.analysis.reconstruction import reference_texts

    if tokenizer is None or not checkpoint.model.latent_dim:
        raise ConfigError("--scorecard scores interpolations between sentences: it needs a sentence model with a "
                          "latent space")
    lm = load_language_model(args.lm) if args.lm else None
    card = interpolation_scorecard(ModelExplorer(checkpoint), reference_texts(split, tokenizer), args.scorecard, lm)
    return card.as_metrics()


def _check_same_data(dataset, info: dict) -> None:
    """The data loaded for a checkpoint must be the kind it was trained on: same domain and item shape, and for
    text the same vocabulary."""
    if dataset.domain != info["domain"] or list(dataset.shape) != list(info["shape"]):
        raise DataError(f"dataset {dataset.id!r} holds {dataset.domain} items of shape {list(dataset.shape)}; the "
                        f"model was trained on {info['domain']} items of shape {info['shape']}")
    if dataset.extra.get("vocab", info.get("vocab")) != info.get("vocab"):
        raise DataError(f"the corpus {dataset.id!r} does not give the checkpoint's vocabulary")


def _preview_split(checkpoint) -> Split:
    import torch

    from explorer.data.base import Split
    from explorer.domains.image import from_uint8

    preview = checkpoint.preview
    labels = torch.as_tensor(preview.labels)
    if preview.lengths is not None:
        return Split(torch.as_tensor(preview.inputs), labels, torch.as_tensor(preview.lengths))
    return Split(from_uint8(preview.inputs), labels)


# export
