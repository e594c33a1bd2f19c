"""Analyses: conversion × AOV quadrant, volatility, DSR rating."""


def quadrant(conversion, aov, conversion_ref, aov_ref, lang=None):
    raise NotImplementedError


def coefficient_of_variation(values):
    raise NotImplementedError


def dsr_rating(monthly_average, monthly_count, months=None):
    raise NotImplementedError
