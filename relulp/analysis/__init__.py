"""relulp.analysis: volumes, centres and certified pruning of polytopes (math.md §5-7).

Works on any body T = {theta : A theta <= b} ∩ T^0 with T^0 the box [-R, R]^N, the ball of radius R,
or nothing (then the rows must bound T); independent of CPAL.

    >>> from relulp.analysis import Polytope
    >>> P = Polytope(A, b, bound="box", R=1.0)
    >>> P.chebyshev_center().x, P.analytic_center().x, P.centroid().x
    >>> P.volume(rel_error=0.05).volume, P.cut_ratio(a, 0.0).ratio
    >>> kept = P.prune().kept

Modules (one job each): polytope (the body), blocks (column-block structure), linalg (Newton
systems), chebyshev (Chebyshev centre, one LP / SOCP), analytic (analytic centre: barrier, Newton,
primal-dual and phase I steps), dikin (the Dikin ellipsoid at an interior point: widths, N(0, H^-1) draws,
short rounded hit-and-run walks), sampling (hit-and-run, centroid), volumes (exact and multiphase
Monte Carlo volume, cut ratios), pruning (certified redundancy removal: the stages and their result)
with certificates (redundancy certificates and their check), screens (zero, duplicate, bound-implied
rows, block cones), clarkson (Clarkson's algorithm on a persistent HiGHS model) and vertex_simplex
(the dense simplex that shortcuts its LPs), bodies (bodies with known answers, synthetic CPAL
bodies), plotting (2-D pictures), results and exceptions; _lp, _socp and _threads are internal helpers.
"""

from . import bodies
from .blocks import BlockStructure
from .analytic import analytic_center
from .dikin import DikinEllipsoid
from .chebyshev import chebyshev_center
from .exceptions import (
    AccuracyNotReachedError,
    AccuracyWarning,
    AnalysisError,
    ConvergenceWarning,
    EmptyInteriorError,
    ExactVolumeRefusedError,
    LPSolverError,
    UnboundedBodyError,
)
from .polytope import Polytope
from .pruning import PruneResult, certificate_bound, prune
from .results import (
    AnalyticCenterResult,
    BodyStatus,
    Bound,
    CenterStatus,
    CentroidResult,
    Certificate,
    ChebyshevResult,
    CutRatioResult,
    DropReason,
    LevelRecord,
    SampleResult,
    VolumeResult,
    VolumeStatus,
)
from .sampling import HitAndRun, centroid, sample
from .volumes import cut_ratio, exact_volume, volume

__all__ = [
    "Polytope", "BlockStructure", "bodies",
    "chebyshev_center", "analytic_center", "sample", "centroid", "volume", "exact_volume", "cut_ratio",
    "prune", "certificate_bound", "HitAndRun", "DikinEllipsoid",
    "Bound", "BodyStatus", "CenterStatus", "VolumeStatus", "DropReason",
    "ChebyshevResult", "AnalyticCenterResult", "SampleResult", "CentroidResult", "VolumeResult",
    "CutRatioResult", "LevelRecord", "Certificate", "PruneResult",
    "AnalysisError", "EmptyInteriorError", "UnboundedBodyError", "ExactVolumeRefusedError", "LPSolverError",
    "AccuracyNotReachedError", "AccuracyWarning", "ConvergenceWarning",
]
