"""CI-sized fuzz campaign over relulp's LPs (issue 13, item 7), on the harness of tests/fuzz_harness.py.

Every example is one random instance (n 2..30, d 1..5, 1-3 hidden layers, every objective and
formulation, intercept on/off, degenerate data) checked four ways: the backends agree (HiGHS ipm, HiGHS
simplex, GLPK simplex), every optimum is re-verified by the recovered network's forward pass,
build_lp and build_model solve alike, and .lp/.mps round trips through HiGHS give the same optimum.
The test refuses crashes, disagreements and unverified optima; a typed relulp/solvers error is allowed
only for a genuinely bad input (an empty pattern layer, NaN data, bad labels, mismatched rows).

Run alone:  python -m pytest tests/test_fuzz.py        (100 examples, about 20-40 s on the shared 2-core machine)
More:       RELULP_FUZZ_EXAMPLES=300 python -m pytest tests/test_fuzz.py
            python benchmarks/fuzz_campaign.py --instances 1000      (summary table, exit code)
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

import fuzz_harness as fh

pytestmark = pytest.mark.slow  # the fuzz campaign; select it alone by path or with -k fuzz

MAX_EXAMPLES = int(os.environ.get("RELULP_FUZZ_EXAMPLES", "100"))
# Smaller LPs than the campaign's 20k nonzeros keep the CI run under a minute.
CI_MAX_NNZ = int(os.environ.get("RELULP_FUZZ_MAX_NNZ", "8000"))


def _fail_message(rep: fh.Report) -> str:
    return (f"{rep.summary()}\n--- reproducer (build the LP; the failing check is named above) ---\n"
            f"{rep.instance.reproducer()}")


def _check(rep: fh.Report) -> None:
    bad = rep.failures
    assert not bad, _fail_message(rep)
    if rep.instance.bad_input:
        # bad input: a typed error on every builder, never an LP
        assert all(o.kind == fh.CLEAR_ERROR for o in rep.outcomes), _fail_message(rep)
    elif rep.instance.degeneracy not in fh.SCALE_KINDS:
        # good data at ordinary scales: no refusal (the harness already counts a typed refusal of good
        # input as a disagreement; only ScaleError at the extreme scales is a clear error)
        assert not any(o.kind == fh.CLEAR_ERROR for o in rep.outcomes), _fail_message(rep)
    if rep.instance.degeneracy in ("none", "duplicates", "one_class"):
        # well-posed data: every backend gives a verified answer (no "optimal_inaccurate", no give-up)
        assert not any(o.kind == fh.FLAGGED for o in rep.outcomes), _fail_message(rep)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=(Phase.explicit, Phase.generate),   # shrinking a seed means nothing: the report has a reproducer
          suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**31 - 1),
    objective=st.sampled_from(fh.OBJECTIVES),
    formulation=st.sampled_from(fh.FORMULATIONS),
    fit_intercept=st.booleans(),
    depth=st.sampled_from((1, 1, 2, 2, 3)),
    degeneracy=st.sampled_from(fh.DEGENERACIES),
)
# The degenerate cases of the issue, always run: a point active in no pattern, a zero row without
# intercept, a zero-width tube, one class, and the extreme feature scales.
@example(seed=0, objective="feasibility", formulation="nested", fit_intercept=True, depth=1, degeneracy="inactive_point")
@example(seed=1, objective="min_l1", formulation="auxiliary", fit_intercept=True, depth=2, degeneracy="inactive_point")
@example(seed=2, objective="feasibility", formulation="nested", fit_intercept=False, depth=1, degeneracy="zero_rows")
@example(seed=3, objective="eps", formulation="auxiliary", fit_intercept=True, depth=2, degeneracy="zero_tube")
@example(seed=4, objective="hinge", formulation="nested", fit_intercept=True, depth=1, degeneracy="one_class")
@example(seed=5, objective="l1", formulation="nested", fit_intercept=True, depth=1, degeneracy="tiny_scale")
@example(seed=6, objective="min_l1", formulation="nested", fit_intercept=True, depth=1, degeneracy="huge_scale")
@example(seed=7, objective="feasibility", formulation="nested", fit_intercept=True, depth=1, degeneracy="bad_input")
# HiGHS IPX said "infeasible" where the simplex and GLPK verify an optimum (found by the 1,000-instance
# campaign): relulp now checks every HiGHS "infeasible" with a Farkas ray and re-runs the dual simplex.
@example(seed=697, objective="eps", formulation="nested", fit_intercept=False, depth=1, degeneracy="near_duplicates")
def test_fuzz_instance(seed, objective, formulation, fit_intercept, depth, degeneracy):
    inst = fh.make_instance(seed, objective=objective, formulation=formulation, fit_intercept=fit_intercept,
                            depth=depth, degeneracy=degeneracy, max_nnz=CI_MAX_NNZ)
    _check(fh.run_instance(inst))


def test_fuzz_harness_flags_a_wrong_optimum():
    """The forward-pass check is not vacuous: a perturbed optimum is reported unverified."""
    import numpy as np
    import relulp
    from relulp import solvers
    inst = fh.make_instance(11, objective="hinge", formulation="nested", fit_intercept=True, depth=1,
                            degeneracy="none")
    lp = relulp.build_lp(relulp.PatternTree(inst.patterns), inst.X, inst.y, **inst.lp_kwargs())
    res = solvers.solve(lp, backend="highs")
    assert res.status == solvers.Status.OPTIMAL
    assert fh.verify_optimum(lp, res, inst.X, inst.y)[0] == fh.OK
    x0 = np.array(res.x, dtype=float)
    res.x = x0.copy()
    res.x[lp.col_block("xi").slice] += 1.0    # feasible, but the LP's value is no longer its network's
    assert fh.verify_optimum(lp, res, inst.X, inst.y)[0] == fh.UNVERIFIED
    res.x = x0.copy()
    res.x[lp.col_block("u").slice] *= -1.0    # a network that breaks its own cone rows
    res.rel_primal_residual = 0.0
    assert fh.verify_optimum(lp, res, inst.X, inst.y)[0] == fh.UNVERIFIED


def test_fuzz_outcomes_are_structured():
    """A check that fails returns an Outcome, it does not raise (here: a harness-level error)."""
    inst = fh.make_instance(3)
    inst.patterns = "not patterns"
    rep = fh.run_instance(inst)
    assert rep.outcomes and all(isinstance(o, fh.Outcome) for o in rep.outcomes)
    assert rep.kind in fh.KINDS


@pytest.mark.parametrize("seed", [20, 933])
def test_glpk_infeasible_claims_need_a_certificate(seed):
    """From the 1,000-instance campaign: GLPK said "infeasible" where HiGHS verifies an optimum (near-duplicate
    points; an eps = 1e-6 tube). GLPK gives no Farkas ray and HiGHS's dual simplex finds none, so relulp
    reports a numerical failure instead of the unproved claim."""
    import relulp
    from relulp import solvers

    inst = fh.make_instance(seed)
    lp = relulp.build_lp(relulp.PatternTree(inst.patterns), inst.X, inst.y, **inst.lp_kwargs())
    assert solvers.solve(lp, backend="highs", method="simplex").status is solvers.Status.OPTIMAL
    res = solvers.solve(lp, backend="glpk", method="simplex")
    assert res.status in (solvers.Status.OPTIMAL, solvers.Status.NUMERICAL_ERROR), res.message
    if res.status is solvers.Status.NUMERICAL_ERROR:
        assert "no Farkas ray certifies it" in res.message


def test_glpk_infeasible_claims_on_infeasible_lps_are_certified():
    from relulp import solvers
    from relulp.solvers import instances

    res = solvers.solve(instances.infeasible(), backend="glpk", method="simplex")
    assert res.status is solvers.Status.INFEASIBLE and "certified by a Farkas ray" in res.message


def test_pyomo_infeasible_claims_are_certified_or_refused():
    from relulp import solvers
    from relulp.solvers import instances
    from relulp.solvers.highs_adapter import certify_infeasible
    from relulp.solvers.result import Result

    backend = "pyomo:glpk"
    if backend not in solvers.available():
        pytest.skip(f"{backend} is not installed here (apt-get install glpk-utils)")
    res = solvers.solve(instances.infeasible(), backend=backend)
    if res.status is solvers.Status.INFEASIBLE:
        assert "certified by a Farkas ray" in res.message
    else:  # a plugin may say "infeasible or unbounded", which claims less
        assert res.status is solvers.Status.INFEASIBLE_OR_UNBOUNDED, res.message
    # a false claim on a feasible LP is refused
    fake = Result(status=solvers.Status.INFEASIBLE, message="Pyomo glpk: infeasible")
    certify_infeasible(instances.textbook()[0].lp, fake, "Pyomo glpk")
    assert fake.status is solvers.Status.NUMERICAL_ERROR and "no Farkas ray certifies it" in fake.message
