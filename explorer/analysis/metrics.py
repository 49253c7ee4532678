"""Evaluation of a trained model on a split: -ELBO and its terms, KL per dimension (and per categorical variable),
active units, mutual information I(x;z), the importance-weighted NLL bound, perplexity and reconstruction (BLEU,
token accuracy) for sentences, a CVAE's conditional accuracy, and the unsupervised accuracy of a categorical latent
against the labels."""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from explorer.analysis.evaluation import evaluation_pass
from explorer.data.base import Dataset, Split, as_pixels
from explorer.models.base import Batch, LatentModel, Posterior, gaussian_log_density

MI_MAX_ITEMS = 5000


def _batches(model: LatentModel, split: Split, batch_size: int):
    for start in range(0, len(split), batch_size):
        yield Batch.of(split, slice(start, start + batch_size)).to(model.device)


def _cond(model: LatentModel, batch: Batch):
    return batch.y if model.conditional else None


@torch.no_grad()
def encode_split(model: LatentModel, split: Split, batch_size: int = 1000) -> Posterior:
    """Every item's posterior (continuous means, log-variances, categorical logits), on the CPU, in eval mode. A
    model without a latent (the language model) gives (N, 0) means."""
    model.eval()
    if not model.latent_dim:
        return Posterior(torch.zeros(len(split), 0))
    parts = [model.encode(batch.x, _cond(model, batch), batch.lengths) for batch in _batches(model, split, batch_size)]
    logvars = [p.logvar.cpu() for p in parts if p.logvar is not None]
    return Posterior(torch.cat([p.mean.cpu() for p in parts]), torch.cat(logvars) if logvars else None,
                     [torch.cat([p.logits[i].cpu() for p in parts]) for i in range(len(parts[0].logits))])


def posterior_stats(model: LatentModel, split: Split, batch_size: int = 1000):
    """Continuous posterior means and log-variances (None for deterministic encoders) of every item, on the CPU."""
    posterior = encode_split(model, split, batch_size)
    return posterior.mean, posterior.logvar


@torch.no_grad()
def mutual_information_items(n: int) -> int:
    """How many items ``mutual_information`` uses of ``n``: its estimate cannot exceed the log of this."""
    return min(n, MI_MAX_ITEMS)


def mutual_information(means: torch.Tensor, logvars: torch.Tensor, seed: int = 0) -> float:
    """I(x;z) under the aggregate posterior q(z) = mean_j q(z|x_j) (Hoffman & Johnson 2016; He et al. 2019):
    E_x E_q(z|x)[log q(z|x)] - E_q(z)[log q(z)], one sample per item, over at most MI_MAX_ITEMS items."""
    generator = torch.Generator().manual_seed(seed)
    if len(means) > MI_MAX_ITEMS:
        keep = torch.randperm(len(means), generator=generator)[:MI_MAX_ITEMS]
        means, logvars = means[keep], logvars[keep]
    d = means.shape[1]
    z = means + torch.exp(0.5 * logvars) * torch.randn(means.shape, generator=generator)
    neg_entropy = (-0.5 * d * math.log(2 * math.pi) - 0.5 * (1 + logvars).sum(1)).mean()
    return float(neg_entropy - aggregate_log_density(z, means, logvars).mean())


def aggregate_log_density(z: torch.Tensor, means: torch.Tensor, logvars: torch.Tensor,
                          rows: int = 256) -> torch.Tensor:
    """log q(z_i) for each of the (n, D) points under the mixture of the (m, D) diagonal Gaussians,
    q(z) = mean_j N(z; mean_j, exp(logvar_j)). The squared distances, expanded as z²·p - 2z·(mean·p) + mean²·p
    with p = exp(-logvar), are two matrix products per block of rows instead of an (n, m, D) tensor; float64
    keeps the expansion's cancellation harmless."""
    z, means, logvars = z.double(), means.double(), logvars.double()
    precision = torch.exp(-logvars)
    weighted_means = means * precision
    constant = (means * weighted_means).sum(1) + logvars.sum(1) + z.shape[1] * math.log(2 * math.pi)
    out = []
    for block in z.split(rows):
        exponent = torch.addmm(constant, block * block, precision.T).addmm_(block, weighted_means.T, alpha=-2.0)
        out.append(torch.logsumexp(exponent.mul_(-0.5), dim=1))
    return torch.cat(out) - math.log(len(means))


@torch.no_grad()
def iw_nll(model: LatentModel, split: Split, k: int, batch_size: int = 500, seed: int = 0) -> torch.Tensor:
    """-log p(x) per item by the importance-weighted bound with k samples (Burda et al. 2016). Categorical latents
    are sampled exactly from q(c|x) (one-hot, not relaxed) against their uniform prior."""
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    out = []
    for batch in _batches(model, split, batch_size):
        cond = _cond(model, batch)
        posterior = model.encode(batch.x, cond, batch.lengths)
        prior_mean, prior_logvar = model.prior(cond, len(batch))
        log_w = []
        for _ in range(k):
            eps = torch.randn(posterior.mean.shape, generator=generator).to(model.device)
            z = posterior.mean + posterior.std * eps
            log_ratio = gaussian_log_density(z, prior_mean, prior_logvar) - posterior.log_density(z)
            parts = [z]
            for logits in posterior.logits:
                log_q = logits.log_softmax(-1)
                picks = torch.multinomial(log_q.exp().cpu(), 1, generator=generator).to(model.device)
                log_ratio = log_ratio - math.log(logits.shape[-1]) - log_q.gather(1, picks).squeeze(1)
                parts.append(F.one_hot(picks.squeeze(1), logits.shape[-1]).to(z.dtype))
            log_w.append(model.log_likelihood(batch, torch.cat(parts, dim=1)) + log_ratio)
        out.append(-(torch.logsumexp(torch.stack(log_w), dim=0) - math.log(k)).cpu())
    return torch.cat(out)


def discrete_accuracy(logits: list[torch.Tensor], labels: torch.Tensor) -> dict | None:
    """Unsupervised accuracy of a categorical latent against the labels: each item's most probable category, the
    categories matched one-to-one to the classes so that most items agree (the Hungarian method, SciPy's
    linear_sum_assignment), the fraction that agrees. Of several variables, the one that agrees best. None without
    categorical latents or labels."""
    from scipy.optimize import linear_sum_assignment

    labelled = labels >= 0
    if not logits or not bool(labelled.any()):
        return None
    y = labels[labelled].numpy()
    classes = int(y.max()) + 1
    best = None
    for variable, variable_logits in enumerate(logits):
        k = variable_logits.shape[1]
        codes = variable_logits[labelled].argmax(1).numpy()
        confusion = np.zeros((classes, k), dtype=np.int64)
        np.add.at(confusion, (y, codes), 1)
        rows, cols = linear_sum_assignment(-confusion)
        accuracy = float(confusion[rows, cols].sum() / len(y))
        if best is None or accuracy > best["accuracy"]:
            assignment = np.full(k, -1, dtype=np.int64)
            assignment[cols] = rows
            best = {"accuracy": accuracy, "variable": variable, "confusion": confusion.tolist(),
                    "assignment": assignment.tolist()}
    return best


def perplexity(nll_per_example: torch.Tensor, words: torch.Tensor) -> float:
    """exp(total NLL / total words), counting each sentence's end as a word: per word, not per token, so models
    reading subwords, words or anything else compare."""
    return float(math.exp(float(nll_per_example.sum()) / float((words + 1).sum())))


def word_counts(split: Split, tokenizer) -> torch.Tensor:
    """The number of words (``explorer.data.tokenizers.words``) of each sentence of a text split."""
    from explorer.analysis.reconstruction import reference_texts
    from explorer.data.tokenizers import words

    return torch.tensor([len(words(text)) for text in reference_texts(split, tokenizer)], dtype=torch.float64)


@torch.no_grad()
def evaluate(model: LatentModel, split: Split, nll_samples: int = 0, batch_size: int = 1000,
             tokenizer=None) -> dict:
    """Metrics per example in nats. ``elbo`` is the NEGATIVE ELBO (lower is better). Categorical latents add their
    KL per variable (``kl_discrete``) and, on labelled data, ``discrete_accuracy``; a model's own figures
    (``extra_metrics``) are merged in. A text split needs the ``tokenizer`` its model reads with: perplexities are
    per word and reconstructions are scored on the text."""
    model.eval()
    figures = evaluation_pass(model, split, batch_size, keep=True)
    posterior, recon, kl = figures.posterior, figures.recon_terms, figures.kl_terms
    metrics = {"elbo": figures.recon + figures.kl, "recon": figures.recon, "kl": figures.kl, "kl_per_dim": [],
               "active_units": 0, "mutual_info": None, "examples": len(split)}
    if model.latent_dim:
        metrics["active_units"] = figures.active_units
        if posterior.logvar is not None:
            # The KL each dimension pays against the model's own prior (kl_terms), as training counts it.
            metrics["kl_per_dim"] = figures.kl_per_dim
            metrics["mutual_info"] = mutual_information(posterior.mean, posterior.logvar)
            metrics["mutual_info_items"] = mutual_information_items(len(posterior.mean))
        if figures.kl_discrete:
            metrics["kl_discrete"] = figures.kl_discrete
        if split.y is not None:
            accuracy = discrete_accuracy(posterior.logits, split.y)
            if accuracy is not None:
                metrics["discrete_accuracy"] = accuracy
            metrics.update(model.extra_metrics(posterior, split.y))
    if nll_samples > 0:
        nll = iw_nll(model, split, nll_samples) if model.has_kl else recon
        metrics["nll_iw"] = float(nll.mean())
    if split.lengths is not None:
        counts = word_counts(split, tokenizer)
        metrics["ppl"] = perplexity(recon + kl, counts)
        if "nll_iw" in metrics:
            metrics["ppl_iw"] = perplexity(nll, counts)
        if model.latent_dim:
            from explorer.analysis.reconstruction import reconstruction_scores

            metrics.update(reconstruction_scores(model, split, tokenizer))
    return metrics


def conditional_accuracy(model: LatentModel, dataset: Dataset, n_per_class: int = 100, seed: int = 0,
                         max_train: int = 10000) -> dict:
    """Does conditioning work? Samples drawn for class c are labelled by a classifier trained on the same training
    images; the fraction labelled c is the accuracy. The classifier's accuracy on the real test images is reported
    beside it so its judgement can be trusted."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(seed)
    train = dataset.train
    pick = rng.permutation(len(train))[:max_train]
    features = as_pixels(train.x[pick]).flatten(1).numpy()
    classifier = LogisticRegression(max_iter=300).fit(features, train.y[pick].numpy())
    test_accuracy = float(classifier.score(as_pixels(dataset.test.x).flatten(1).numpy(), dataset.test.y.numpy()))
    generator = torch.Generator().manual_seed(seed)
    model.eval()
    per_class = []
    with torch.no_grad():
        for c in range(model.num_classes):
            cond = torch.full((n_per_class,), c, dtype=torch.long, device=model.device)
            z = model.sample_prior(n_per_class, cond, generator=generator)
            images = model.pixel_means(z, cond).flatten(1).cpu().numpy()
            per_class.append(float((classifier.predict(images) == c).mean()))
    return {"accuracy": float(np.mean(per_class)), "per_class": per_class,
            "classifier_test_accuracy": test_accuracy, "samples_per_class": n_per_class}
