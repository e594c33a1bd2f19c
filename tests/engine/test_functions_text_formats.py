"""TEXT format codes at the edges of Excel's number-format grammar.

- A format with no digit placeholder before the point still shows the whole part
  (Excel: 12.5 with ".00" is "12.50", 0.5 with ".#" is ".5", 0 with "#.#" is ".").
- Only the first "." is the decimal point; later ones are literal characters among the
  decimals (Excel gives "12.34.56.789" for 12.3456789 with "00.00.00.000", and
  "1234567.89.." for 1234567.89 with "####.##.##.#####").
- [h], [mm], [ss] count elapsed time past a day.
"""
from __future__ import annotations

import pytest

from one_cell import ev  # noqa: E402




@pytest.mark.parametrize("value, fmt, expected", [
    (1.5, ".#", "1.5"), (0.5, ".#", ".5"), (12.345, ".##", "12.35"), (12.5, ".00", "12.50"),
    (-1.5, ".#", "-1.5"), (0.25, ".0%", "25.0%"),
    (0, "#.#", "."), (12, "#.#", "12."),
    (12.3456789, "00.00.00.000", "12.34.56.789"),
    (1234567.89, "####.##.##.#####", "1234567.89.."),
    (1234.5, "0.0.0", "1234.5.0"),
    (1.5, "[h]", "36"), (1.5, "[h]:mm", "36:00"), (1.5, "[mm]", "2160"), (1.5, "[ss]", "129600"),
    (2.75, "[h]:mm:ss", "66:00:00"),
])
def test_text_format_codes(value, fmt, expected):
    assert ev(f'TEXT({value},"{fmt}")') == expected
