"""The map head: a small MLP from a latent vector to its position on a 2-D map, fitted to the map, so a new latent
(a typed sentence, a dropped image, the steps of a path, an analogy's result) lands on the map at once, where a
refit would take seconds. Fitted with scikit-learn's MLPRegressor on most of the mapped items; its R² on the
items held out says how faithfully it places points it has not seen. Its weights are plain arrays (saved as
``maphead.*`` tensors, no pickles) and placing is two or three matrix products in numpy."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HIDDEN = (64, 64)
HOLDOUT = 0.2  # share of the mapped items kept out of the fit to measure R²
MAX_ITER = 150  # L-BFGS iterations; more overfits the map's fine structure without raising held-out R²
ALPHA = 1.0  # L2 penalty; a smoother head generalises better to latents between the mapped ones
MIN_ITEMS = 50  # with fewer mapped items too few would be held out for an R² worth reporting


@dataclass
class MapHead:
    """``config``: {"input_dim": D, "hidden": [widths]}; ``arrays``: the weights named as in
    ``explorer.io.map_meta.head_tensor_shapes``."""

    config: dict
    arrays: dict[str, np.ndarray]

    def place(self, latents) -> np.ndarray:
        """Map positions (n, 2) float32 of latents (n, D)."""
        a = self.arrays
        h = (np.atleast_2d(np.asarray(latents, dtype=np.float32)) - a["in_shift"]) / a["in_scale"]
        layers = len(self.config["hidden"]) + 1
        for i in range(layers):
            h = h @ a[f"w{i}"] + a[f"b{i}"]
            if i < layers - 1:
                h = np.maximum(h, 0.0)
        return (h * a["out_scale"] + a["out_shift"]).astype(np.float32)


def fit_map_head(latents: np.ndarray, points: np.ndarray, seed: int = 0) -> tuple[MapHead, float | None]:
    """A head fitted to place ``latents`` (N, D) at ``points`` (N, 2), and its R² on the held-out items (None when
    there are too few items to hold some out; the head is then fitted on all of them)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import r2_score
    from sklearn.neural_network import MLPRegressor
    from threadpoolctl import threadpool_limits

    latents = np.asarray(latents, dtype=np.float32)
    points = np.asarray(points, dtype=np.float32)
    order = np.random.default_rng(seed).permutation(len(latents))
    held = order[:int(round(HOLDOUT * len(latents)))] if len(latents) >= MIN_ITEMS else order[:0]
    fit = order[len(held):]
    in_shift, in_scale = latents[fit].mean(0), latents[fit].std(0) + 1e-6
    out_shift, out_scale = points[fit].mean(0), points[fit].std(0) + 1e-6
    regressor = MLPRegressor(hidden_layer_sizes=HIDDEN, solver="lbfgs", max_iter=MAX_ITER, alpha=ALPHA,
                             random_state=seed)
    with warnings.catch_warnings(), threadpool_limits(1):  # small matrices: more BLAS threads only wait
        warnings.simplefilter("ignore", ConvergenceWarning)  # a bounded number of iterations is the point
        regressor.fit((latents[fit] - in_shift) / in_scale, (points[fit] - out_shift) / out_scale)
    arrays = {"in_shift": in_shift, "in_scale": in_scale, "out_shift": out_shift, "out_scale": out_scale}
    for i, (weight, bias) in enumerate(zip(regressor.coefs_, regressor.intercepts_)):
        arrays[f"w{i}"], arrays[f"b{i}"] = weight, bias
    head = MapHead({"input_dim": latents.shape[1], "hidden": list(HIDDEN)},
                   {name: np.ascontiguousarray(value, dtype=np.float32) for name, value in arrays.items()})
    r2 = float(r2_score(points[held], head.place(latents[held]))) if len(held) >= 2 else None
    return head, r2
