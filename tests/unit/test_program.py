from decimal import Decimal
from pathlib import Path

import pytest

from patron.domain.errors import InvalidProgram
from patron.domain.program import parse_program

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "program.toml"
REWARD = (
    'name = "x"\ncurrency = "EUR"\n[[rewards]]\nid = "r"\nname = "R"\nkind = "gift"\npoints = 10\n'
)


def test_the_example_program_is_valid_and_complete() -> None:
    program = parse_program(EXAMPLE.read_text(), "example")
    assert program.currency == "EUR"
    assert [t.name for t in program.tiers.levels] == ["Bronze", "Silver", "Gold"]
    assert program.earning.welcome_bonus == 100
    assert program.expiry.months == 24
    assert {r.kind.value for r in program.rewards} >= {
        "discount",
        "gift",
        "service",
        "event",
        "early_access",
    }


def test_the_demo_ships_the_example_program_unchanged() -> None:
    """`patron demo` loads the copy inside the package (examples/ is not installed)."""
    from patron.cli.serve import DEFAULT_PROGRAM

    assert DEFAULT_PROGRAM.read_text() == EXAMPLE.read_text(), (
        "src/patron/examples/program.toml differs from examples/program.toml: copy it over"
    )


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('name = "x"\ncurrency = "euro"', "currency"),
        (
            'name = "x"\ncurrency = "EUR"\n[earning]\npoints_per_unit = -1',
            "earning.points_per_unit",
        ),
        ('name = "x"\ncurrency = "EUR"\n[earning]\nbogus = 1', "earning.bogus"),
        (
            'name = "x"\ncurrency = "EUR"\n[[tiers.levels]]\nname = "A"\nthreshold = 10',
            "threshold 0",
        ),
        (
            'name = "x"\ncurrency = "EUR"\n[[tiers.levels]]\nname = "A"\n'
            '[[tiers.levels]]\nname = "B"\nthreshold = 0',
            "strictly increase",
        ),
        (
            'name = "x"\ncurrency = "EUR"\n[[promotions]]\nname = "p"\nstarts = 2026-01-02\n'
            "ends = 2026-01-01\nbonus = 5",
            "ends before it starts",
        ),
        (
            'name = "x"\ncurrency = "EUR"\n[[promotions]]\nname = "p"\nstarts = 2026-01-01\n'
            "ends = 2026-01-02\nbonus = 5\nmultiplier = 2",
            "exactly one of multiplier or bonus",
        ),
        (
            'name = "x"\ncurrency = "EUR"\n[[rewards]]\nid = "r"\nname = "R"\nkind = "gift"\n'
            'points = 10\ntiers = ["Platinum"]',
            "unknown tiers",
        ),
        (
            'name = "x"\ncurrency = "EUR"\n[redemption]\nmax_basket_share = 1.5',
            "redemption.max_basket_share",
        ),
        ('name = "x"\ncurrency = EUR', "not valid TOML"),
        # what the store keeps is bounded (domain/limits.py): rewards, bonuses, point value
        (REWARD + "cost = 100000000000.00", "rewards.0.cost"),  # over 99,999,999,999.99
        (REWARD + "value = 100000000000.00", "rewards.0.value"),
        (REWARD + "stock = 2147483648", "rewards.0.stock"),  # 2^31: past an INTEGER
        (REWARD.replace("points = 10", "points = 1000000001"), "rewards.0.points"),
        ('name = "x"\ncurrency = "EUR"\n[earning]\nwelcome_bonus = 1000000001', "welcome_bonus"),
        ('name = "x"\ncurrency = "EUR"\n[redemption]\npoint_value = 100.01', "point_value"),
        ('name = "' + "n" * 101 + '"\ncurrency = "EUR"', "name"),
    ],
)
def test_an_invalid_program_names_the_field_and_why(toml: str, message: str) -> None:
    with pytest.raises(InvalidProgram, match="prog.toml") as info:
        parse_program(toml, "prog.toml")
    assert message in str(info.value)


def test_decimals_in_toml_stay_exact() -> None:
    program = parse_program('name = "x"\ncurrency = "EUR"\n[redemption]\npoint_value = 0.1')
    assert str(program.redemption.point_value) == "0.1"


def test_decimals_past_a_floats_precision_stay_as_written() -> None:
    # a third of a cent written to 19 digits: a float would keep 17 (…33335)
    program = parse_program(
        'name = "x"\ncurrency = "EUR"\n[redemption]\npoint_value = 0.0033333333333333333'
    )
    assert program.redemption.point_value == Decimal("0.0033333333333333333")
