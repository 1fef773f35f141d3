//! Benchmark apps.
