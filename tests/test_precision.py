"""Numbers printed with their uncertainty show the half-width to one significant digit."""

import math

import numpy as np
import pytest

from mcpot.precision import decimals, plus_minus, signed


@pytest.mark.parametrize(
    ("value", "half", "expected"),
    [
        (0.0703, 0.0041, "0.070 ± 0.004"),  # "0.07 ± 0.00" before: read as exact
        (0.5512, 0.0213, "0.55 ± 0.02"),
        (0.55, 0.15, "0.55 ± 0.15"),  # never fewer than two decimals
        (0.3, 0.00004, "0.30000 ± 0.00004"),
        (0.3, 1e-12, "0.300000 ± 0.000000"),  # at most six
        (0.3, 0.0, "0.30 ± 0.00"),
        (0.3, math.nan, "0.30 ± nan"),
    ],
)
def test_plus_minus_by_hand(value, half, expected):
    assert plus_minus(value, half) == expected


def test_probabilities_keep_three_decimals():
    assert plus_minus(0.476, 0.0016, least=3) == "0.476 ± 0.002"
    assert plus_minus(0.47612, 0.00031, least=3) == "0.4761 ± 0.0003"
    assert decimals(0.0096) == 3  # 0.0096 rounds to 0.010: three decimals still show it


def test_probability_se_by_hand():
    """Agresti-Coull: n = 96, p = 0.5 -> (48 + 2) / 100 = 0.5, 1.96 * sqrt(0.25 / 100) = 0.098; p = 0 ->
    2 / 100 = 0.02, 1.96 * sqrt(0.02 * 0.98 / 100) = 0.0274: no draw in the event is not certainty."""
    from mcpot.precision import Z95, probability_se

    assert Z95 * probability_se(0.5, 96) == pytest.approx(1.959964 * 0.05)
    assert Z95 * probability_se(0.0, 96) == pytest.approx(1.959964 * math.sqrt(0.02 * 0.98 / 100))
    assert Z95 * probability_se(1.0, 96) == pytest.approx(Z95 * probability_se(0.0, 96))
    # far from 0 and 1 it is the binomial half-width: p = 0.473, n = 10^5 -> 0.0031
    assert Z95 * probability_se(0.473, 10**5) == pytest.approx(
        1.96 * math.sqrt(0.473 * 0.527 / 1e5), rel=1e-3
    )
    assert plus_minus(0.0, Z95 * probability_se(0.0, 20_000)) == "0.0000 ± 0.0001"
    # arrays too (a claims table's column), element by element
    se = probability_se(np.array([0.0, 0.5]), 96)
    assert se.tolist() == pytest.approx([probability_se(0.0, 96), probability_se(0.5, 96)])


def test_signed_change_takes_the_decimals_of_the_half_width():
    """Beside 0.13 ± 0.01 a change of -0.0938 prints -0.09; beside 0.037 ± 0.006, -0.094."""
    assert signed(-0.0938, 0.01) == "-0.09" and signed(-0.0938, 0.006) == "-0.094"
    assert signed(0.0, 0.01, least=3) == "+0.000" and signed(0.1247, 0.0004) == "+0.1247"
