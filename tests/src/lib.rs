//! End-to-end tests across the omniauth crates live in `tests/`; this library is empty on
//! purpose, so the package is a workspace member that is never published.
