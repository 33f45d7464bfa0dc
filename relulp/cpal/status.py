"""Why a cutting-plane learner stopped: :class:`FitStatus`, the one vocabulary of the learners' ``status_``.

Solver outcomes (the final solve's LP, the analysis module's LPs) are :class:`relulp.solvers.Status`; the
analysis module's own outcomes (centres, volumes, mixing) are the enums of :mod:`relulp.analysis.results`.
:class:`FitStatus` says only why the cutting-plane loop ended.
"""

from __future__ import annotations

import enum

__all__ = ["FitStatus"]


class FitStatus(str, enum.Enum):
    """Why the loop of a cutting-plane learner stopped (its ``status_`` after ``fit`` / ``resume``).

    A ``str`` enum: each member *is* its value (``status_ == "converged"`` holds, ``str()``, f-strings and
    JSON give ``"converged"``), so records and command-line output carry the plain word.

    ===================  =======================================================================================
    member (value)       meaning
    ===================  =======================================================================================
    CONVERGED            Algorithm 1: at the last centre no training point is violated, in every version space.
                         The oracle counts a cone-row violation too, so the recovered network itself fits every
                         training point (accuracy 1.0; regression: every residual within eps; math.md §5)
    STALLED              Algorithm 1: only points already cut are violated (an inexact centre, or a point no
                         theta can fit); cutting again cannot help and the network does not fit them.
                         ``message_`` names them
    MAX_CUTS             ``max_cuts`` cuts were made (both algorithms)
    MAX_ITER             Algorithm 1: ``max_iter`` centres in one version space
    MAX_TIME             Algorithm 1: ``max_time`` seconds have passed
    BUDGET_SPENT         Algorithms 4 and 6: every label of the budget (``budget_``) was looked at
    POOL_EXHAUSTED       Algorithms 4 and 6: every pool point was queried (a safeguard: the budget is at most
                         the pool size, so a run that asked every point reports BUDGET_SPENT first)
    VOLUME_SHRUNK        Algorithms 4 and 6 with ``stop_radius_ratio=r``: the Chebyshev radius (of the largest
                         ball inside) of every version space fell to at most r times the radius R of T^0, the
                         user's volumetric stopping rule (docs/cpal.md says how to choose r against N)
    EMPTY_VERSION_SPACE  a version space has no interior left (no theta satisfies its cuts strictly): the run
                         stopped with what it had and warned (:class:`~relulp.cpal.EmptyVersionSpaceWarning`);
                         ``message_`` says why. No guarantee on the fit
    RUNNING              the loop has not ended: set when ``fit`` / ``resume`` starts, and left there when the
                         oracle raised :class:`~relulp.cpal.OracleError` (``resume`` continues the run)
    STOPPED              the active loop left while still running (a defensive fallback; not expected)
    ===================  =======================================================================================

    Algorithm 1 with several version spaces (one-vs-rest) reports the first of STALLED, MAX_TIME, MAX_CUTS,
    MAX_ITER, CONVERGED that any space ended with (:data:`TRAINING_PRECEDENCE`): CONVERGED only when every
    space converged.
    """

    RUNNING = "running"
    CONVERGED = "converged"
    STALLED = "stalled"
    MAX_CUTS = "max_cuts"
    MAX_ITER = "max_iter"
    MAX_TIME = "max_time"
    BUDGET_SPENT = "budget_spent"
    POOL_EXHAUSTED = "pool_exhausted"
    VOLUME_SHRUNK = "volume_shrunk"
    EMPTY_VERSION_SPACE = "empty_version_space"
    STOPPED = "stopped"

    def __str__(self) -> str:  # "converged", not "FitStatus.CONVERGED", in messages and tables
        return self.value

    def __format__(self, spec: str) -> str:  # f-strings likewise, on every Python version
        return format(self.value, spec)


#: Algorithm 1 over several version spaces: the run's status is the first of these that any space ended with
TRAINING_PRECEDENCE = (FitStatus.STALLED, FitStatus.MAX_TIME, FitStatus.MAX_CUTS, FitStatus.MAX_ITER,
                       FitStatus.CONVERGED)
