"""The shipped sentence models (VAE, denoising AE, AE) against their language-model baseline, measured on the text
the window shows: perplexity per word, reconstruction of held-out sentences (BLEU-4 on the raw sentence), the
interpolation scorecard decoded with the window's defaults, the targets of the sentences issue, and homotopies
between typed sentences side by side. Writes the ``sentence_vae`` section of docs/QUALITY.md.

    python bench/sentence_quality.py [--pairs 200] [--nll-samples 20]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402

MODELS = {"sentence VAE": "sentence-vae-wordnet", "denoising AE": "sentence-daae-wordnet",
          "sentence AE": "sentence-ae-wordnet"}
LM = "lm-wordnet"
TYPED_PAIRS = (
    ("I want to talk to you.", "She did not want to be with him."),
    ("He was very happy.", "The children played in the garden."),
    ("The price of oil rose sharply.", "She sang a song to the baby."),
)
HOMOTOPY_STEPS = 8


def fmt(value, digits=2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def check(what: str, value: str, ok: bool) -> str:
    return f"- {what}: {value} — **{'met' if ok else 'missed'}**"


def main(argv=None) -> int:
    from explorer.analysis.explore import ModelExplorer
    from explorer.analysis.homotopy import homotopies
    from explorer.analysis.interpolation_scores import interpolation_scorecard
    from explorer.analysis.language_model_files import load_language_model
    from explorer.analysis.metrics import evaluate
    from explorer.analysis.reconstruction import reference_texts
    from explorer.data.registry import load_dataset
    from explorer.data.tokenizers import tokenizer_for
    from explorer.io.checkpoint import load_checkpoint

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--nll-samples", type=int, default=20)
    args = parser.parse_args(argv)
    trained = ROOT / "trained"
    checkpoints = {name: load_checkpoint(trained / f"{file}.safetensors") for name, file in MODELS.items()}
    lm_checkpoint = load_checkpoint(trained / f"{LM}.safetensors")
    info = lm_checkpoint.dataset
    tokenizer = tokenizer_for(info)
    test = load_dataset(info["id"], **dict(info.get("options", {}), tokenizer=tokenizer)).test
    sentences = reference_texts(test, tokenizer)
    scorer = load_language_model(trained / f"{LM}.safetensors")
    rows, cards = {}, {}
    for name, checkpoint in checkpoints.items():
        k = args.nll_samples if checkpoint.model.has_kl else 0
        rows[name] = evaluate(checkpoint.model, test, nll_samples=k, tokenizer=tokenizer)
        cards[name] = interpolation_scorecard(ModelExplorer(checkpoint), sentences, args.pairs, scorer)
        print(f"{name}: {rows[name]['recon_bleu']:.1f} BLEU, scorecard {cards[name]}", flush=True)
    lm = evaluate(lm_checkpoint.model, test, tokenizer=tokenizer)
    lines = [
        "## The sentence models against their language-model baseline",
        "",
        f"`python bench/sentence_quality.py --pairs {args.pairs} --nll-samples {args.nll_samples}`: the shipped "
        f"models on `{info['id']}`'s {len(test):,} held-out sentences, read by the same byte-level BPE of "
        f"{len(info['vocab']):,} pieces, with the same decoder (embeddings 128, GRU 256). Perplexity per word "
        "(punctuation marks and each sentence's end count as words). Reconstruction: each held-out sentence "
        "encoded, its posterior mean decoded with the window's defaults (greedy, repeated 3-grams blocked) and "
        "detokenized, against the raw sentence: sacrebleu's corpus BLEU-4 (13a tokenization, case-sensitive), word "
        "accuracy at each position, exact copies.",
        "",
        f"| | epochs | −ELBO | KL | AU | MI | PPL/word | PPL/word (IW, k={args.nll_samples}) | BLEU-4 | word acc. "
        "| exact |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, m in rows.items():
        model = checkpoints[name].model
        lines.append(f"| {name} | {len(checkpoints[name].history)} | {fmt(m['elbo'])} | {fmt(m['kl'])} | "
                     f"{m['active_units']}/{model.latent_dim} | {fmt(m['mutual_info'])} | {fmt(m['ppl'], 1)} | "
                     f"{fmt(m.get('ppl_iw'), 1)} | {m['recon_bleu']:.1f} | {100 * m['recon_token_accuracy']:.0f}% "
                     f"| {100 * m['recon_exact']:.1f}% |")
    lines.append(f"| LM baseline | {len(lm_checkpoint.history)} | {fmt(lm['elbo'])} | – | – | – | "
                 f"{fmt(lm['ppl'], 1)} | – | – | – | – |")
    lines += ["", f"Interpolation scorecard: {args.pairs} random pairs of held-out sentences, the path between their "
              "posterior means (10 steps; slerp under a Gaussian prior, lerp for the plain AE: the window's auto) decoded with the window's defaults. Fluency: per-word NLL of the "
              "inner steps under the LM baseline (the held-out sentences' own beside it); smoothness: word edit "
              "distance between neighbouring steps (mean, and each path's largest); ends: A and B back (BLEU-4, "
              "exact); copies: inner steps equal to an end's decode; well-formed: steps without a repeated word "
              "3-gram.", "",
              "| | fluency (nats/word) | held-out | smoothness | largest jump | ends BLEU | ends exact | copies | "
              "well-formed |", "|---|---|---|---|---|---|---|---|---|"]
    for name, c in cards.items():
        lines.append(f"| {name} | {fmt(c.fluency)} | {fmt(c.heldout_fluency)} | {c.smoothness:.2f} | "
                     f"{c.largest_jump:.2f} | {c.end_bleu:.1f} | {100 * c.end_exact:.1f}% | {100 * c.copies:.1f}% | "
                     f"{100 * c.well_formed:.1f}% |")
    vae, daae, card = rows["sentence VAE"], rows["denoising AE"], cards["denoising AE"]
    ratio = vae["ppl_iw"] / lm["ppl"]
    gap = card.fluency - card.heldout_fluency
    latent = checkpoints["sentence VAE"].model.latent_dim
    lines += ["", "Targets:", "",
              check("VAE BLEU-4 ≥ 30", f"{vae['recon_bleu']:.1f}", vae["recon_bleu"] >= 30),
              check("VAE word accuracy ≥ 50%", f"{100 * vae['recon_token_accuracy']:.0f}%",
                    vae["recon_token_accuracy"] >= 0.5),
              check("VAE per-word IW perplexity within 35% of the LM's", f"{100 * (ratio - 1):+.0f}%",
                    ratio <= 1.35),
              check("VAE active units ≥ 75% of z", f"{vae['active_units']}/{latent}",
                    vae["active_units"] >= 0.75 * latent),
              check("denoising AE BLEU-4 ≥ 45", f"{daae['recon_bleu']:.1f}", daae["recon_bleu"] >= 45),
              check("denoising AE midpoints' fluency within 0.3 nats/word of held-out sentences", f"{gap:+.2f}",
                    gap <= 0.3),
              check("denoising AE steps copying an end ≤ 5%", f"{100 * card.copies:.1f}%", card.copies <= 0.05),
              check("denoising AE: no repeated 3-grams", f"{100 * card.well_formed:.1f}% of steps without",
                    card.well_formed == 1.0)]
    explorers = {name: ModelExplorer(checkpoint) for name, checkpoint in checkpoints.items()}
    lines += ["", f"Homotopies between typed sentences (posterior means, slerp, {HOMOTOPY_STEPS} steps, the "
              "window's decoding). Each path starts at A's reconstruction and ends at B's; rows equal to them are "
              "marked (A) and (B).", ""]
    for a, b in TYPED_PAIRS:
        paths = homotopies(explorers, a, b, steps=HOMOTOPY_STEPS, method="slerp")
        lines += [f"*A: {a}* → *B: {b}*", "", "| | " + " | ".join(paths) + " |", "|---|" + "---|" * len(paths)]
        for step in range(HOMOTOPY_STEPS):
            cells = [f"{p[step]}{' (A)' if p[step] == p[0] else ' (B)' if p[step] == p[-1] else ''}"
                     for p in paths.values()]
            lines.append(f"| {step + 1} | " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
        lines.append("")
    print(f"wrote {write_section('sentence_vae', chr(10).join(lines), doc='QUALITY.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
