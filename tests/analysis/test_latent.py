import pytest
import torch

from explorer.analysis import latent
from explorer.errors import ConfigError


def test_lerp_and_slerp_end_at_a_and_b():
    a, b = torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 2.0, 0.0])
    for method in ("lerp", "slerp"):
        path = latent.interpolate(a, b, 7, method)
        assert path.shape == (7, 3)
        assert torch.allclose(path[0], a) and torch.allclose(path[-1], b, atol=1e-6)


def test_slerp_follows_the_arc():
    a, b = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    middle = latent.slerp(a, b, 3)[1]
    assert middle.norm() == pytest.approx(1.0) and torch.allclose(middle, torch.tensor([0.7071, 0.7071]), atol=1e-4)
    assert torch.allclose(latent.lerp(a, b, 3)[1], torch.tensor([0.5, 0.5]))
    parallel = latent.slerp(a, 3 * a, 3)
    assert torch.allclose(parallel[1], 2 * a)


def test_traversal_values_and_grid():
    assert torch.allclose(latent.traversal_values("sigma", 5, k=2.0, center=1.0), torch.tensor([-1.0, 0, 1, 2, 3]))
    quantiles = latent.traversal_values("quantiles", 3)
    assert torch.allclose(quantiles, torch.tensor([-1.6449, 0.0, 1.6449]), atol=1e-4)
    data = latent.traversal_values("data", 3, data_values=torch.tensor([-0.5, 2.5, 1.0]))
    assert torch.allclose(data, torch.tensor([-0.5, 1.0, 2.5]))
    z0 = torch.tensor([9.0, 9.0, 9.0])
    grid = latent.traversal_grid(z0, [2, 0], [torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])])
    assert grid.tolist() == [[9, 9, 1], [9, 9, 2], [3, 9, 9], [4, 9, 9]]
    with pytest.raises(ConfigError, match="dimension 3 out of range"):
        latent.traverse(z0, 3, torch.zeros(2))


def test_analogy_attributes_and_ordering():
    a, b, c = torch.tensor([3.0]), torch.tensor([1.0]), torch.tensor([10.0])
    assert latent.analogy(a, b, c).item() == 12.0
    means = torch.tensor([[1.0, 0.0], [3.0, 0.0], [0.0, 5.0]])
    assert latent.attribute_vector(means, torch.tensor([0, 0, 1]), 0, 1).tolist() == [2.0, -5.0]
    with pytest.raises(ConfigError, match="class 7 has no items"):
        latent.attribute_vector(means, torch.tensor([0, 0, 1]), 7, 1)
    assert latent.dims_by_kl(torch.tensor([0.1, 3.0, 1.0])) == [1, 2, 0]
