"""The map at any number of points, without Qt: a density image of every point binned to the view's pixels, a
density-aware sample of the points to draw on it, and a spatial index that answers hover, click, box and lasso on
every point."""
