//! Workspace package: owns examples and integration tests.
