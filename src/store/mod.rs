//! Storage backends implementing `domain::Store`. SQLite is the embedded default.

pub mod sqlite;
