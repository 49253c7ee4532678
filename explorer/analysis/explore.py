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
from explorer.exploring import default
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
        self.decode_config = None  # text models: an explorer.domains.decoding.DecodeConfig
        preview = checkpoint.preview
        self.layout = self.model.latent_layout
        self.means = np.asarray(preview.means, dtype=np.float32)  # points: continuous means, then probabilities
        self.logvars = None if preview.logvars is None else np.asarray(preview.logvars, dtype=np.float32)
        self.logits = None if preview.logits is None else np.asarray(preview.logits, dtype=np.float32)
        self.labels = np.asarray(preview.labels, dtype=np.int64)
        self.projection = np.asarray(preview.projection, dtype=np.float32)
        self._fitted_projection: Projection | None = stored_map(preview)
        self.map_method = (preview.map_info or {}).get("method", "pca")  # files before maps at save hold a PCA
        self.map_saved = preview.map_info is not None  # the map on show is the one in the file
        self.preview_explorer: ModelExplorer | None = None  # set on an explorer of the whole dataset: the preview's
        # Every item's KL, computed here (where the explorer is built: off the GUI thread) so that showing an item
        # is reading arrays: ``per_dim`` (N, D) and ``discrete`` (N, m).
        self.item_kl = self._item_kl(np.arange(len(self.means)))
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
    def has_kl(self) -> bool:
        return self.model.has_kl

    @property
    def has_prior(self) -> bool:
        return self.model.has_prior

    @property
    def latent_dim(self) -> int:
        return self.model.latent_dim

    @property
    def label(self) -> str:
        return printable(self.checkpoint.label)

    @property
    def continuous_dim(self) -> int:
        """How many continuous dimensions lead the latent vector (the rest are one-hot categorical blocks)."""
        return self.layout.continuous

    @property
    def discrete_sizes(self) -> tuple[int, ...]:
        """The number of categories of each categorical latent variable (empty for most models)."""
        return self.layout.discrete

    def _item_posterior(self, indices) -> tuple[Posterior, torch.Tensor | None]:
        """Preview items' posteriors (on the model's device) and their conditions."""
        device, d = self.model.device, self.continuous_dim
        logits = []
        if self.logits is not None:
            blocks = np.cumsum((0,) + self.discrete_sizes)
            logits = [torch.from_numpy(self.logits[indices, lo:hi]).to(device) for lo, hi in zip(blocks, blocks[1:])]
        logvar = None if self.logvars is None else torch.from_numpy(self.logvars[indices]).to(device)
        cond = self._cond_for(indices)
        return (Posterior(torch.from_numpy(self.means[indices, :d]).to(device), logvar, logits),
                None if cond is None else cond.to(device))

    def _item_kl(self, indices) -> dict[str, np.ndarray]:
        """KL of preview items against the model's own prior (its ``kl_terms``): ``per_dim`` (n, D) and
        ``discrete`` (n, m)."""
        indices = np.atleast_1d(np.asarray(indices, dtype=np.int64))
        posterior, cond = self._item_posterior(indices)
        with torch.no_grad():
            kl = self.model.kl_terms(posterior, cond)
        return {name: value.cpu().numpy() for name, value in kl.items()}

    @property
    def kl_per_dim(self) -> np.ndarray:
        """Mean KL(q(z_d|x) || p(z_d)) per continuous dimension over the preview set, in nats, against the model's
        prior."""
        return self.item_kl["per_dim"].mean(0)

    @property
    def kl_discrete(self) -> np.ndarray:
        """Mean KL(q(c_i|x) || uniform) per categorical variable over the preview set, in nats."""
        return self.item_kl["discrete"].mean(0)

    @property
    def dims_by_kl(self) -> list[int]:
        """Continuous dimensions, most KL first."""
        return latent.dims_by_kl(torch.from_numpy(self.kl_per_dim))

    def origin(self) -> np.ndarray:
        """The prior's centre: continuous zeros, and each categorical variable uniform."""
        parts = [np.zeros(self.continuous_dim, dtype=np.float32)]
        parts += [np.full(k, 1.0 / k, dtype=np.float32) for k in self.discrete_sizes]
        return np.concatenate(parts)

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
        """The continuous part of an item's posterior: mean, σ and KL per dimension."""
        mean = self.means[index, :self.continuous_dim]
        if self.logvars is None:
            return mean, np.zeros_like(mean), np.zeros_like(mean)
        return mean, np.exp(0.5 * self.logvars[index]), self.item_kl["per_dim"][index]

    def discrete_posterior(self, index: int) -> list[tuple[np.ndarray, float]]:
        """Each categorical variable's probabilities for an item, with its KL against the uniform prior."""
        kl = self.item_kl["discrete"][index]
        return [(self.means[index, block], float(kl[v])) for v, block in enumerate(self._blocks())]

    def _blocks(self) -> list[slice]:
        return [self.layout.block(v) for v in range(len(self.discrete_sizes))]

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
        """Decode each continuous dim in ``dims`` swept over ``steps`` values; returns (items row-major by dim,
        values)."""
        z0 = torch.as_tensor(np.asarray(z0, dtype=np.float32))
        values = []
        for dim in dims:
            self._check_dim(dim)
            data_values = torch.from_numpy(self.means[:, dim]) if mode == "data" else None
            center = 0.0 if mode == "quantiles" else float(z0[dim]) if mode == "sigma" else 0.0
            values.append(latent.traversal_values(mode, steps, k=k, data_values=data_values, center=center))
        grid = latent.traversal_grid(z0, list(dims), values)
        return self.decode(grid.numpy(), cond), torch.stack(values).numpy()

    def _check_dim(self, dim: int) -> None:
        if not 0 <= int(dim) < self.continuous_dim:
            where = " (the rest are categorical variables)" if self.discrete_sizes else ""
            raise ConfigError(f"dimension {dim} is not a continuous dimension: expected 0..{self.continuous_dim - 1}"
                              + where)

    # Categorical latents
    def with_category(self, z, variable: int, category: int) -> np.ndarray:
        """Latents (n, width) or one latent with categorical ``variable`` set to the one-hot ``category``."""
        if not 0 <= variable < len(self.discrete_sizes):
            raise ConfigError(f"categorical variable {variable} out of range: this model has "
                              f"{len(self.discrete_sizes)}")
        k = self.discrete_sizes[variable]
        if not 0 <= category < k:
            raise ConfigError(f"category {category} out of range 0..{k - 1}")
        z = np.array(z, dtype=np.float32)
        block = z[..., self.layout.block(variable)]
        block[...] = 0.0
        block[..., category] = 1.0
        return z

    def category_row(self, z0, variable: int, cond=None):
        """One decode per category of ``variable``, everything else held at z0: one style, every category."""
        k = self.discrete_sizes[variable] if 0 <= variable < len(self.discrete_sizes) else 0
        z = np.stack([self.with_category(z0, variable, c) for c in range(max(k, 1))])
        return self.decode(z, cond)

    def category_grid(self, z0, variable: int, dim: int, mode: str = "sigma", steps: int = 11, k: float = 3.0,
                      cond=None):
        """A categorical variable crossed with a continuous dimension: one row per category, each sweeping ``dim``
        as ``traversal`` does. Returns (items row-major by category, the values swept)."""
        self._check_dim(dim)
        rows = [self.with_category(z0, variable, c) for c in range(self.discrete_sizes[variable])]
        data_values = torch.from_numpy(self.means[:, dim]) if mode == "data" else None
        values = latent.traversal_values(mode, steps, k=k, data_values=data_values,
                                         center=float(z0[dim]) if mode == "sigma" else 0.0)
        grid = torch.cat([latent.traverse(torch.from_numpy(row), dim, values) for row in rows])
        return self.decode(grid.numpy(), cond), values.numpy()

    # The 2-D manifold
    def manifold(self, z0, dims=None, steps: int = 15, cond=None, component: int | None = None):
        """Kingma & Welling's learned manifold: decodes of a steps x steps grid whose two continuous dimensions
        ``dims`` (default: ``manifold_dims``) are spaced by the prior's inverse CDF over its quantiles
        0.05..0.95 (the class's prior for a conditional model, one component's for a mixture prior), everything
        else held at z0. Rows run down the second dimension from its high quantile to its low one, columns along
        the first. Returns (items row-major, the (steps, steps, 2) values of the two dimensions)."""
        latents, values = self.manifold_latents(z0, dims, steps, cond, component)
        return self.decode(latents, cond), values

    def manifold_latents(self, z0, dims=None, steps: int = 15, cond=None,
                         component: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The latents ``manifold`` decodes (steps², width) and the values of its two dimensions."""
        dims = list(self.manifold_dims() if dims is None else dims)
        if len(dims) != 2 or dims[0] == dims[1]:
            raise ConfigError(f"the manifold needs two different dimensions, got {dims}")
        for dim in dims:
            self._check_dim(dim)
        if steps < 2:
            raise ConfigError(f"the manifold needs at least 2 steps a side, got {steps}")
        components = self.model.prior_components
        if components and component is not None and not 0 <= component < components:
            raise ConfigError(f"prior component {component} out of range 0..{components - 1}")
        quantiles = latent.traversal_values("quantiles", steps)
        rows, cols = torch.meshgrid(quantiles.flip(0), quantiles, indexing="ij")
        eps = torch.zeros(steps * steps, self.continuous_dim)
        eps[:, dims[0]], eps[:, dims[1]] = cols.reshape(-1), rows.reshape(-1)
        cond_t = self._broadcast_cond(cond, len(eps))
        with torch.no_grad():
            prior = self.model.prior_points(eps.to(self.model.device), None if cond_t is None
                                            else cond_t.to(self.model.device), component).cpu().numpy()
        grid = np.repeat(np.asarray(z0, dtype=np.float32)[None], len(eps), axis=0)
        grid[:, dims] = prior[:, dims]
        return grid, grid[:, dims].reshape(steps, steps, 2)

    def manifold_dims(self) -> list[int]:
        """The manifold's default dimensions: the two with the most KL (for a deterministic encoder, whose KL is
        zero, the two whose codes vary most across the preview set)."""
        if self.logvars is not None:
            return self.dims_by_kl[:2]
        spread = torch.from_numpy(self.means[:, :self.continuous_dim].var(0))
        return latent.dims_by_kl(spread)[:2]

    def component_names(self) -> list[str]:
        """What to call the prior's mixture components (with the class each stands for when there is one per
        class)."""
        count, names = self.model.prior_components, self.class_names
        if count and len(names) == count:
            return [f"component {c} (class {name})" for c, name in enumerate(names)]
        return [f"component {c}" for c in range(count)]

    def interpolation(self, z_a, z_b, steps: int = default("interpolation_steps"),
                      method: str = default("interpolation_method"), cond=None):
        path = self.interpolation_path(z_a, z_b, steps, method)
        return self.decode(path, cond), path

    def path_method(self, method: str) -> str:
        """``auto``: slerp under a Gaussian prior (it keeps the norm such a prior expects), lerp otherwise."""
        if method != "auto":
            return method
        return "slerp" if self.has_prior and not self.model.prior_components else "lerp"

    def interpolation_path(self, z_a, z_b, steps: int = default("interpolation_steps"),
                           method: str = default("interpolation_method")) -> np.ndarray:
        return latent.interpolate(torch.as_tensor(np.asarray(z_a, dtype=np.float32)),
                                  torch.as_tensor(np.asarray(z_b, dtype=np.float32)), steps,
                                  self.path_method(method)).numpy()

    def class_swap(self, z, classes=None):
        if not self.conditional:
            raise ConfigError("class swap needs a conditional model (CVAE)")
        classes = list(range(self.num_classes)) if classes is None else list(classes)
        z = np.repeat(np.atleast_2d(np.asarray(z, dtype=np.float32)), len(classes), axis=0)
        return self.decode(z, np.asarray(classes))

    def samples(self, n: int, temperature: float = 1.0, class_index: int | None = None, seed: int = 0,
                categories: dict[int, int] | None = None):
        z, cond = self.prior_latents(n, temperature, class_index, seed, categories)
        return self.decode(z, cond)

    def prior_latents(self, n: int, temperature: float = 1.0, class_index: int | None = None, seed: int = 0,
                      categories: dict[int, int] | None = None) -> tuple[np.ndarray, torch.Tensor | None]:
        """Latents drawn from the prior (of one class for a conditional model; with categorical variables fixed
        to ``categories``, {variable: category}) and the class to decode them with."""
        if self.conditional and class_index is None:
            raise ConfigError("a conditional model samples one class at a time: give a class")
        cond = self._broadcast_cond(class_index, n)
        generator = torch.Generator().manual_seed(int(seed))
        with torch.no_grad():
            z = self.model.sample_prior(n, cond, temperature=temperature, generator=generator).cpu().numpy()
        for variable, category in (categories or {}).items():
            z = self.with_category(z, variable, category)
        return z, cond

    def prior_on_map(self, n: int = 1000, seed: int = 0) -> np.ndarray:
        """Where n samples of the prior land on the map (k, 2) (a conditional model's spread over its classes):
        beside the data's codes it shows how well the codes fill the prior."""
        classes = np.arange(n) % self.num_classes if self.conditional else None
        generator = torch.Generator().manual_seed(int(seed))
        cond = None if classes is None else torch.as_tensor(classes).to(self.model.device)
        with torch.no_grad():
            z = self.model.sample_prior(n, cond, generator=generator).cpu().numpy()
        return self.project_new(z)

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
        return posterior.point().cpu().numpy()

    def nearest(self, mean, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """The k preview items whose posterior means are closest (Euclidean) to ``mean``: (indices, distances)."""
        distances = np.linalg.norm(self.means - np.asarray(mean, dtype=np.float32), axis=1)
        order = np.argsort(distances, kind="stable")[:k]
        return order, distances[order]

    # What a model's code says about the data
    def code_confusion(self) -> dict | None:
        """How a categorical latent matches the labels (``explorer.analysis.metrics.discrete_accuracy``): the
        checkpoint's figure on its test split when it has one, else computed on the preview set. With ``source``,
        where it was measured."""
        from explorer.analysis.metrics import discrete_accuracy

        stored = self.checkpoint.metrics.get("discrete_accuracy")
        if isinstance(stored, dict):
            return dict(stored, source="test split")
        if self.logits is None:
            return None
        posterior, _ = self._item_posterior(np.arange(len(self.means)))
        found = discrete_accuracy([logits.cpu() for logits in posterior.logits], torch.from_numpy(self.labels))
        return None if found is None else dict(found, source=f"{len(self.means)} preview items")

    def unit_activity(self) -> np.ndarray | None:
        """For a sparse code: the fraction of preview items in which each unit is active (above the model's
        ``code_threshold``); None for other models."""
        threshold = self.model.code_threshold
        if threshold is None:
            return None
        return (self.means[:, :self.continuous_dim] > threshold).mean(0)

    def code_spread(self) -> np.ndarray | None:
        """For a deterministic encoder (no KL to show): each code dimension's standard deviation over the preview
        items, so a dimension the encoder does not use stands out; None for a variational model."""
        if self.has_kl:
            return None
        return self.means[:, :self.continuous_dim].std(0)

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

    def adopt_map_of(self, other: ModelExplorer) -> None:
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
        map (refitted here the first time), or as they are when a 2-D latent is its own map."""
        with self._projection_lock:
            if self._fitted_projection is None:
                from explorer.analysis.projection import project

                self._fitted_projection = project(self.means, "latent" if self.means.shape[1] == 2 else "pca")
            projection = self._fitted_projection
        return projection.transform(np.atleast_2d(means))

    @property
    def stds(self) -> np.ndarray | None:
        """The preview items' posterior σ per continuous dimension; None for a deterministic encoder."""
        return None if self.logvars is None else np.exp(0.5 * self.logvars)

    def same_items(self, other: ModelExplorer | None) -> bool:
        """Whether ``other`` explores the same preview items in the same order (two models of one dataset and
        split), so an item index means the same item in both."""
        if other is None:
            return False
        mine, theirs = self.checkpoint.preview, other.checkpoint.preview
        return (mine.inputs.shape == theirs.inputs.shape and np.array_equal(mine.inputs, theirs.inputs)
                and (mine.lengths is None) == (theirs.lengths is None)
                and (mine.lengths is None or np.array_equal(mine.lengths, theirs.lengths)))
