"""``export``: samples, reconstructions, traversals, interpolations, the manifold, latents, curves or the history of
a checkpoint, written as the window shows them; the exploring flags come from the one catalog of exploring
options (explorer.exploring), so their bounds and defaults are the window's."""
from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from explorer.cli.arguments import MAX_MESSAGE_CHARS, int_list, is_index, option_args
from explorer.errors import ConfigError
from explorer.exploring import EXPLORING, EXPLORING_OPTIONS, STEPS_OF_VIEW
from explorer.io.display import printable
from explorer.limits import MAX_CLASSES, MAX_ITEMS, MAX_PATH_STEPS, MAX_SENTENCE_CHARS, check_range

EXPORT_WHAT = ("samples", "reconstructions", "traversal", "interpolation", "manifold", "latents", "curves",
               "history")


def add_parser(commands) -> None:
    export = commands.add_parser("export", help="write samples, grids, latents or curves",
                                 argument_default=argparse.SUPPRESS)
    export.add_argument("checkpoint")
    export.add_argument("--what", choices=EXPORT_WHAT, required=True)
    export.add_argument("--out", required=True)
    export.add_argument("--ncols", type=int, help="grid columns")
    export.add_argument("--steps", help="traversal, interpolation, manifold: the steps (default: the view's, "
                                        + ", ".join(f"{view} {EXPLORING[name].default}"
                                                    for view, name in STEPS_OF_VIEW.items()) + ")")
    export.add_argument("--dims", help="traversal: dims, comma separated (default: the 10 with most KL); manifold: "
                                       "two dims (default: the two with most KL)")
    export.add_argument("--from", dest="source",
                        help="start: a preview item index, or for text models a sentence")
    export.add_argument("--to", dest="target", help="interpolation end: a preview index or a sentence")
    export.add_argument("--class", dest="class_index", type=int, help="conditional models: the class")
    export.add_argument("--component", type=int, help="manifold of a mixture prior: the component (default 0)")
    export.add_argument("--category", help="models with categorical latents: fix each variable's category "
                                           "(comma separated, one per variable) in samples, traversals and the "
                                           "manifold")
    export.add_argument("--beside", metavar="CHECKPOINT",
                        help="text interpolation: another model of the same corpus (e.g. the sentence AE beside "
                             "the VAE) whose homotopy between the same two sentences is written beside")
    option_args(export, EXPLORING_OPTIONS, lambda section: f"{section}")


def exploring_values(args) -> dict:
    """Every exploring option's value, from its flag or its default, checked against its declaration; ``--steps``
    is the exported view's steps."""
    values = {option.name: option.check(getattr(args, option.name, option.default)) for option in EXPLORING_OPTIONS}
    steps = STEPS_OF_VIEW.get(args.what)
    if steps is not None and getattr(args, "steps", None) is not None:
        values[steps] = EXPLORING[steps].check(args.steps, "--steps")
    for name, low, high in (("ncols", 1, MAX_ITEMS), ("class_index", 0, MAX_CLASSES - 1),
                            ("component", 0, MAX_CLASSES - 1)):
        if getattr(args, name, None) is not None:
            check_range({"class_index": "--class"}.get(name, "--" + name), getattr(args, name), low, high,
                        integer=True)
    for name in ("ncols", "dims", "source", "target", "class_index", "component", "category", "beside"):
        setattr(args, name, getattr(args, name, None))
    return values


def run(args) -> int:
    from explorer.analysis.explore import ModelExplorer
    from explorer.atomic import check_output_path
    from explorer.io import export
    from explorer.io.checkpoint import load_checkpoint

    values = exploring_values(args)
    check_output_path(args.out, "export")
    checkpoint = load_checkpoint(args.checkpoint)
    out = Path(args.out)
    if args.what == "curves":
        _require_history(checkpoint, args.checkpoint)
        export.save_curves_png(out, checkpoint.history)
    elif args.what == "history":
        _require_history(checkpoint, args.checkpoint)
        export.save_history_csv(out, checkpoint.history)
    else:
        explorer = ModelExplorer(checkpoint)
        if explorer.domain_name == "text":
            from explorer.domains.decoding import DecodeConfig

            explorer.decode_config = DecodeConfig.from_values(values)
        if args.what == "latents":
            export.save_latents(out, explorer.means, explorer.labels, explorer.projection, explorer.class_names,
                                explorer.stds, factors=explorer.factors, factor_table=explorer.factor_table)
        elif args.beside:
            _export_homotopies(explorer, args, values, out)
        else:
            items, ncols = _export_items(explorer, args, values)
            if explorer.domain_name == "text":
                export.save_sentences(out, items)
            else:
                export.save_image_grid(out, items, ncols=args.ncols or ncols, scale=values["scale"])
    print(f"wrote {printable(out, MAX_MESSAGE_CHARS)}")
    return 0

def _export_homotopies(explorer, args, values: dict, out: Path) -> None:
    """Two models' homotopies between the same two sentences, one column each."""
    from explorer.analysis.explore import ModelExplorer
    from explorer.analysis.homotopy import homotopies
    from explorer.io import export
    from explorer.io.checkpoint import load_checkpoint

    other = ModelExplorer(load_checkpoint(args.beside))
    if args.what != "interpolation" or explorer.domain_name != "text" or other.domain_name != "text":
        raise ConfigError("--beside compares the homotopies of two sentence models: use it with --what "
                          "interpolation on text checkpoints")
    other.decode_config = explorer.decode_config
    a, b = (_sentence_of(explorer, source) for source in (args.source or "0", args.target or "1"))
    beside = other.label if other.label != explorer.label else f"{other.label} ({Path(args.beside).name})"
    paths = homotopies({explorer.label: explorer, beside: other}, a, b, values["interpolation_steps"],
                       values["interpolation_method"])
    first, second = paths.values()
    if out.suffix.lower() == ".csv":
        export.save_sentences(out, first, {beside: second})
    else:
        export.save_sentences(out, [f"{x}\t{y}" for x, y in zip(first, second)])

def _sentence_of(explorer, source: str) -> str:
    """A typed sentence as it is, or the text of a preview item given by its index."""
    if is_index(source):
        index = int(source)
        if not 0 <= index < len(explorer.means):
            raise ConfigError(f"preview index {index} out of range 0..{len(explorer.means) - 1}")
        return explorer.items([index])[0]
    return source

def _require_history(checkpoint, path) -> None:
    if not checkpoint.history:
        raise ConfigError(f"{path} holds no training history")

def _export_items(explorer, args, values: dict):
    """The items to write and the natural number of grid columns."""
    n = values["samples_count"]
    steps = values.get(STEPS_OF_VIEW.get(args.what, ""))
    temperature, seed = values["temperature"], values["seed"]
    if args.what == "samples":
        if explorer.conditional and args.class_index is None:
            per_class = max(1, math.ceil(n / explorer.num_classes))
            rows = [explorer.samples(per_class, temperature, c, seed) for c in range(explorer.num_classes)]
            return _concat(rows), per_class
        return (explorer.samples(n, temperature, args.class_index, seed, _categories(explorer, args)),
                math.ceil(math.sqrt(n)))
    if args.what == "reconstructions":
        indices = np.arange(min(n, len(explorer.means)))
        inputs, recons = explorer.items(indices), explorer.reconstruct(indices)
        if explorer.domain_name == "text":
            return [f"{a}\t{b}" for a, b in zip(inputs, recons)], 2
        from explorer.io.export import pair_rows

        ncols = min(len(indices), 16)
        return pair_rows(inputs, recons, ncols)[0], ncols
    if args.what == "traversal":
        z0, cond = _latent_of(explorer, args.source, args)
        dims = (int_list(args.dims, "--dims", 0, explorer.latent_dim - 1, MAX_PATH_STEPS) if args.dims
                else explorer.dims_by_kl[:10])
        if len(dims) * steps > MAX_ITEMS:
            raise ConfigError(f"a traversal of {len(dims)} dims x {steps} steps is {len(dims) * steps:,} decodes, "
                              f"above the limit of {MAX_ITEMS:,}")
        items, _ = explorer.traversal(z0, dims, values["traversal_mode"], steps, values["traversal_k"], cond)
        return items, steps
    if args.what == "manifold":
        z0, cond = _latent_of(explorer, args.source, args)
        dims = int_list(args.dims, "--dims", 0, explorer.latent_dim - 1, 2) if args.dims else None
        if steps * steps > MAX_ITEMS:
            raise ConfigError(f"a manifold of {steps} x {steps} is {steps * steps:,} decodes, above the limit of "
                              f"{MAX_ITEMS:,}")
        items, _ = explorer.manifold(z0, dims, steps, cond, args.component)
        return items, steps
    # interpolation
    z_a, cond = _latent_of(explorer, args.source if args.source is not None else "0", args)
    z_b, _ = _latent_of(explorer, args.target if args.target is not None else _other_class(explorer), args)
    items, _ = explorer.interpolation(z_a, z_b, steps, values["interpolation_method"], cond)
    return items, steps

def _categories(explorer, args) -> dict[int, int]:
    """--category: {variable: category} for a model's categorical latents."""
    if args.category is None:
        return {}
    sizes = explorer.discrete_sizes
    if not sizes:
        raise ConfigError("--category is for models with categorical latents (JointVAE); this one has none")
    picks = int_list(args.category, "--category", 0, max(sizes) - 1, len(sizes))
    return dict(enumerate(picks))


def _latent_of(explorer, source, args):
    """A preview index, a sentence (text models) or None (the origin) -> (latent, condition), with the categories
    of --category fixed."""
    z, cond = _source_latent(explorer, source, args)
    for variable, category in _categories(explorer, args).items():
        z = explorer.with_category(z, variable, category)
    return z, cond


def _source_latent(explorer, source, args):
    if source is None:
        return explorer.origin(), args.class_index if explorer.conditional else None
    if len(source) > MAX_SENTENCE_CHARS:
        raise ConfigError(f"--from/--to is {len(source):,} characters long, above the limit of {MAX_SENTENCE_CHARS:,}")
    if is_index(source):
        index = int(source)
        if not 0 <= index < len(explorer.means):
            raise ConfigError(f"preview index {index} out of range 0..{len(explorer.means) - 1}")
        cond = args.class_index if args.class_index is not None else explorer.label_of(index)
        return explorer.means[index], cond if explorer.conditional else None
    if explorer.domain_name != "text":
        raise ConfigError(f"expected a preview item index for an image model, got {source!r}")
    return explorer.encode_items([source])[0], None

def _other_class(explorer) -> str:
    """The first preview item whose label differs from item 0's: a default interpolation end."""
    different = np.nonzero(explorer.labels != explorer.labels[0])[0]
    return str(int(different[0]) if len(different) else min(1, len(explorer.labels) - 1))

def _concat(parts):
    if isinstance(parts[0], list):
        return [item for part in parts for item in part]
    return np.concatenate(parts)
