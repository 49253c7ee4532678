"""The disentanglement metrics of a model on data with ground-truth factors: its posterior points (continuous
means, then each categorical variable's probabilities) for items picked by their factors."""
from __future__ import annotations

import numpy as np
import torch

from explorer.analysis.disentanglement import BUDGETS, Represent, disentanglement_scores
from explorer.data.base import Dataset, as_pixels
from explorer.data.factors import GroundTruth
from explorer.models.base import LatentModel

ENCODE_BATCH = 2048


def model_representation(model: LatentModel, truth: GroundTruth, batch_size: int = ENCODE_BATCH) -> Represent:
    """Factor classes (N, F) -> the model's posterior points (N, D), in eval mode, on the model's device."""
    @torch.no_grad()
    def represent(classes: np.ndarray) -> np.ndarray:
        model.eval()
        images, labels = truth.images(classes), truth.labels(classes)
        out = []
        for start in range(0, len(images), batch_size):
            x = as_pixels(images[start:start + batch_size]).to(model.device)
            cond = labels[start:start + batch_size].to(model.device) if model.conditional else None
            out.append(model.encode(x, cond).point().cpu())
        return torch.cat(out).numpy()
    return represent


def has_ground_truth(dataset: Dataset | None) -> bool:
    return dataset is not None and dataset.factors is not None and dataset.train.factors is not None


def factor_metrics(model: LatentModel, dataset: Dataset, budget: str = "app", seed: int = 0) -> dict:
    """MIG, SAP, DCI, the FactorVAE and β-VAE scores of ``model`` (see ``explorer.analysis.disentanglement``),
    sampling factors over every combination the dataset holds, with the named budget."""
    truth = GroundTruth.of(dataset)
    return disentanglement_scores(truth.sizes, model_representation(model, truth), BUDGETS[budget], budget, seed)
