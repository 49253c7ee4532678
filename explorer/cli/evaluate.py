"""``evaluate``: a checkpoint's metrics on its test split (or on its preview set when the data is not here)."""
from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from explorer.analysis.disentanglement import BUDGETS
from explorer.cli.arguments import MAX_MESSAGE_CHARS, data_args
from explorer.errors import DataError
from explorer.io.display import printable
from explorer.limits import MAX_NLL_SAMPLES, check_range

if TYPE_CHECKING:
    from explorer.data.base import Split


def add_parser(commands) -> None:
    evaluate = commands.add_parser("evaluate", help="metrics of a checkpoint on its test split")
    evaluate.add_argument("checkpoint")
    evaluate.add_argument("--dataset", help="the data to evaluate on (default: the checkpoint's own dataset when it "
                                            "is a named one; a text:PATH corpus is only read when named here)")
    evaluate.add_argument("--nll-samples", type=int, default=0, help="importance samples K for IW-NLL")
    evaluate.add_argument("--json", action="store_true", help="print the metrics as JSON")
    evaluate.add_argument("--disentanglement-budget", choices=list(BUDGETS), default="app",
                          help="points drawn by the disentanglement metrics, for data with ground-truth factors "
                               "(app: disentanglement_lib's for MIG, SAP and DCI, a tenth of its for the FactorVAE "
                               "and beta-VAE scores; reference: all of disentanglement_lib's)")
    data_args(evaluate)


def run(args) -> int:
    check_range("--nll-samples", args.nll_samples, 0, MAX_NLL_SAMPLES, integer=True)
    from explorer.analysis.factor_metrics import factor_metrics, has_ground_truth
    from explorer.analysis.metrics import conditional_accuracy, evaluate
    from explorer.data.registry import is_named_dataset, load_dataset
    from explorer.data.tokenizers import tokenizer_for
    from explorer.io.checkpoint import load_checkpoint
    from explorer.training.run import to_jsonable

    checkpoint = load_checkpoint(args.checkpoint)
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

    preview = checkpoint.preview
    labels = torch.as_tensor(preview.labels)
    if preview.lengths is not None:
        return Split(torch.as_tensor(preview.inputs), labels, torch.as_tensor(preview.lengths))
    return Split(torch.as_tensor(preview.inputs, dtype=torch.float32).unsqueeze(1) / 255.0, labels)


# export
