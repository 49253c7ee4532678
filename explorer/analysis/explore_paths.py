"""Paths through a model's latent space, for ModelExplorer: traversals of categorical variables, the 2-D manifold,
interpolations, samples from the prior, analogies and attribute vectors."""
from __future__ import annotations

import numpy as np
import torch

from explorer.analysis import latent
from explorer.errors import ConfigError
from explorer.exploring import default


class LatentPaths:
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

    def category_grid(self, z0, variable: int, dim: int, mode: str = default("traversal_mode"),
                      steps: int = default("traversal_steps"), k: float = default("traversal_k"), cond=None):
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
    def manifold(self, z0, dims=None, steps: int = default("manifold_steps"), cond=None, component: int | None = None):
        """Kingma & Welling's learned manifold: decodes of a steps x steps grid whose two continuous dimensions
        ``dims`` (default: ``manifold_dims``) are spaced by the prior's inverse CDF over its quantiles
        0.05..0.95 (the class's prior for a conditional model, one component's for a mixture prior), everything
        else held at z0. Rows run down the second dimension from its high quantile to its low one, columns along
        the first. Returns (items row-major, the (steps, steps, 2) values of the two dimensions)."""
        latents, values = self.manifold_latents(z0, dims, steps, cond, component)
        return self.decode(latents, cond), values

    def manifold_latents(self, z0, dims=None, steps: int = default("manifold_steps"), cond=None,
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
        return self.decode_path(path, cond), path

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

    def samples(self, n: int, temperature: float = default("temperature"), class_index: int | None = None,
                seed: int = default("seed"), categories: dict[int, int] | None = None):
        z, cond = self.prior_latents(n, temperature, class_index, seed, categories)
        return self.decode(z, cond)

    def prior_latents(self, n: int, temperature: float = default("temperature"), class_index: int | None = None,
                      seed: int = default("seed"), categories: dict[int, int] | None = None
                      ) -> tuple[np.ndarray, torch.Tensor | None]:
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
