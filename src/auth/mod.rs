//! Credentials: Argon2id password hashes, session tokens, the secret box for secrets read back (DDNS passwords,
//! TOTP keys), TOTP codes, and the random names and passwords the server generates.

pub mod generate;
pub mod password;
pub mod secret_box;
pub mod token;
pub mod totp;
