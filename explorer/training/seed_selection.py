"""Choosing among seeds without labels: of the runs trained with the same settings but different seeds, the one with
the lowest test loss (−ELBO, or the reconstruction for a model without a KL), or, for a model with a categorical
code, the one whose code is the most balanced: the entropy of the mean of q(c|x) over its held-out preview items,
over log K (1 when every category is used equally, 0 when one category takes everything). Labels are never read."""
from __future__ import annotations

import math

import numpy as np

from explorer.errors import ConfigError

CRITERIA = ("loss", "balance")


def code_balance(logits: np.ndarray, sizes) -> float:
    """H(mean over the items of q(c|x)) / log K, averaged over the categorical variables (their logits side by side
    in ``logits``, (N, ΣK))."""
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 2 or logits.shape[1] != sum(sizes) or not len(logits):
        raise ConfigError(f"expected the logits of {sum(sizes)} categories for each item, got shape {logits.shape}")
    scores, start = [], 0
    for k in sizes:
        block = logits[:, start:start + k]
        start += k
        probs = np.exp(block - block.max(1, keepdims=True))
        mean = (probs / probs.sum(1, keepdims=True)).mean(0)
        entropy = -float(np.sum(mean * np.log(np.clip(mean, 1e-12, None))))
        scores.append(entropy / math.log(k))
    return float(np.mean(scores))


def run_scores(checkpoint) -> dict[str, float]:
    """A checkpoint's label-free scores: ``loss`` from its test metrics, ``balance`` from its preview's code (only
    for a model with categorical latents)."""
    from explorer.io.preview import read_preview

    meta, preview = read_preview(checkpoint)
    metrics = meta.get("metrics") or {}
    scores = {}
    loss = metrics.get("elbo", metrics.get("recon"))
    if isinstance(loss, (int, float)) and not isinstance(loss, bool) and math.isfinite(loss):
        scores["loss"] = float(loss)
    sizes = (meta.get("model_config") or {}).get("discrete") or []
    if preview is not None and preview.logits is not None and sizes:
        scores["balance"] = code_balance(preview.logits, sizes)
    return scores


def pick(scored: dict[str, dict[str, float]], by: str) -> str:
    """The name of the best run by ``by``: the lowest loss, or the highest balance (ties: the lower loss)."""
    if by not in CRITERIA:
        raise ConfigError(f"seeds are chosen by {' or '.join(CRITERIA)}, not {by!r}")
    candidates = {name: s for name, s in scored.items() if by in s}
    if not candidates:
        raise ConfigError(f"none of the runs has a {by} to choose by" + (
            " (a balance needs a model with a categorical code)" if by == "balance" else ""))
    if by == "loss":
        return min(candidates, key=lambda name: candidates[name]["loss"])
    return max(candidates, key=lambda name: (candidates[name]["balance"], -candidates[name].get("loss", 0.0)))


def pick_in_sweep(root, by: str = "loss") -> dict:
    """For each value of a sweep, the trial (its name) whose seed is the best by ``by`` among its finished ones."""
    from explorer.training.sweep import read_manifest
    from explorer.training.sweep_results import read_sweep

    manifest = read_manifest(root)
    results = read_sweep(root)
    chosen = {}
    for value in manifest.values:
        scored = {t["name"]: run_scores(results.runs[t["name"]].checkpoint) for t in manifest.trials
                  if t["value"] == value and t["name"] in results.runs and results.runs[t["name"]].checkpoint
                  and results.runs[t["name"]].status == "finished"}
        scored = {name: s for name, s in scored.items() if by in s}
        if scored:
            chosen[value] = pick(scored, by)
    return chosen

