"""Human-readable results: report.html, its plots and page pieces, the printed summary table."""
