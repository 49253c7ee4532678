"""``info``: what a checkpoint holds, read from its metadata alone (nothing is built)."""
from __future__ import annotations

import json

from explorer.cli.arguments import MAX_MESSAGE_CHARS
from explorer.io.display import printable
from explorer.metric_catalog import metrics_of


def add_parser(commands) -> None:
    info = commands.add_parser("info", help="what a checkpoint (or a model folder or embeddings file from elsewhere) "
                                            "holds")
    info.add_argument("checkpoint", help="a checkpoint, an ONNX pair's or a pythae model's folder, or embeddings "
                                         "(a Projector TSV pair, .npy, .npz or .parquet)")
    info.add_argument("--json", action="store_true")


def run(args) -> int:
    from explorer.importers.opening import describe_model
    from explorer.models.registry import kinds

    meta = describe_model(args.checkpoint)
    if args.json:
        print(json.dumps(meta, indent=2))
        return 0
    if "embeddings" in meta:
        lines = _embeddings_lines(args.checkpoint, meta)
        print("\n".join(printable(line, MAX_MESSAGE_CHARS) for line in lines))
        return 0
    config, dataset = meta["model_config"], meta.get("dataset", {})
    history, metrics = meta.get("history", []), meta.get("metrics", {})
    lines = [
        f"file:         {args.checkpoint}",
        f"model:        {meta.get('label') or config['kind']} (kind {config['kind']}, "
        f"{config.get('latent_dim', 0)} latent dims, arch {config.get('arch', config.get('rnn', '-'))})",
        f"dataset:      {dataset.get('id')} ({dataset.get('domain')}, shape {dataset.get('shape')}, "
        f"{dataset.get('train_size')} train / {dataset.get('test_size')} test)",
        f"trained:      {len(history)} epoch{'s' if len(history) != 1 else ''}"
        + (f" on {meta['world_size']} ranks" if (meta.get("world_size") or 1) > 1 else "")
        + (" (stopped early)" if meta.get("stopped_early") else ""),
        f"saved:        {meta.get('saved', meta.get('created', '?'))}, format {meta.get('format_version', 'imported')}",
    ]
    kind = kinds().get(config["kind"])
    for metric in metrics_of(kind.info.metrics if kind else ()):
        shown = metric.format(metrics)
        if shown is not None:
            lines.append(f"{metric.key + ':':<22}{shown}")
    print("\n".join(printable(line, MAX_MESSAGE_CHARS) for line in lines))  # strings from the file, escaped
    return 0


def _embeddings_lines(path, meta: dict) -> list[str]:
    points = meta["embeddings"]
    names, thumbnails = points["class_names"], points["thumbnails"]
    carried = ([f"thumbnails {'x'.join(map(str, thumbnails))}"] if thumbnails else []) + \
        (["texts"] if points["texts"] else []) + [f"factor {name}" for name in points["factor_names"]]
    return [f"file:         {path}",
            f"embeddings:   {meta['label']} (no decoder: a map of its points only)",
            f"points:       {points['points']:,} points x {points['dims']:,} dims, {points['labelled']:,} labelled"
            + (f" in {len(names)} classes ({', '.join(names[:10])}{', ...' if len(names) > 10 else ''})"
               if names else ""),
            "map:          " + ("the file's (x, y)" if points["map"] else "none: computed when opened"),
            f"per point:    {', '.join(carried) or 'a vector and a label'}"]
