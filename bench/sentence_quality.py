"""The shipped sentence VAE against its language-model baseline and the sentence autoencoder: perplexities,
reconstruction, the targets of issue 10, homotopies side by side and the fluency of their midpoints. Called by
bench/quality.py (``--lm``); writes the ``sentence_vae`` section of docs/QUALITY.md."""
from __future__ import annotations

from bench.report import write_section
from explorer.analysis.explore import ModelExplorer
from explorer.analysis.homotopy import homotopies, midpoint_fluency
from explorer.analysis.metrics import evaluate
from explorer.analysis.reconstruction import reconstruction_scores
from explorer.data.registry import load_dataset
from explorer.domains.decoding import DecodeConfig

# Typed pairs for the homotopies (every word in the wordnet-examples vocabulary; checked when written).
TYPED_PAIRS = (
    ("i want to talk to you .", "she did not want to be with him ."),
    ("he was very happy", "the children played in the garden"),
    ("the price of oil rose sharply", "she sang a song to the baby"),
)
MIDPOINT_PAIRS = 200
TARGETS = {"bleu": 30.0, "token_accuracy": 0.5, "ppl_ratio": 1.10, "active_units": 16}


def fmt(value, digits=2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def write_sentence_section(vae, vae_metrics: dict, ae, lm, k: int) -> None:
    """``vae``/``ae``/``lm`` are checkpoints (``ae`` may be None); ``vae_metrics`` the VAE's, with ``k`` samples."""
    info = vae.dataset
    dataset = load_dataset(info["id"], **info.get("options", {}))
    shown = DecodeConfig("greedy")  # what the window shows by default: <unk> never generated
    models = {"sentence VAE": (vae, vae_metrics)}
    if ae is not None:
        models["sentence AE"] = (ae, evaluate(ae.model, dataset.test))
    models["LM baseline"] = (lm, evaluate(lm.model, dataset.test))
    lm_ppl = models["LM baseline"][1]["ppl"]
    lines = [
        "## The sentence VAE against its language-model baseline and the sentence AE",
        "",
        f"All on `{info['id']}` ({info['train_size']:,} train / {info['test_size']:,} held-out sentences, vocabulary "
        f"{len(info['vocab']):,}), the same decoder and the same budget ({len(lm.history)} epochs; the VAE's "
        "include its autoencoder pre-training). Reconstruction: greedy decodes of the posterior means of the held-out "
        "sentences against the sentences as the model read them, as corpus BLEU-4 (sacrebleu), token accuracy and "
        "exact copies; with <unk> allowed (the input as the model sees it) and, in brackets, BLEU with <unk> banned "
        "as the window decodes by default.",
        "",
        f"| | epochs | −ELBO | KL | AU | MI | PPL (ELBO) | PPL (IW, k={k}) | BLEU-4 | token acc. | exact |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, (checkpoint, m) in models.items():
        model = checkpoint.model
        if model.latent_dim:
            banned = reconstruction_scores(model, dataset.test, decode=shown)
            bleu = f"{m['recon_bleu']:.1f} ({banned.bleu:.1f})"
            recon = f"{bleu} | {100 * m['recon_token_accuracy']:.1f}% | {100 * m['recon_exact']:.1f}%"
        else:
            recon = "– | – | –"
        au = f"{m['active_units']}/{model.latent_dim}" if model.latent_dim else "–"
        lines.append(f"| {name} | {len(checkpoint.history)} | {fmt(m['elbo'])} | {fmt(m['kl'])} | {au} | "
                     f"{fmt(m['mutual_info'])} | {fmt(m['ppl'], 1)} | {fmt(m.get('ppl_iw'), 1)} | {recon} |")
    m = vae_metrics
    ratio = m["ppl_iw"] / lm_ppl
    checks = [
        (f"BLEU-4 ≥ {TARGETS['bleu']:g}", f"{m['recon_bleu']:.1f}", m["recon_bleu"] >= TARGETS["bleu"]),
        (f"token accuracy ≥ {100 * TARGETS['token_accuracy']:.0f}%", f"{100 * m['recon_token_accuracy']:.1f}%",
         m["recon_token_accuracy"] >= TARGETS["token_accuracy"]),
        ("importance-weighted perplexity within 10% of the LM's", f"{100 * (ratio - 1):+.1f}%",
         ratio <= TARGETS["ppl_ratio"]),
        (f"active units ≥ {TARGETS['active_units']} of 32", f"{m['active_units']}",
         m["active_units"] >= TARGETS["active_units"]),
    ]
    lines += ["", "Targets for the shipped VAE:", ""]
    lines += [f"- {what}: {value} — **{'met' if ok else 'missed'}**" for what, value, ok in checks]
    explorers = {name: ModelExplorer(checkpoint) for name, (checkpoint, _) in models.items()
                 if checkpoint.model.latent_dim}
    for explorer in explorers.values():
        explorer.decode_config = shown
    lines += homotopy_lines(explorers)
    if ae is not None:
        lines += fluency_lines(vae, ae, lm, dataset)
    print(f"wrote {write_section('sentence_vae', chr(10).join(lines), doc='QUALITY.md')}")


def homotopy_lines(explorers: dict) -> list[str]:
    """Typed pairs, each model's path beside the other's (lerp, 8 steps, greedy); A and B's own reconstructions
    are marked."""
    first = next(iter(explorers.values()))
    lines = ["", "Homotopies between typed sentences (posterior means, lerp, 8 steps, greedy decoding). Each path "
             "starts at A's reconstruction and ends at B's; rows equal to them are marked (A) and (B).", ""]
    for a, b in TYPED_PAIRS:
        unknown = first.domain.unknown_words(a) + first.domain.unknown_words(b)
        if unknown:
            raise SystemExit(f"typed pair ({a!r}, {b!r}) has words outside the vocabulary: {unknown}")
        paths = homotopies(explorers, a, b, steps=8)
        lines += [f"*A: {a}* → *B: {b}*", "", "| | " + " | ".join(paths) + " |",
                  "|---|" + "---|" * len(paths)]
        for step in range(8):
            cells = []
            for path in paths.values():
                mark = " (A)" if path[step] == path[0] else " (B)" if path[step] == path[-1] else ""
                cells.append(f"{path[step]}{mark}")
            lines.append(f"| {step + 1} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def fluency_lines(vae, ae, lm, dataset) -> list[str]:
    """Mean per-token NLL, under the LM, of the decoded midpoints of random held-out pairs, AE against VAE."""
    import torch

    from explorer.models.base import Batch

    results = {name: midpoint_fluency(checkpoint.model, lm.model, dataset.test, pairs=MIDPOINT_PAIRS)
               for name, checkpoint in (("sentence VAE", vae), ("sentence AE", ae))}
    test = dataset.test
    with torch.no_grad():
        lm.model.eval()
        nll = -lm.model.log_likelihood(Batch(test.x[:, : int(test.lengths.max())], None, test.lengths),
                                       torch.zeros(len(test), 0))
    reference = float(nll.sum()) / float((test.lengths + 1).sum())
    lines = ["", f"Fluency of the midpoints: {MIDPOINT_PAIRS} random pairs of held-out sentences, the midpoint of "
             "their posterior means decoded greedily, scored per token (<eos> included) by the LM baseline "
             "(lower is more fluent).", "",
             "| | NLL per token of the midpoints (nats) | midpoints equal to an end's reconstruction |", "|---|---|---|"]
    for name, r in results.items():
        lines.append(f"| {name} | **{r.nll_per_token:.2f}** | {100 * r.same_as_an_end:.0f}% |")
    lines.append(f"| held-out sentences themselves | {reference:.2f} | – |")
    return lines
