"""From score to money: rates, bonus, commission, final score, year-end, tenure."""


def safe_rate(numerator, denominator, if_zero=None):
    raise NotImplementedError


def monthly_bonus(score, amount, full_at=None, none_below=None):
    raise NotImplementedError


def commission(sales, tiers, mode=None):
    raise NotImplementedError


def final_score(score, bonus_points=None, negatives=None, per_negative=None, cap=None):
    raise NotImplementedError


def year_end_eligible(monthly_scores, threshold=None, max_run=None, max_total=None):
    raise NotImplementedError


def tenure_base(months, base, step=None, every=None, after=None):
    raise NotImplementedError
