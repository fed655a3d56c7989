"""Named SQL queries, one module per aggregate; functions take keyword-only arguments."""
