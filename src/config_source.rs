//! Where settings come from: defaults, then one TOML file, then `USERGATE_<KEY>` environment variables, then flags;
//! each value remembers its origin so that an error names the key and the file line (or the variable, or the flag).
//! Also `usergate config check`'s output: the effective settings as TOML, secrets redacted.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::config::{ConfigError, Settings};

/// Where a key's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    File { path: PathBuf, line: usize },
    Env(String),
    Flag(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { path, line } => write!(f, "file {} line {line}", path.display()),
            Origin::Env(var) => write!(f, "environment {var}"),
            Origin::Flag(flag) => write!(f, "flag {flag}"),
        }
    }
}

/// The environment variable of a key: `body_limit` -> `USERGATE_BODY_LIMIT`.
pub fn env_var(key: &str) -> String {
    format!("USERGATE_{}", key.to_ascii_uppercase())
}

/// Every key `Settings` takes, in declaration order (read from its `Deserialize` impl, so it cannot drift).
pub fn keys() -> &'static [&'static str] {
    struct Fields(Option<&'static [&'static str]>);
    #[derive(Debug)]
    struct Stop;
    impl fmt::Display for Stop {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("stop")
        }
    }
    impl std::error::Error for Stop {}
    impl serde::de::Error for Stop {
        fn custom<T: fmt::Display>(_: T) -> Self {
            Stop
        }
    }
    impl<'de> serde::Deserializer<'de> for &mut Fields {
        type Error = Stop;
        fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }
        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Stop> {
            self.0 = Some(fields);
            Err(Stop)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }
    let mut fields = Fields(None);
    let _ = Settings::deserialize(&mut fields);
    fields.0.unwrap_or(&[])
}

/// The layers read so far: a TOML table over the defaults, and where each key in it came from.
#[derive(Debug, Default)]
pub struct Layers {
    table: toml::Table,
    origins: BTreeMap<String, Origin>,
}

impl Layers {
    /// The TOML file: syntax errors carry toml's line and column; each top-level key remembers its line.
    pub fn file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let file_err = |message: String| ConfigError::File { path: path.display().to_string(), message };
        let text = std::fs::read_to_string(path).map_err(|e| file_err(e.to_string()))?;
        // toml's messages already name the line and column.
        let spanned = toml::de::DeTable::parse(&text).map_err(|e| file_err(e.to_string()))?;
        let table: toml::Table = toml::from_str(&text).map_err(|e| file_err(e.to_string()))?;
        for (key, _) in spanned.get_ref().iter() {
            let line = text[..key.span().start.min(text.len())].matches('\n').count() + 1;
            self.origins.insert(key.get_ref().to_string(), Origin::File { path: path.to_owned(), line });
        }
        self.table.extend(table);
        Ok(())
    }

    /// `USERGATE_<KEY>` for every key, from `lookup` (the process environment in `main`).
    pub fn env(&mut self, lookup: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        for key in keys() {
            let var = env_var(key);
            if let Some(raw) = lookup(&var) {
                self.text(key, &raw, Origin::Env(var))?;
            }
        }
        Ok(())
    }

    /// One value given as text (an environment variable or a flag): read as a TOML value when it is one of the
    /// type the key takes (`8`, `true`, `["a", "b"]`), else taken as a string (`127.0.0.1:80`, `/var/lib/x`).
    pub fn text(&mut self, key: &str, raw: &str, origin: Origin) -> Result<(), ConfigError> {
        if !keys().contains(&key) {
            return Err(unknown(key, &origin));
        }
        let as_toml = toml::from_str::<toml::Table>(&format!("v = {raw}"))
            .ok()
            .filter(|t| t.len() == 1)
            .and_then(|mut t| t.remove("v"));
        let mut first_error = None;
        for value in as_toml.into_iter().chain([toml::Value::String(raw.to_owned())]) {
            match check_one(key, value.clone()) {
                Ok(()) => {
                    self.table.insert(key.to_owned(), value);
                    self.origins.insert(key.to_owned(), origin);
                    return Ok(());
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        Err(invalid(key, &origin, first_error.unwrap_or_default()))
    }

    /// The settings these layers make, checked key by key and then as a whole (`Settings::validate`).
    pub fn settings(&self) -> Result<Settings, ConfigError> {
        let known = keys();
        for (key, value) in &self.table {
            let origin = self.origins.get(key);
            if !known.contains(&key.as_str()) {
                return Err(ConfigError::Invalid {
                    key: key.clone(),
                    origin: origin.map(|o| format!(" ({o})")).unwrap_or_default(),
                    message: "unknown key".into(),
                });
            }
            if let Err(message) = check_one(key, value.clone()) {
                return Err(ConfigError::Invalid {
                    key: key.clone(),
                    origin: origin.map(|o| format!(" ({o})")).unwrap_or_default(),
                    message,
                });
            }
        }
        let settings: Settings = self.table.clone().try_into().map_err(|e: toml::de::Error| ConfigError::Invalid {
            key: "?".into(),
            origin: String::new(),
            message: e.to_string(),
        })?;
        settings.validate().map_err(|e| self.locate(e))?;
        Ok(settings)
    }

    /// Adds the origin of the key an error names.
    pub fn locate(&self, e: ConfigError) -> ConfigError {
        match e {
            ConfigError::Invalid { key, origin, message } if origin.is_empty() => {
                let origin = self.origins.get(&key).map(|o| format!(" ({o})")).unwrap_or_default();
                ConfigError::Invalid { key, origin, message }
            }
            other => other,
        }
    }
}

fn unknown(key: &str, origin: &Origin) -> ConfigError {
    ConfigError::Invalid { key: key.to_owned(), origin: format!(" ({origin})"), message: "unknown key".into() }
}

fn invalid(key: &str, origin: &Origin, message: String) -> ConfigError {
    ConfigError::Invalid { key: key.to_owned(), origin: format!(" ({origin})"), message }
}

/// Does this one value deserialize for its key (everything else at its default)?
fn check_one(key: &str, value: toml::Value) -> Result<(), String> {
    let mut t = toml::Table::new();
    t.insert(key.to_owned(), value);
    t.try_into::<Settings>().map(|_| ()).map_err(|e| e.message().trim().to_owned())
}

/// `usergate config check`'s output: the effective settings as TOML; keys without a value are listed as comments,
/// secrets show as `***`.
pub fn render(settings: &Settings) -> Result<String, String> {
    let mut out = String::from("# usergate: effective configuration (defaults < file < USERGATE_* < flags)\n");
    let text = toml::to_string(settings).map_err(|e| e.to_string())?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| e.to_string())?;
    out.push_str(&text);
    for key in keys().iter().filter(|k| !table.contains_key(**k)) {
        out.push_str(&format!("# {key}: not set\n"));
    }
    if settings.bootstrap_password.is_some() {
        out.push_str("# bootstrap password (USERGATE_BOOTSTRAP_PASSWORD): *** (set)\n");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        f.write_all(text.as_bytes()).expect("write");
        f
    }

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |var| pairs.iter().find(|(k, _)| *k == var).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn keys_come_from_the_struct() {
        let keys = keys();
        assert!(
            keys.contains(&"listen") && keys.contains(&"request_timeout_secs") && keys.contains(&"trusted_proxies")
        );
        assert!(!keys.contains(&"bootstrap_password"), "never a key: only its own variable sets it");
    }

    #[test]
    fn layers_stack_file_then_env_then_flags() {
        let f = file("body_limit = 2048\nsearch_limit = 5\nlisten = \"127.0.0.1:9000\"\n");
        let mut layers = Layers::default();
        layers.file(f.path()).expect("file");
        layers
            .env(env(&[
                ("USERGATE_SEARCH_LIMIT", "7"),
                ("USERGATE_TRUSTED_PROXIES", "10.0.0.0/8, ::1"),
                ("USERGATE_DB", "/x/y.db"),
            ]))
            .expect("env");
        layers.text("listen", "127.0.0.1:9100", Origin::Flag("--listen".into())).expect("flag");
        let s = layers.settings().expect("settings");
        assert_eq!((s.body_limit, s.search_limit), (2048, 7));
        assert_eq!(s.listen.port(), 9100);
        assert_eq!(s.db, PathBuf::from("/x/y.db"));
        assert_eq!(s.trusted_proxies.len(), 2);
        assert_eq!(s.request_timeout_secs, 30, "a default");
    }

    #[test]
    fn errors_name_the_key_and_the_line_or_variable() {
        let f = file("# comment\nsearch_limit = 5\n\nbody_limit = \"big\"\n");
        let mut layers = Layers::default();
        layers.file(f.path()).expect("file");
        let e = layers.settings().expect_err("bad type").to_string();
        assert!(e.contains("body_limit") && e.contains("line 4"), "{e}");

        let f = file("body_limit = 10\n");
        let mut layers = Layers::default();
        layers.file(f.path()).expect("file");
        let e = layers.settings().expect_err("out of range").to_string();
        assert!(e.contains("body_limit") && e.contains("line 1") && e.contains("1 KiB"), "{e}");

        let f = file("a = 1\nbody_limt = 10\n");
        let mut layers = Layers::default();
        layers.file(f.path()).expect("file");
        let e = layers.settings().expect_err("unknown").to_string();
        assert!(e.contains("unknown key") && (e.contains("line 1") || e.contains("line 2")), "{e}");

        let f = file("body_limit = \n");
        let e = Layers::default().file(f.path()).expect_err("syntax").to_string();
        assert!(e.contains("line 1"), "{e}");

        let mut layers = Layers::default();
        let e = layers.env(env(&[("USERGATE_MAX_CONNECTIONS", "many")])).expect_err("env").to_string();
        assert!(e.contains("max_connections") && e.contains("USERGATE_MAX_CONNECTIONS"), "{e}");

        let mut layers = Layers::default();
        layers.env(env(&[("USERGATE_REQUEST_TIMEOUT_SECS", "0")])).expect("a number");
        let e = layers.settings().expect_err("zero").to_string();
        assert!(e.contains("request_timeout_secs") && e.contains("USERGATE_REQUEST_TIMEOUT_SECS"), "{e}");

        let mut layers = Layers::default();
        let e = layers.text("trusted_proxies", "10.0.0.0/40", Origin::Flag("--set".into())).expect_err("cidr");
        assert!(e.to_string().contains("trusted_proxies"), "{e}");
    }

    #[test]
    fn render_lists_every_key_and_redacts_secrets() {
        let s = Settings {
            bootstrap_password: Some(crate::config::Secret("hunter2-hunter2".into())),
            ..Settings::default()
        };
        let out = render(&s).expect("render");
        assert!(!out.contains("hunter2"), "{out}");
        for key in keys() {
            assert!(out.contains(&format!("{key} =")) || out.contains(&format!("# {key}: not set")), "{key}: {out}");
        }
        // What it prints reads back as the same settings.
        let back: Settings = toml::from_str(&out).expect("round trip");
        assert_eq!(back.body_limit, s.body_limit);
        assert_eq!(back.log_filter, s.log_filter);
    }
}
