"""A small job queue with pg-boss semantics behind one interface (PostgreSQL now, Redis possible)."""
