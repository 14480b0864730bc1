//! Test and benchmark support: a fresh database per run (an SQLite file in a temp folder, or a new
//! PostgreSQL database created on the server `HUB_TEST_DATABASE_URL` names) and a hub on port 0.

use std::path::{Path, PathBuf};

use sqlx::{Connection, PgConnection};
use uuid::Uuid;

/// A database made for one test or benchmark; dropped (PostgreSQL) or left in the temp dir (SQLite).
pub struct FreshDatabase {
    pub url: String,
    pub dir: PathBuf,
    admin_url: Option<String>,
    name: String,
}

impl FreshDatabase {
    /// A fresh database: PostgreSQL when `server_url` is given, else SQLite.
    pub async fn create(server_url: Option<&str>) -> Result<FreshDatabase, sqlx::Error> {
        let name = format!("hub_test_{}", Uuid::new_v4().simple());
        let dir = std::env::temp_dir().join(&name);
        std::fs::create_dir_all(&dir).map_err(sqlx::Error::Io)?;
        match server_url {
            None => Ok(FreshDatabase {
                url: format!("sqlite://{}?mode=rwc", dir.join("hub.db").display()),
                dir,
                admin_url: None,
                name,
            }),
            Some(server) => {
                let mut conn = PgConnection::connect(server).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await?;
                conn.close().await?;
                Ok(FreshDatabase {
                    url: replace_db_name(server, &name),
                    dir,
                    admin_url: Some(server.to_string()),
                    name,
                })
            }
        }
    }

    /// From `HUB_TEST_DATABASE_URL` (PostgreSQL) or SQLite when unset.
    pub async fn from_env() -> Result<FreshDatabase, sqlx::Error> {
        let url = std::env::var("HUB_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty());
        FreshDatabase::create(url.as_deref()).await
    }

    pub fn is_postgres(&self) -> bool {
        self.admin_url.is_some()
    }

    /// Drops the PostgreSQL database (best effort) and removes the temp folder.
    pub async fn drop_database(self) {
        if let Some(admin) = &self.admin_url
            && let Ok(mut conn) = PgConnection::connect(admin).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)))
                .execute(&mut conn)
                .await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `postgres://u@h:p/old?x` → `postgres://u@h:p/new?x`.
pub fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end).unwrap_or(base.len());
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Writes `files` (relative path → content) under `dir`.
pub fn write_files(dir: &Path, files: &[(&str, &str)]) -> std::io::Result<()> {
    for (rel, content) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, content)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::replace_db_name;

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            replace_db_name("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(replace_db_name("postgres://u:p@h/db?sslmode=disable", "y"), "postgres://u:p@h/y?sslmode=disable");
        assert_eq!(replace_db_name("postgres://h:5432", "z"), "postgres://h:5432/z");
    }
}
