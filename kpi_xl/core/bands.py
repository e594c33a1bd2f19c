"""Band scoring: value → points through a band table, and checks of the tables."""


def band_score(value, bands, closed=None):
    """Points for the band of the table that holds the value."""
    raise NotImplementedError


def linear_score(value, points):
    """Points interpolated linearly between (x, points) rows, clamped at the ends."""
    raise NotImplementedError


def check_bands(bands, closed=None):
    """"OK", or a sentence naming every gap, overlap and wrong-way points."""
    raise NotImplementedError


def suggest_bands(history, n_bands=None, top_points=None, bottom_points=None, direction=None):
    """A (lower, upper, points) band table placed on the history's distribution."""
    raise NotImplementedError
