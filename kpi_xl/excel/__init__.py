"""The Excel face of kpi_xl: xlwings custom functions and the function catalogue,
both generated from :mod:`kpi_xl.registry`."""
