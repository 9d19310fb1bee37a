//! End-to-end tests across the omniauth crates live in `tests/` (the reliability suite:
//! fault matrix, secret audit, token store crash safety, single flight, footprint) and the
//! benchmarks in `benches/`; see `docs/reliability.md` and `docs/performance.md`. This library
//! is empty on purpose, so the package is a workspace member that is never published.
