use super::*;

fn loaded(toml_text: &str) -> Result<LoadedConfig, ConfigError> {
    let file = toml::from_str(toml_text).map_err(|e: toml::de::Error| ConfigError::Parse {
        path: "conf/plover.toml".into(),
        message: e.to_string().trim_end().to_owned(),
    })?;
    Ok(LoadedConfig {
        path: "conf/plover.toml".into(),
        file,
    })
}

fn env_with(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    }
}

#[test]
fn precedence_flag_then_plover_env_then_file_then_database_url() {
    let config = loaded("[database]\nurl = \"postgres://file/db\"").unwrap();
    let env = env_with(&[
        ("PLOVER_DATABASE_URL", "postgres://plover-env/db"),
        ("DATABASE_URL", "postgres://env/db"),
    ]);
    let flag = Overrides {
        database: Some("sqlite:flag.db".into()),
        ..Overrides::default()
    };
    let s = resolve(Some(&config), flag, &env).unwrap();
    assert_eq!(
        (s.database.expose(), s.database_source),
        ("sqlite:flag.db", UrlSource::Flag)
    );
    let s = resolve(Some(&config), Overrides::default(), &env).unwrap();
    assert_eq!(s.database_source, UrlSource::PloverDatabaseUrl);
    let env = env_with(&[("DATABASE_URL", "postgres://env/db")]);
    let s = resolve(Some(&config), Overrides::default(), &env).unwrap();
    assert_eq!(
        s.database_source,
        UrlSource::ConfigFile("conf/plover.toml".into())
    );
    let s = resolve(None, Overrides::default(), &env).unwrap();
    assert_eq!(s.database_source, UrlSource::DatabaseUrl);
    let s = resolve(None, Overrides::default(), &env_with(&[])).unwrap();
    assert_eq!(
        (s.database.expose(), s.database_source),
        ("sqlite:plover.db", UrlSource::EmbeddedDefault)
    );
}

#[test]
fn file_values_interpolate_and_paths_are_relative_to_the_file() {
    let config = loaded(
        "[database]\nurl = \"postgres://${DB_HOST}/app\"\n[migrations]\ndir = \"db/migrations\"\nlock_timeout = \"2m\"\nout_of_order = \"allow\"\n[history]\nschema = \"ops\"\ntable = \"history\"",
    )
    .unwrap();
    let s = resolve(
        Some(&config),
        Overrides::default(),
        &env_with(&[("DB_HOST", "db1")]),
    )
    .unwrap();
    assert_eq!(s.database.expose(), "postgres://db1/app");
    assert_eq!(s.migrations_dir, PathBuf::from("conf/db/migrations"));
    assert_eq!(s.options.lock_timeout, Duration::from_secs(120));
    assert_eq!(s.options.out_of_order, OutOfOrder::Allow);
    assert_eq!(
        (
            s.options.history_schema.as_deref(),
            s.options.history_table.as_str()
        ),
        (Some("ops"), "history")
    );
}

#[test]
fn errors_name_the_key() {
    let config = loaded("[database]\nurl = \"${NOT_SET}\"").unwrap();
    let error = resolve(Some(&config), Overrides::default(), &env_with(&[])).unwrap_err();
    assert_eq!(
        error.to_string(),
        "conf/plover.toml: `database.url`: environment variable NOT_SET is not set"
    );

    let error = loaded("[migrations]\ndirr = \"x\"")
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("line 2") && error.contains("unknown field `dirr`"),
        "{error}"
    );

    let config = loaded("[migrations]\nlock_timeout = \"soon\"").unwrap();
    let error = resolve(Some(&config), Overrides::default(), &env_with(&[])).unwrap_err();
    assert_eq!(
        error.to_string(),
        "conf/plover.toml: `migrations.lock_timeout`: `soon` is not a duration like 60s, 2m or 500ms"
    );

    let config = loaded("[migrations]\nout_of_order = \"sometimes\"").unwrap();
    let error = resolve(Some(&config), Overrides::default(), &env_with(&[])).unwrap_err();
    assert_eq!(
        error.to_string(),
        "conf/plover.toml: `migrations.out_of_order`: `sometimes` is neither `refuse` nor `allow`"
    );

    let error = resolve(
        None,
        Overrides::default(),
        &env_with(&[("DATABASE_URL", "postgress://u:pw@h/d")]),
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("DATABASE_URL: Plover does not speak `postgress:`"),
        "{error}"
    );
}

#[test]
fn durations() {
    assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
    assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
    assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
    assert!(parse_duration("3 weeks").is_err());
}

#[test]
fn the_file_url_is_interpolated_only_when_it_is_used() {
    let config = loaded("[database]\nurl = \"postgres://db/${NOT_SET}\"").unwrap();
    let flag = Overrides {
        database: Some("sqlite:x.db".into()),
        ..Overrides::default()
    };
    let s = resolve(Some(&config), flag, &env_with(&[])).unwrap();
    assert_eq!(s.database_source, UrlSource::Flag);
    let s = resolve(
        Some(&config),
        Overrides::default(),
        &env_with(&[("PLOVER_DATABASE_URL", "sqlite:y.db")]),
    )
    .unwrap();
    assert_eq!(s.database_source, UrlSource::PloverDatabaseUrl);
    assert!(resolve(Some(&config), Overrides::default(), &env_with(&[])).is_err());
}

#[test]
fn lock_timeout_and_out_of_order_interpolate_too() {
    let config =
        loaded("[migrations]\nlock_timeout = \"${LT}\"\nout_of_order = \"${OOO:-allow}\"").unwrap();
    let s = resolve(
        Some(&config),
        Overrides::default(),
        &env_with(&[("LT", "5s")]),
    )
    .unwrap();
    assert_eq!(s.options.lock_timeout, Duration::from_secs(5));
    assert_eq!(s.options.out_of_order, OutOfOrder::Allow);
    let env = env_with(&[("LT", "90"), ("OOO", "refuse")]);
    let s = resolve(Some(&config), Overrides::default(), &env).unwrap();
    assert_eq!(s.options.lock_timeout, Duration::from_secs(90));
    assert_eq!(s.options.out_of_order, OutOfOrder::Refuse);
}

#[test]
fn lint_values_interpolate_and_errors_name_the_key() {
    let config = loaded(
        "[lint]\npostgres_version = \"${PG:-14}\"\nignore = [\"${SKIP}\"]\nselect = [\"ban-drop-table\"]",
    )
    .unwrap();
    let env = env_with(&[("SKIP", "require-concurrent-index-creation")]);
    let s = resolve(Some(&config), Overrides::default(), &env).unwrap();
    assert_eq!(s.options.lint.postgres_version, Some(140000));
    assert_eq!(s.options.lint.ignore, ["require-concurrent-index-creation"]);
    assert_eq!(
        s.options.lint.select.as_deref(),
        Some(&["ban-drop-table".to_owned()][..])
    );

    let error = |env: &'static [(&'static str, &'static str)]| {
        resolve(Some(&config), Overrides::default(), &env_with(env))
            .unwrap_err()
            .to_string()
    };
    let unset = error(&[]);
    assert!(
        unset.starts_with("conf/plover.toml: `lint.ignore`: "),
        "{unset}"
    );
    assert!(unset.contains("SKIP"), "{unset}");
    assert_eq!(
        error(&[("SKIP", "no-such-rule")]),
        "conf/plover.toml: `lint.ignore`: no lint rule is called `no-such-rule`; \
         `plover lint --list-rules` lists them"
    );
    assert_eq!(
        error(&[("SKIP", "ban-drop-table"), ("PG", "fifteen")]),
        "conf/plover.toml: `lint.postgres_version`: `fifteen` is not a PostgreSQL version \
         like 15, 15.4 or 150004 (9.0 to 99 are known)"
    );
}

#[test]
fn a_duration_too_long_to_hold_is_refused_not_a_panic() {
    assert_eq!(
        parse_duration("99999999999999999999999h").unwrap_err(),
        "`99999999999999999999999h` is too long a duration"
    );
    let config = loaded("[migrations]\nout_of_order = \"${OOO}\"").unwrap();
    let flag = Overrides {
        out_of_order: Some(OutOfOrder::Allow),
        ..Overrides::default()
    };
    let s = resolve(Some(&config), flag, &env_with(&[])).unwrap();
    assert_eq!(
        s.options.out_of_order,
        OutOfOrder::Allow,
        "the flag wins unread"
    );
}
