"""Weights: the weighted total and the check that weights add up to 100 %."""


def weighted_total(scores, weights):
    """Weighted total: the sum of score × weight."""
    raise NotImplementedError


def check_weights(weights):
    """"OK" when the weights add up to 100 %, otherwise a sentence with the sum."""
    raise NotImplementedError
