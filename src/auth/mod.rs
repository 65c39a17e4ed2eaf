//! Credentials: Argon2id password hashes and session tokens.

pub mod password;
pub mod token;
