//! What `--database` names: a `SQLite` file (a path, or `sqlite:PATH`) or a `PostgreSQL` database
//! (`postgres://` or `postgresql://` URL). The password of a `PostgreSQL` URL comes from the URL itself
//! (e.g. `{{ secrets.db_password }}` templated into it by a workflow), `PGPASSWORD`, or a
//! `PGPASSFILE` (default `~/.pgpass`); it is never printed or stored: [`PgTarget::display`] is the
//! URL without it, and child tools (`pg_dump`, `pg_restore`, `psql`, dbmate) get it in `PGPASSWORD`.

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::dbtool::error::DbError;

/// A database named by `--database`.
#[derive(Debug, Clone)]
pub enum Target {
    /// A `SQLite` file.
    Sqlite(PathBuf),
    /// A `PostgreSQL` database.
    Postgres(PgTarget),
}

/// A `PostgreSQL` database: where it is, who connects, and the password (kept out of every text).
#[derive(Clone)]
pub struct PgTarget {
    /// The URL without the password (safe to print and store).
    pub url: url::Url,
    /// The password, if any source gave one.
    password: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for PgTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PgTarget({})", self.url)
    }
}

impl Target {
    /// Parses `--database`: a `postgres://` URL, `sqlite:PATH`, or a file path.
    pub fn parse(text: &str) -> Result<Target, DbError> {
        let Some((scheme, _)) = text.split_once("://").filter(|(s, _)| is_scheme(s)) else {
            let path = text.strip_prefix("sqlite:").unwrap_or(text);
            if path.is_empty() {
                return Err(bad(text, "give a SQLite file path or a postgres:// URL"));
            }
            return Ok(Target::Sqlite(PathBuf::from(path)));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => PgTarget::parse(text).map(Target::Postgres),
            "sqlite" => Ok(Target::Sqlite(PathBuf::from(&text["sqlite://".len()..]))),
            other => Err(bad(
                &redact_text(text),
                &format!(
                    "unknown URL scheme {other:?}: use postgres://USER@HOST:PORT/DATABASE for PostgreSQL \
                     or a file path for SQLite"
                ),
            )),
        }
    }

    /// A `SQLite` path made absolute against `base` (a URL as it is), so records name one file.
    #[must_use]
    pub fn absolute(self, base: &std::path::Path) -> Target {
        match self {
            Target::Sqlite(p) if p.is_relative() => Target::Sqlite(base.join(p)),
            t => t,
        }
    }

    /// The database as text safe to print and store (a URL never carries its password).
    pub fn display(&self) -> String {
        match self {
            Target::Sqlite(p) => p.display().to_string(),
            Target::Postgres(pg) => pg.url.to_string(),
        }
    }

    /// `sqlite` or `postgres`.
    pub fn engine(&self) -> &'static str {
        match self {
            Target::Sqlite(_) => "sqlite",
            Target::Postgres(_) => "postgres",
        }
    }
}

fn is_scheme(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.')
}

fn bad(value: &str, why: &str) -> DbError {
    DbError::BadTarget { value: value.to_string(), why: why.to_string() }
}

/// `text` with anything between `://user:` and `@` replaced by `***`.
pub fn redact_text(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else { return text.to_string() };
    let Some((auth, host)) = rest.split_once('@') else { return text.to_string() };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => text.to_string(),
    }
}

impl PgTarget {
    /// Parses a `postgres://` URL; the password is taken out of it, else looked up.
    pub fn parse(text: &str) -> Result<PgTarget, DbError> {
        let shown = redact_text(text);
        let mut url = url::Url::parse(text).map_err(|e| bad(&shown, &format!("not a valid URL ({e})")))?;
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad(&shown, "name the host: postgres://USER@HOST:PORT/DATABASE"));
        }
        if url.path().trim_start_matches('/').is_empty() {
            return Err(bad(&shown, "name the database: postgres://USER@HOST:PORT/DATABASE"));
        }
        if url.username().is_empty() {
            let user = std::env::var("PGUSER").unwrap_or_else(|_| "postgres".into());
            let _ = url.set_username(&user);
        }
        let from_url = url.password().map(|p| {
            Zeroizing::new(percent_encoding::percent_decode_str(p).decode_utf8_lossy().into_owned())
        });
        let _ = url.set_password(None);
        let mut t = PgTarget { url, password: from_url };
        if t.password.is_none() {
            t.password =
                std::env::var("PGPASSWORD").ok().map(Zeroizing::new).or_else(|| t.passfile_password());
        }
        Ok(t)
    }

    /// The host.
    pub fn host(&self) -> String {
        self.url.host_str().unwrap_or("localhost").trim_matches(['[', ']']).to_string()
    }

    /// The port (5432 when the URL names none).
    pub fn port(&self) -> u16 {
        self.url.port().unwrap_or(5432)
    }

    /// The user.
    pub fn user(&self) -> String {
        percent_encoding::percent_decode_str(self.url.username()).decode_utf8_lossy().into_owned()
    }

    /// The database name.
    pub fn dbname(&self) -> String {
        let raw = self.url.path().trim_start_matches('/');
        percent_encoding::percent_decode_str(raw).decode_utf8_lossy().into_owned()
    }

    /// The same server and credentials, another database.
    #[must_use]
    pub fn with_dbname(&self, name: &str) -> PgTarget {
        let mut t = self.clone();
        t.url.set_path(&format!("/{name}"));
        t
    }

    /// The password, for a connection or a child's `PGPASSWORD`.
    pub fn password(&self) -> Option<&str> {
        self.password.as_deref().map(String::as_str)
    }

    /// A tokio-postgres configuration (no TLS: `sslmode=require` URLs are refused at connect).
    pub fn config(&self) -> tokio_postgres::Config {
        let mut c = tokio_postgres::Config::new();
        c.host(self.host()).port(self.port()).user(self.user()).dbname(self.dbname());
        c.connect_timeout(std::time::Duration::from_secs(10)).application_name("flightdeck");
        if let Some(p) = self.password() {
            c.password(p);
        }
        c
    }

    /// Sets a child tool's connection environment (`PGHOST`, ... and `PGPASSWORD`).
    pub fn child_env(&self, cmd: &mut std::process::Command) {
        cmd.env("PGHOST", self.host())
            .env("PGPORT", self.port().to_string())
            .env("PGUSER", self.user())
            .env("PGDATABASE", self.dbname())
            .env("PGCONNECT_TIMEOUT", "10");
        match self.password() {
            Some(p) => cmd.env("PGPASSWORD", p),
            None => cmd.env_remove("PGPASSWORD"),
        };
    }

    fn passfile_password(&self) -> Option<Zeroizing<String>> {
        let file = std::env::var_os("PGPASSFILE")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".pgpass")))?;
        let text = Zeroizing::new(std::fs::read_to_string(file).ok()?);
        let want = [self.host(), self.port().to_string(), self.dbname(), self.user()];
        text.lines().filter(|l| !l.starts_with('#')).find_map(|line| {
            let fields = split_passline(line);
            let matches = fields.len() == 5
                && fields[..4].iter().zip(&want).all(|(f, w)| f.as_str() == "*" || f.as_str() == w);
            matches.then(|| Zeroizing::new(fields[4].clone()))
        })
    }
}

/// Splits a `.pgpass` line at unescaped `:` (and unescapes `\:` and `\\`).
fn split_passline(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => fields.last_mut().into_iter().for_each(|f| f.extend(chars.next())),
            ':' => fields.push(String::new()),
            c => fields.last_mut().into_iter().for_each(|f| f.push(c)),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_paths_urls_and_refuses_unknown_schemes() {
        assert!(
            matches!(Target::parse("data/app.db").unwrap(), Target::Sqlite(p) if p == Path::new("data/app.db"))
        );
        assert!(matches!(Target::parse("sqlite:x.db").unwrap(), Target::Sqlite(p) if p == Path::new("x.db")));
        let t = Target::parse("postgres://ops:s3cret@127.0.0.1:5433/app").unwrap();
        assert_eq!(t.display(), "postgres://ops@127.0.0.1:5433/app");
        let Target::Postgres(pg) = &t else { panic!("not postgres") };
        assert_eq!((pg.password(), pg.port(), pg.dbname().as_str()), (Some("s3cret"), 5433, "app"));
        assert!(!format!("{pg:?}").contains("s3cret"));
        let err = Target::parse("mysql://root:pw@127.0.0.1/app").unwrap_err().to_string();
        assert!(err.contains("\"mysql\"") && err.contains("postgres://") && !err.contains("pw@"), "{err}");
        let err = Target::parse("postgres://ops@127.0.0.1:5433").unwrap_err().to_string();
        assert!(err.contains("name the database"), "{err}");
    }

    #[test]
    fn passfile_lines_split_with_escapes() {
        assert_eq!(split_passline(r"h:5432:*:u:p\:w\\d"), ["h", "5432", "*", "u", r"p:w\d"]);
    }
}
