from datetime import date

import pytest

from edge.sepa.calendar import earliest_collection_date, is_target2_business_day


@pytest.mark.parametrize(
    "closed",
    [
        date(2027, 3, 26),  # Good Friday 2027
        date(2027, 3, 29),  # Easter Monday 2027
        date(2026, 5, 1),  # Labour Day (a Friday)
        date(2025, 12, 25),
        date(2025, 12, 26),
        date(2027, 1, 1),  # a Friday
        date(2027, 1, 2),  # Saturday
        date(2027, 1, 3),  # Sunday
    ],
)
def test_closed_days(closed: date) -> None:
    assert not is_target2_business_day(closed)


@pytest.mark.parametrize(
    "open_day",
    [date(2027, 3, 25), date(2027, 3, 30), date(2026, 12, 24), date(2025, 10, 3), date(2027, 1, 4)],
)
def test_open_days(open_day: date) -> None:
    # 24 Dec and German Unity Day are TARGET2 business days.
    assert is_target2_business_day(open_day)


def test_two_business_days_after_the_file_skip_easter() -> None:
    # Made Thursday 25 March 2027: Good Friday and Easter Monday are closed.
    assert earliest_collection_date(date(2027, 3, 25), date(2027, 1, 1), 14) == date(2027, 3, 31)


def test_two_business_days_skip_a_weekend() -> None:
    assert earliest_collection_date(date(2027, 1, 7), date(2026, 12, 1), 14) == date(2027, 1, 11)


def test_prenotification_period_wins_and_rolls_forward() -> None:
    assert earliest_collection_date(date(2027, 1, 4), date(2027, 1, 4), 14) == date(2027, 1, 18)
    # 15 March + 14 days is Easter Monday: rolled to Tuesday.
    assert earliest_collection_date(date(2027, 3, 15), date(2027, 3, 15), 14) == date(2027, 3, 30)
    # 12 Dec 2026 + 14 = Saturday 26 Dec: rolled over the weekend to Monday 28.
    assert earliest_collection_date(date(2026, 12, 12), date(2026, 12, 12), 14) == date(
        2026, 12, 28
    )
