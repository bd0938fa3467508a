"""Non-negative least squares in pure Python (Lawson & Hanson 1974, "Solving Least Squares
Problems", ch. 23): minimise ``|A·x − b|`` subject to ``x ≥ 0``, for the handful of parameters a
device profile has. Columns are scaled to unit length first, so counts of MACs (~10^8) and of
layers (~10^2) are solved on an equal footing."""

from __future__ import annotations

import math
from collections.abc import Sequence

Matrix = Sequence[Sequence[float]]


def nnls(a: Matrix, b: Sequence[float], max_iterations: int | None = None) -> list[float]:
    """The non-negative ``x`` minimising ``|a·x − b|`` (``a``: rows of equal length)."""
    m = len(a)
    n = len(a[0]) if m else 0
    if any(len(row) != n for row in a) or len(b) != m:
        raise ValueError("nnls: a must be a rectangular m x n matrix and b have m entries")
    norms = [math.sqrt(sum(row[j] ** 2 for row in a)) for j in range(n)]
    scaled = [[row[j] / norms[j] if norms[j] else 0.0 for j in range(n)] for row in a]
    x = [0.0] * n
    passive: list[int] = []
    tolerance = 1e-12 * max(1.0, math.sqrt(sum(v * v for v in b)))
    limit = max_iterations or 3 * n + 10
    for _ in range(limit):
        w = _gradient(scaled, b, x)
        candidates = [j for j in range(n) if j not in passive and norms[j] and w[j] > tolerance]
        if not candidates:
            break
        passive.append(max(candidates, key=lambda j: w[j]))
        while True:
            z = _solve_on(scaled, b, passive, n)
            if all(z[j] > 0 for j in passive):
                x = z
                break
            # step from x towards z until the first passive variable reaches zero (a variable
            # already at zero whose solution is zero too, a direction the data cannot tell from
            # the others, leaves at once)
            step = min(x[j] / (x[j] - z[j]) if x[j] > z[j] else 0.0 for j in passive if z[j] <= 0)
            x = [xj + step * (zj - xj) for xj, zj in zip(x, z, strict=True)]
            passive = [j for j in passive if x[j] > 1e-15]
            for j in range(n):
                if j not in passive:
                    x[j] = 0.0
            if not passive:
                break
    return [xj / norms[j] if norms[j] else 0.0 for j, xj in enumerate(x)]


def _gradient(a: Matrix, b: Sequence[float], x: Sequence[float]) -> list[float]:
    """``aᵀ(b − a·x)``."""
    residual = [
        bi - sum(r * xj for r, xj in zip(row, x, strict=True)) for row, bi in zip(a, b, strict=True)
    ]
    return [sum(row[j] * ri for row, ri in zip(a, residual, strict=True)) for j in range(len(x))]


def _solve_on(a: Matrix, b: Sequence[float], columns: Sequence[int], n: int) -> list[float]:
    """Unconstrained least squares on ``columns`` (the others 0), by the normal equations."""
    k = len(columns)
    gram = [[sum(row[p] * row[q] for row in a) for q in columns] for p in columns]
    rhs = [sum(row[p] * bi for row, bi in zip(a, b, strict=True)) for p in columns]
    solution = solve(gram, rhs)
    z = [0.0] * n
    for i in range(k):
        z[columns[i]] = solution[i]
    return z


def solve(matrix: Matrix, rhs: Sequence[float]) -> list[float]:
    """``matrix⁻¹·rhs`` by Gaussian elimination with partial pivoting; a singular direction gets
    0 (the least-squares problems here can have columns that the data cannot tell apart)."""
    k = len(rhs)
    aug = [[*map(float, matrix[i]), float(rhs[i])] for i in range(k)]
    scale = max((abs(v) for row in aug for v in row[:k]), default=0.0)
    for col in range(k):
        pivot = max(range(col, k), key=lambda r: abs(aug[r][col]))
        if abs(aug[pivot][col]) <= 1e-12 * scale:
            for r in range(k):
                aug[r][col] = 0.0
            aug[col] = [0.0] * (k + 1)
            continue
        aug[col], aug[pivot] = aug[pivot], aug[col]
        for r in range(k):
            if r != col and aug[r][col]:
                f = aug[r][col] / aug[col][col]
                aug[r] = [v - f * p for v, p in zip(aug[r], aug[col], strict=True)]
    return [aug[i][k] / aug[i][i] if aug[i][i] else 0.0 for i in range(k)]
