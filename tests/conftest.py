"""Suite-wide settings."""
import os

# A failure inside the column path of the engine (kpi_xl.engine.columns) would be
# hidden from users by computing the cells one by one; in the tests it must show.
# Set before kpi_xl is imported, and inherited by the `kpi-xl` subprocesses tests run.
os.environ["KPI_XL_STRICT_COLUMNS"] = "1"
# Likewise an internal error in one cell raises in the tests instead of showing #VALUE!.
os.environ["KPI_XL_STRICT"] = "1"
# A sheet the reader's cell scanner cannot take raises instead of going the slow way
# through the XML parser (kpi_xl.engine.xlsx_read).
os.environ["KPI_XL_STRICT_READER"] = "1"
