"""The map's level of detail without Qt: density raster, density-aware sampling and the spatial index, on point
sets whose answers are known."""
import numpy as np
import pytest

from explorer.analysis.mapview.density import Bounds, density_image, density_raster
from explorer.analysis.mapview.layers import MapPoints, view_layers
from explorer.analysis.mapview.picture import POINT_PX, disc_offsets, enlarged, stamp_points
from explorer.analysis.mapview.sampling import largest_cap, priorities, sample_in_view
from explorer.analysis.mapview.spatial_index import GridIndex, points_in_polygon

UNIT = Bounds(0.0, 1.0, 0.0, 1.0)
PALETTE = np.array([[255, 0, 0], [0, 0, 255], [0, 255, 0]], dtype=np.uint8)


def test_density_counts_points_per_pixel_with_the_majority_colour():
    points = np.array([[0.1, 0.1], [0.2, 0.2], [0.15, 0.1], [0.9, 0.9], [0.6, 0.1], [2.0, 0.5]], dtype=np.float32)
    colours = np.array([0, 1, 1, 2, 0, 0])
    raster = density_raster(points, colours, UNIT, (2, 2))  # row 0 holds y in [0, 0.5)
    assert raster.counts.tolist() == [[3, 1], [0, 1]]  # the point at x = 2 is outside
    assert raster.majority.tolist() == [[1, 0], [-1, 2]]
    image = density_image(raster, PALETTE)
    assert image[1, 0, 3] == 0 and image[0, 0, 3] > image[0, 1, 3] > 0
    assert image[0, 0, :3].tolist() == [0, 0, 255] and image[1, 1, :3].tolist() == [0, 255, 0]


def test_density_of_no_points_is_transparent():
    raster = density_raster(np.zeros((0, 2), np.float32), np.zeros(0, np.int64), UNIT, (3, 4))
    assert raster.counts.shape == (3, 4) and not raster.counts.any() and (raster.majority == -1).all()
    assert not density_image(raster, PALETTE).any()


def test_bounds_refuse_an_empty_rectangle():
    with pytest.raises(ValueError, match="bounds"):
        Bounds(1.0, 1.0, 0.0, 1.0)


def test_largest_cap_fits_the_budget():
    counts = np.array([1, 2, 100, 1000, 0])
    assert largest_cap(counts, 2000) == np.inf
    cap = largest_cap(counts, 103)  # 1 + 2 whole, then 50 each for the two dense cells
    assert cap == pytest.approx(50.0)
    assert np.minimum(counts, cap).sum() == pytest.approx(103)


def test_sampling_keeps_every_sparse_point_and_thins_dense_ones():
    rng = np.random.default_rng(0)
    dense = rng.uniform(0.0, 0.1, size=(50_000, 2))
    sparse = np.column_stack([np.linspace(0.3, 0.95, 200), np.linspace(0.95, 0.3, 200)])
    points = np.vstack([dense, sparse]).astype(np.float32)
    drawn = sample_in_view(points, priorities(len(points)), UNIT, (400, 400), budget=2000)
    assert np.isin(np.arange(50_000, 50_200), drawn).all()  # every sparse point
    assert 1000 < len(drawn) < 2400
    again = sample_in_view(points, priorities(len(points)), UNIT, (400, 400), budget=2000)
    assert np.array_equal(drawn, again)


def test_zooming_in_reveals_every_point():
    rng = np.random.default_rng(1)
    points = rng.uniform(0, 1, size=(100_000, 2)).astype(np.float32)
    rank = priorities(len(points))
    whole = sample_in_view(points, rank, UNIT, (200, 200), budget=5000)
    zoomed = Bounds(0.4, 0.45, 0.4, 0.45)
    close = sample_in_view(points, rank, zoomed, (200, 200), budget=5000)
    inside = np.flatnonzero((points[:, 0] >= 0.4) & (points[:, 0] < 0.45) & (points[:, 1] >= 0.4)
                            & (points[:, 1] < 0.45))
    assert len(whole) <= 5500 and np.array_equal(close, inside)
    assert np.isin(np.intersect1d(whole, inside), close).all()  # zooming only adds points


def test_view_layers_cover_the_view_and_a_margin():
    points = np.array([[0.5, 0.5], [1.2, 0.5], [3.0, 3.0]], dtype=np.float32)
    data = MapPoints(points, np.array([0, 1, 2]))
    layers = view_layers(data, UNIT, (20, 40), PALETTE, margin=0.25)
    assert layers.bounds == Bounds(-0.25, 1.25, -0.25, 1.25)
    assert layers.image.shape == (30, 60, 4) and layers.drawn.tolist() == [0, 1]  # the view's pixels and margin
    # (0.5, 0.5) is pixel (row 15, column 30), (1.2, 0.5) pixel (15, 58): each a disc in its colour, nothing else
    assert layers.image[15, 30].tolist() == [255, 0, 0, 255] and layers.image[15, 58].tolist() == [0, 0, 255, 255]
    assert (layers.image[..., 3] > 0).sum() == 2 * len(disc_offsets()) - 3  # the second disc's edge cut off


def test_a_point_is_a_disc_stamped_over_the_density_and_cut_at_the_edges():
    assert len(disc_offsets()) == 21 and np.abs(disc_offsets()).max() == POINT_PX // 2
    image = np.zeros((6, 8, 4), dtype=np.uint8)
    stamp_points(image, np.array([0, 3]), np.array([0, 4]), PALETTE[:2])
    assert image[3, 4].tolist() == [0, 0, 255, 255] and image[0, 0].tolist() == [255, 0, 0, 255]
    assert (image[..., 3] == 255).sum() == 21 + 8  # the corner disc keeps the 8 of its pixels inside
    with pytest.raises(ValueError, match="contiguous"):
        stamp_points(np.zeros((6, 8, 4), dtype=np.uint8)[:, ::2], np.array([0]), np.array([0]), PALETTE[:1])


def test_the_density_is_enlarged_to_the_pixels_with_the_last_cells_covering_the_rest():
    cells = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    image = enlarged(cells, (5, 7), 2)
    assert image.shape == (5, 7, 4) and image[0, 1].tolist() == cells[0, 0].tolist()
    assert image[4, 6].tolist() == cells[1, 2].tolist() and image[2, 3].tolist() == cells[1, 1].tolist()


def test_map_points_refuse_mismatched_colours():
    with pytest.raises(ValueError, match="expected"):
        MapPoints(np.zeros((3, 2)), np.zeros(2))


def brute_nearest(points, x, y, rx, ry):
    d = ((points[:, 0] - x) / rx) ** 2 + ((points[:, 1] - y) / ry) ** 2
    best = int(np.argmin(d))
    return best if d[best] <= 1 else -1


def test_grid_index_finds_the_nearest_point_like_brute_force():
    rng = np.random.default_rng(2)
    points = np.vstack([rng.normal(0, 1, (20_000, 2)), rng.normal(5, 0.01, (5000, 2))]).astype(np.float32)
    index = GridIndex(points)
    for x, y in rng.uniform(-3, 6, size=(200, 2)):
        assert index.nearest(x, y, 0.05, 0.2) == brute_nearest(points.astype(np.float64), x, y, 0.05, 0.2)
    assert index.nearest(100.0, 100.0, 1.0, 1.0) == -1


def test_grid_index_box_and_lasso_select_all_points():
    rng = np.random.default_rng(3)
    points = rng.uniform(-1, 1, size=(30_000, 2)).astype(np.float32)
    index = GridIndex(points)
    box = index.in_rect(-0.2, 0.3, 0.1, -0.5)  # corners in any order
    expected = np.flatnonzero((points[:, 0] >= -0.2) & (points[:, 0] <= 0.3) & (points[:, 1] >= -0.5)
                              & (points[:, 1] <= 0.1))
    assert np.array_equal(box, expected)
    triangle = np.array([[-0.9, -0.9], [0.9, -0.9], [0.0, 0.9]])
    assert np.array_equal(index.in_polygon(triangle), points_in_polygon(points, triangle))
    assert index.in_polygon(triangle[:2]).size == 0


def test_grid_index_ignores_points_at_nan_and_handles_one_point():
    points = np.array([[np.nan, 0.0], [0.5, 0.5]], dtype=np.float32)
    index = GridIndex(points)
    assert index.nearest(0.5, 0.5, 0.1, 0.1) == 1 and index.in_rect(-10, 10, -10, 10).tolist() == [1]
    assert GridIndex(np.zeros((0, 2))).nearest(0, 0, 1, 1) == -1


def test_dense_regions_are_named_by_their_majority_class_at_their_centre():
    from explorer.analysis.mapview.regions import dense_regions

    rng = np.random.default_rng(4)
    a = rng.normal((0.0, 0.0), 0.2, size=(6000, 2))
    b = rng.normal((5.0, 5.0), 0.2, size=(3000, 2))
    noise = rng.uniform(-2, 7, size=(200, 2))
    points = np.vstack([a, b, noise]).astype(np.float32)
    colours = np.concatenate([np.where(rng.random(6000) < 0.8, 1, 0), np.full(3000, 2), np.zeros(200, int)])
    regions = dense_regions(points, colours)
    assert [region.colour for region in regions] == [1, 2]
    assert abs(regions[0].x) < 0.2 and abs(regions[0].y) < 0.2
    assert abs(regions[1].x - 5) < 0.2 and abs(regions[1].y - 5) < 0.2
    assert regions[0].share > regions[1].share > 0.25
    assert dense_regions(np.full((3, 2), np.nan, dtype=np.float32), np.zeros(3, int)) == []
