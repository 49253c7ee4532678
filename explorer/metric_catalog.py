"""Every figure the app reports about a model, declared once: its key in a checkpoint's metrics, the name shown,
its unit, what a model needs for it to mean something, and how it is written. The Model panel, the Compare table,
``info`` and ``evaluate`` read this list (and the curves the plots of a history); a kind adds its own figures
through its declaration (``KindInfo.metrics``). Nothing here imports torch or Qt."""
from __future__ import annotations

import math
from dataclasses import dataclass

NEEDS = ("", "kl", "text", "labels", "factors")  # nothing; a KL term; a sentence model; labelled data; factors


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str = ""
    needs: str = ""
    headline: str = ""  # for a figure stored with its details (a dict): the entry shown
    compare: bool = False  # a column of the Compare table
    ceiling_items: str = ""  # for an estimate bounded by log N: the key of N, the number of items it used

    @property
    def title(self) -> str:
        return f"{self.label} ({self.unit})" if self.unit else self.label

    def value(self, metrics: dict):
        """The number this figure has in a checkpoint's metrics, or None."""
        value = metrics.get(self.key)
        if isinstance(value, dict) and self.headline:
            value = value.get(self.headline)
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    def format(self, metrics: dict) -> str | None:
        value = self.value(metrics)
        if value is None:
            return None
        if isinstance(value, int):
            return str(value)
        text = f"{value:.3f}" if abs(value) < 1000 else f"{value:.1f}"
        ceiling = self.ceiling(metrics)
        if ceiling:
            text += f" ({value / ceiling:.0%} of log {metrics[self.ceiling_items]:,})"
        return text

    def ceiling(self, metrics: dict) -> float | None:
        """log N for an estimate that cannot exceed it (N items, N > 1), else None."""
        items = metrics.get(self.ceiling_items) if self.ceiling_items else None
        if isinstance(items, int) and not isinstance(items, bool) and items > 1:
            return math.log(items)
        return None

    def applies(self, has_kl: bool, domain: str) -> bool:
        return {"kl": has_kl, "text": domain == "text"}.get(self.needs, True)


METRICS = (
    Metric("elbo", "test −ELBO", "nats", needs="kl", compare=True),
    Metric("recon", "reconstruction", "nats", compare=True),
    Metric("kl", "KL", "nats", needs="kl", compare=True),
    Metric("active_units", "active units", compare=True),
    Metric("mutual_info", "mutual information", "nats", needs="kl", compare=True, ceiling_items="mutual_info_items"),
    Metric("nll_iw", "IW NLL", "nats", needs="kl", compare=True),
    Metric("conditional_accuracy", "class accuracy", headline="accuracy", compare=True),
    Metric("ppl", "perplexity", "per word", needs="text", compare=True),
    Metric("ppl_iw", "perplexity (IW)", "per word", needs="text"),
    Metric("recon_bleu", "reconstruction BLEU-4", needs="text"),
    Metric("recon_token_accuracy", "reconstruction word accuracy", needs="text"),
    Metric("recon_exact", "exact reconstructions", needs="text"),
    Metric("greedy_bleu", "reconstruction BLEU-4 (greedy)", needs="text"),
    Metric("discrete_accuracy", "code accuracy (unsupervised)", headline="accuracy"),
    Metric("mig", "MIG", needs="factors"),
    Metric("sap", "SAP", needs="factors"),
    Metric("dci_disentanglement", "DCI disentanglement", needs="factors"),
    Metric("dci_completeness", "DCI completeness", needs="factors"),
    Metric("dci_informativeness", "DCI informativeness", needs="factors"),
    Metric("factor_vae_score", "FactorVAE score", needs="factors"),
    Metric("beta_vae_score", "β-VAE score", needs="factors"),
)


@dataclass(frozen=True)
class Curve:
    """A plot of a run's history: the first key a run has values for is drawn (capacity before β)."""

    name: str
    title: str
    keys: tuple[str, ...]
    needs: str = ""


CURVES = (
    Curve("loss", "training loss (nats)", ("train_loss",)),
    Curve("recon", "reconstruction (nats)", ("train_recon",)),
    Curve("kl", "KL (nats)", ("train_kl",), needs="kl"),
    Curve("weight", "β(t), or C(t) with a capacity", ("capacity", "beta"), needs="kl"),
    Curve("elbo", "test −ELBO (nats)", ("test_elbo",), needs="kl"),
    Curve("au", "active units", ("active_units",)),
)


def metrics_of(kind_metrics: tuple[Metric, ...] = ()) -> tuple[Metric, ...]:
    """The figures a kind reports: everyone's, then its own."""
    return METRICS + tuple(kind_metrics)
