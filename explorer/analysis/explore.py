"""ModelExplorer: everything the app shows about a trained model, computed from a checkpoint.

The GUI and the CLI's export both ask this object for decoded items (uint8 images or sentences, as the model's
domain renders them); neither touches the model's modules.
"""
from __future__ import annotations

import threading

import numpy as np
import torch

from explorer.analysis import latent
from explorer.analysis.preview import set_map, stored_map
from explorer.analysis.projection import Projection
from explorer.domains import domain_for
from explorer.errors import ConfigError
from explorer.io.checkpoint import Checkpoint
from explorer.io.display import printable
from explorer.models.base import Posterior


class ModelExplorer:
    def __init__(self, checkpoint: Checkpoint):
        if checkpoint.preview is None:
            raise ConfigError("the checkpoint has no preview set to explore")
        self.checkpoint = checkpoint
        self.model = checkpoint.model.eval()
        self.domain = domain_for(checkpoint.dataset)
        self.decode_config = None  # text models: an explorer.analysis.decoding.DecodeConfig
        preview = checkpoint.preview
        self.means = np.asarray(preview.means, dtype=np.float32)
        self.logvars = None if preview.logvars is None else np.asarray(preview.logvars, dtype=np.float32)
        self.labels = np.asarray(preview.labels, dtype=np.int64)
        self.projection = np.asarray(preview.projection, dtype=np.float32)
        self._fitted_projection: Projection | None = stored_map(preview)
        self.map_method = (preview.map_info or {}).get("method", "pca")  # files before maps at save hold a PCA
        self.map_saved = preview.map_info is not None  # the map on show is the one in the file
        self._kl_per_dim: np.ndarray | None = None
        self.preview_explorer: ModelExplorer | None = None  # set on an explorer of the whole dataset: the preview's
        self._projection_lock = threading.Lock()  # project_new runs in a worker thread while the GUI reads

    # What is loaded
    @property
    def domain_name(self) -> str:
        return self.domain.name

    @property
    def class_names(self) -> list[str]:
        """As shown to a person: control and bidi characters from the file escaped."""
        return [printable(name) for name in self.checkpoint.dataset.get("class_names", [])]

    @property
    def num_classes(self) -> int:
        return self.model.num_classes

    @property
    def conditional(self) -> bool:
        return self.model.conditional

    @property
    def variational(self) -> bool:
        return self.model.variational

    @property
    def latent_dim(self) -> int:
        return self.model.latent_dim

    @property
    def label(self) -> str:
        return printable(self.checkpoint.label)

    def _item_kl(self, indices) -> np.ndarray:
        """KL per dimension of preview items against the model's own prior (its ``kl_terms``): (n, D)."""
        indices = np.atleast_1d(np.asarray(indices, dtype=np.int64))
        if self.logvars is None:
            return np.zeros((len(indices), self.latent_dim), dtype=np.float32)
        device = self.model.device
        posterior = Posterior(torch.from_numpy(self.means[indices]).to(device),
                              torch.from_numpy(self.logvars[indices]).to(device))
        with torch.no_grad():
            cond = self._cond_for(indices)
            kl = self.model.kl_terms(posterior, None if cond is None else cond.to(device))["per_dim"]
        return kl.cpu().numpy()

    @property
    def kl_per_dim(self) -> np.ndarray:
        """Mean KL(q(z_d|x) || p(z_d)) per dimension over the preview set, in nats, against the model's prior."""
        if self._kl_per_dim is None:
            self._kl_per_dim = self._item_kl(np.arange(len(self.means))).mean(0)
        return self._kl_per_dim

    @property
    def dims_by_kl(self) -> list[int]:
        return latent.dims_by_kl(torch.from_numpy(self.kl_per_dim))

    def origin(self) -> np.ndarray:
        return np.zeros(self.latent_dim, dtype=np.float32)

    # Items of the preview set
    def items(self, indices):
        indices = np.atleast_1d(np.asarray(indices, dtype=np.int64))
        preview = self.checkpoint.preview
        if self.domain_name == "text":
            return [self.domain.item_text(preview.inputs[i], int(preview.lengths[i])) for i in indices]
        return preview.inputs[indices]

    def _cond_for(self, indices) -> torch.Tensor | None:
        if not self.conditional:
            return None
        return torch.as_tensor(self.labels[np.atleast_1d(indices)], dtype=torch.long)

    def reconstruct(self, indices):
        """Decode the posterior means of preview items (with their own labels for a CVAE)."""
        indices = np.atleast_1d(np.asarray(indices, dtype=np.int64))
        return self.decode(self.means[indices], self._cond_for(indices))

    def posterior(self, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        mean = self.means[index]
        if self.logvars is None:
            return mean, np.zeros_like(mean), np.zeros_like(mean)
        return mean, np.exp(0.5 * self.logvars[index]), self._item_kl(index)[0]

    def label_of(self, index: int) -> int:
        return int(self.labels[index])

    # Decoding
    def decode(self, z, cond=None):
        z = torch.as_tensor(np.atleast_2d(np.asarray(z, dtype=np.float32)))
        cond = self._broadcast_cond(cond, len(z))
        options = {} if self.decode_config is None else {"decode": self.decode_config}
        return self.domain.render(self.model, z, cond, **options)

    def _broadcast_cond(self, cond, n: int) -> torch.Tensor | None:
        if not self.conditional:
            return None
        if cond is None:
            raise ConfigError("a conditional model needs a class to decode with")
        cond = torch.as_tensor(np.atleast_1d(cond), dtype=torch.long)
        if cond.numel() == 1:
            cond = cond.expand(n)
        if int(cond.min()) < 0 or int(cond.max()) >= self.num_classes:
            raise ConfigError(f"class index out of range: expected 0..{self.num_classes - 1}")
        return cond

    def traversal(self, z0, dims, mode: str = "sigma", steps: int = 11, k: float = 3.0, cond=None):
        """Decode each dim in ``dims`` swept over ``steps`` values; returns (items row-major by dim, values)."""
        z0 = torch.as_tensor(np.asarray(z0, dtype=np.float32))
        values = []
        for dim in dims:
            data_values = torch.from_numpy(self.means[:, dim]) if mode == "data" else None
            center = 0.0 if mode == "quantiles" else float(z0[dim]) if mode == "sigma" else 0.0
            values.append(latent.traversal_values(mode, steps, k=k, data_values=data_values, center=center))
        grid = latent.traversal_grid(z0, list(dims), values)
        return self.decode(grid.numpy(), cond), torch.stack(values).numpy()

    def interpolation(self, z_a, z_b, steps: int = 10, method: str = "lerp", cond=None):
        path = self.interpolation_path(z_a, z_b, steps, method)
        return self.decode(path, cond), path

    @staticmethod
    def interpolation_path(z_a, z_b, steps: int = 10, method: str = "lerp") -> np.ndarray:
        return latent.interpolate(torch.as_tensor(np.asarray(z_a, dtype=np.float32)),
                                  torch.as_tensor(np.asarray(z_b, dtype=np.float32)), steps, method).numpy()

    def class_swap(self, z, classes=None):
        if not self.conditional:
            raise ConfigError("class swap needs a conditional model (CVAE)")
        classes = list(range(self.num_classes)) if classes is None else list(classes)
        z = np.repeat(np.atleast_2d(np.asarray(z, dtype=np.float32)), len(classes), axis=0)
        return self.decode(z, np.asarray(classes))

    def samples(self, n: int, temperature: float = 1.0, class_index: int | None = None, seed: int = 0):
        z, cond = self.prior_latents(n, temperature, class_index, seed)
        return self.decode(z, cond)

    def prior_latents(self, n: int, temperature: float = 1.0, class_index: int | None = None,
                      seed: int = 0) -> tuple[np.ndarray, torch.Tensor | None]:
        """Latents drawn from the prior (of one class for a conditional model) and the class to decode them with."""
        if self.conditional and class_index is None:
            raise ConfigError("a conditional model samples one class at a time: give a class")
        cond = self._broadcast_cond(class_index, n)
        generator = torch.Generator().manual_seed(int(seed))
        with torch.no_grad():
            z = self.model.sample_prior(n, cond, temperature=temperature, generator=generator).cpu()
        return z.numpy(), cond

    def analogy(self, z_a, z_b, z_c, cond=None):
        return self.decode(self.analogy_latent(z_a, z_b, z_c), cond)

    @staticmethod
    def analogy_latent(z_a, z_b, z_c) -> np.ndarray:
        """The latent A − B + C."""
        return latent.analogy(*(torch.as_tensor(np.asarray(v, dtype=np.float32)) for v in (z_a, z_b, z_c))).numpy()

    @staticmethod
    def traversal_latents(z0, dim: int, values) -> np.ndarray:
        """The latents of one traversal row: ``z0`` with dimension ``dim`` set to each of ``values``."""
        return latent.traversal_grid(torch.as_tensor(np.asarray(z0, dtype=np.float32)), [dim],
                                     [torch.as_tensor(np.asarray(values, dtype=np.float32))]).numpy()

    def attribute_vector(self, class_x: int, class_y: int) -> np.ndarray:
        return latent.attribute_vector(torch.from_numpy(self.means), torch.from_numpy(self.labels),
                                       class_x, class_y).numpy()

    def attribute(self, z, class_x: int, class_y: int, strength: float, cond=None):
        shifted = np.asarray(z, dtype=np.float32) + strength * self.attribute_vector(class_x, class_y)
        return self.decode(shifted, cond)

    # New inputs and the map
    def encode_items(self, items, cond=None) -> np.ndarray:
        """Posterior means of new inputs: uint8 images (n, H, W) or sentences."""
        with torch.no_grad():
            if self.domain_name == "text":
                x, lengths = self.domain.encode_sentences(list(items))
                posterior = self.model.encode(x.to(self.model.device), None, lengths.to(self.model.device))
            else:
                x = self.domain.to_input(np.asarray(items))
                cond_t = self._broadcast_cond(cond, len(x))
                posterior = self.model.encode(x.to(self.model.device),
                                              None if cond_t is None else cond_t.to(self.model.device))
        return posterior.mean.cpu().numpy()

    def nearest(self, mean, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """The k preview items whose posterior means are closest (Euclidean) to ``mean``: (indices, distances)."""
        distances = np.linalg.norm(self.means - np.asarray(mean, dtype=np.float32), axis=1)
        order = np.argsort(distances, kind="stable")[:k]
        return order, distances[order]

    def length_buckets(self) -> tuple[np.ndarray, list[str]]:
        """For text: each preview sentence's length bucket (an index) and the buckets' names, to colour the map."""
        lengths = np.asarray(self.checkpoint.preview.lengths)
        edges = [0, 5, 8, 11, 15, np.inf]
        names = [f"{int(lo) + 1}-{int(hi)} words" if np.isfinite(hi) else f"{int(lo) + 1}+ words"
                 for lo, hi in zip(edges[:-1], edges[1:])]
        return np.digitize(lengths, edges[1:-1], right=True), names

    # The map
    @property
    def map_in_file(self) -> bool:
        """Whether the checkpoint's preview holds a map (files written before maps were computed at save do
        not)."""
        return self.checkpoint.preview.map_info is not None

    @property
    def map_r2(self) -> float | None:
        """The R² of the map head on held-out latents, where the map has a head."""
        projection = self._fitted_projection
        return None if projection is None else projection.r2

    def set_projection(self, projection: Projection) -> None:
        """Show a map computed here."""
        with self._projection_lock:
            self._fitted_projection = projection
            self.projection = np.asarray(projection.points, dtype=np.float32)
            self.map_method = projection.method
            self.map_saved = False

    def restore_stored_map(self) -> None:
        """Show the map the file carries again."""
        preview = self.checkpoint.preview
        with self._projection_lock:
            self._fitted_projection = stored_map(preview)
            self.projection = np.asarray(preview.projection, dtype=np.float32)
            self.map_method = preview.map_info["method"]
            self.map_saved = True

    @property
    def checkpoint_to_save(self) -> Checkpoint:
        """What saving writes: the checkpoint with its preview set (never the whole dataset mapped here)."""
        return self.checkpoint if self.preview_explorer is None else self.preview_explorer.checkpoint_to_save

    def adopt_map_of(self, other: "ModelExplorer") -> None:
        """Place new latents as ``other``'s map does (this explorer's points were placed on that map)."""
        with self._projection_lock:
            self._fitted_projection = other._fitted_projection
            self.map_method, self.map_saved = other.map_method, other.map_saved

    def keep_map(self) -> None:
        """Put the map on show into the checkpoint's preview (points, method, head), so saving writes it."""
        with self._projection_lock:
            if self._fitted_projection is not None:
                set_map(self.checkpoint.preview, self._fitted_projection)
                self.map_saved = True

    def project_new(self, means) -> np.ndarray:
        """Place new latents on the map: by the map head of a UMAP or t-SNE map, by the linear transform of a PCA
        map (refitted here the first time)."""
        with self._projection_lock:
            if self._fitted_projection is None:
                from explorer.analysis.projection import project

                self._fitted_projection = project(self.means, "pca")
            projection = self._fitted_projection
        return projection.transform(np.atleast_2d(means))

    @property
    def stds(self) -> np.ndarray | None:
        """The preview items' posterior σ per continuous dimension; None for a deterministic encoder."""
        return None if self.logvars is None else np.exp(0.5 * self.logvars)

    def same_items(self, other: "ModelExplorer | None") -> bool:
        """Whether ``other`` explores the same preview items in the same order (two models of one dataset and
        split), so an item index means the same item in both."""
        if other is None:
            return False
        mine, theirs = self.checkpoint.preview, other.checkpoint.preview
        return (mine.inputs.shape == theirs.inputs.shape and np.array_equal(mine.inputs, theirs.inputs)
                and (mine.lengths is None) == (theirs.lengths is None)
                and (mine.lengths is None or np.array_equal(mine.lengths, theirs.lengths)))
