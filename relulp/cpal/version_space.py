"""The version space of one binary (or regression) problem: T = {theta : A theta <= b} ∩ T^0 (math.md §5).

T^0 is the ball ``{||theta|| <= R}`` (the paper's choice and the learners' default) or the box
``[-R, R]^N`` (relulp's general default). Cuts are appended as sparse rows; the centre is recomputed
lazily, only after a cut, warm-started from the previous one; optional pruning drops redundant rows
after each cut; optional volume tracking estimates each cut's vol(T_new) / vol(T) before it is made
(math.md §6).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .centers import CenterResult, compute_center
from .exceptions import EmptyVersionSpaceError


class VersionSpace:
    """One version space with its current centre.

    Parameters
    ----------
    dim : N, the number of parameters (leaf variables of the nested LP)
    block_width : d, the width of the leaf blocks (a leaf cone row touches one block)
    coarse_block_width : optional width of the root's children's subtrees (deeper nets: every cone row
        lies inside one such block)
    bound, radius : T^0 = ball or box of radius R
    center : "analytic", "chebyshev" or "centroid"
    center_tol, center_options : passed to :func:`relulp.cpal.centers.compute_center`
    prune, prune_options : call :meth:`Polytope.prune` after every cut
    track_volume, volume_options : estimate :meth:`Polytope.cut_ratio` for every cut
    seed : seeds the randomized parts (centroid, volume ratios)
    """

    def __init__(self, dim: int, block_width: int, *, coarse_block_width: int | None = None,
                 bound: str = "ball", radius: float = 1.0,
                 center: str = "analytic", center_tol: float = 1e-12, center_options: dict | None = None,
                 prune: bool = False, prune_options: dict | None = None, track_volume: bool = False,
                 volume_options: dict | None = None, seed=None):
        from relulp.analysis.polytope import Polytope

        self.polytope = Polytope(sp.csr_array((0, dim)), np.zeros(0), bound=bound, R=radius, blocks=block_width,
                                 coarse_blocks=coarse_block_width)
        self.center_kind = center
        self.center_tol = center_tol
        self.center_options = dict(center_options or {})
        self.prune = prune
        self.prune_options = dict(prune_options or {})
        self.track_volume = track_volume
        self.volume_options = dict(volume_options or {})
        self._seed_seq = np.random.SeedSequence(seed) if not isinstance(seed, np.random.SeedSequence) else seed
        self.theta: np.ndarray | None = None
        self.last_center: CenterResult | None = None
        self.stale = True
        self.empty: EmptyVersionSpaceError | None = None
        self.version = 0  # number of centres computed so far
        self.n_cuts = 0
        self.rows_pruned = 0
        self.prune_failures = 0

    @property
    def dim(self) -> int:
        return self.polytope.N

    @property
    def rows(self) -> int:
        return self.polytope.m

    def _cut_ratios(self, A, b, fit_rows) -> dict:
        """Volume ratios of a cut (and of its fit rows alone) on the current body; an empty record with a
        message when the body has no interior point to sample from."""
        from relulp.analysis.exceptions import EmptyInteriorError

        opts = dict(self.volume_options)
        seed = opts.pop("seed", None)
        try:
            r = self.polytope.cut_ratio(A, b, seed=self._next_seed() if seed is None else seed, **opts)
            record = {"ratio": float(r.ratio), "lower": float(r.lower), "upper": float(r.upper),
                      "confidence": float(r.confidence), "grunbaum_bound": float(r.grunbaum_bound),
                      "samples": int(r.n), "method": r.method, "center": self.center_kind}
            if fit_rows is not None and np.any(fit_rows):
                keep = np.flatnonzero(fit_rows)
                rf = self.polytope.cut_ratio(sp.csr_array(A)[keep], np.asarray(b)[keep],
                                             seed=self._next_seed() if seed is None else seed, **opts)
                record.update(fit_ratio=float(rf.ratio), fit_lower=float(rf.lower), fit_upper=float(rf.upper))
        except EmptyInteriorError as exc:
            record = {"center": self.center_kind, "message": f"not measured: {exc}"}
        return record

    def _next_seed(self) -> int:
        return int(self._seed_seq.spawn(1)[0].generate_state(1)[0])

    def center(self) -> CenterResult | None:
        """Recompute the centre if a cut made it stale; returns the new result, or None if reused.

        Raises :class:`EmptyVersionSpaceError` (the previous centre stays in :attr:`theta`).
        """
        if not self.stale and self.theta is not None:
            return None
        if self.empty is not None:
            raise self.empty
        seed = self._next_seed() if self.center_kind == "centroid" else None
        try:
            res = compute_center(self.polytope, self.center_kind, tol=self.center_tol, seed=seed,
                                 options=self.center_options)
        except EmptyVersionSpaceError as exc:
            self.empty = exc  # no cut can make it non-empty again
            raise
        self.theta = res.x
        self.last_center = res
        self.version += 1
        self.stale = False
        return res

    def cut(self, A, b, fit_rows=None) -> dict | None:
        """Intersect T with ``{A theta <= b}`` (one labelled point's rows); the centre becomes stale.

        When tracking volume, returns the record of :meth:`Polytope.cut_ratio` for the whole cut
        (``ratio, lower, upper, confidence, grunbaum_bound, samples``) and, if ``fit_rows`` (a boolean
        mask of the margin / tube rows) is given, the same for those rows alone (``fit_ratio,
        fit_lower, fit_upper``): the half-spaces of Theorem 6.3 (math.md §6). Otherwise None.
        """
        record = None
        if self.track_volume:
            record = self._cut_ratios(A, b, fit_rows)
        self.polytope = self.polytope.cut(A, b)
        self.n_cuts += 1
        if self.prune:
            from relulp.analysis.exceptions import EmptyInteriorError

            before = self.polytope.m
            try:
                self.polytope = _pruned(self.polytope.prune(**self.prune_options))
            except EmptyInteriorError:
                # pruning needs an interior point; without one the body is kept as it is and the next
                # centre decides whether the version space is empty
                self.prune_failures += 1
            self.rows_pruned += before - self.polytope.m
        self.stale = True
        if record is not None:
            record["rows"] = int(self.polytope.m)
        return record


def _pruned(result):
    """The pruned polytope from :meth:`Polytope.prune`'s return value (a Polytope or a result record)."""
    from relulp.analysis.polytope import Polytope

    if isinstance(result, Polytope):
        return result
    for name in ("polytope", "body", "pruned"):
        P = getattr(result, name, None)
        if isinstance(P, Polytope):
            return P
    if isinstance(result, tuple) and result and isinstance(result[0], Polytope):
        return result[0]
    raise TypeError(f"cannot read a pruned polytope from {type(result).__name__}")
