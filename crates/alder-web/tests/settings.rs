//! Settings: defaults < alder.toml < environment.
#![allow(clippy::result_large_err)] // figment::Jail decides the closure type

use alder_web::Settings;
use figment::Jail;

#[test]
fn file_then_environment_override_the_defaults() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "alder.toml",
            "debug = true\nmax_body_size = 10\nstatic_url = \"/assets/\"\n[blog]\npage_size = 25\n",
        )?;
        jail.set_env("ALDER_MAX_BODY_SIZE", "20");
        jail.set_env("SECRET_KEY", "from-the-environment");
        jail.set_env("DATABASE_URL", "postgres://u:p@localhost/db");
        let s = Settings::from_env().expect("settings load");
        assert!(s.debug);
        assert_eq!(s.max_body_size, 20);
        assert_eq!(s.static_url, "/assets/");
        assert_eq!(s.secret_key, "from-the-environment");
        assert_eq!(
            s.database_url.as_deref(),
            Some("postgres://u:p@localhost/db")
        );
        assert_eq!(s.custom::<u32>("blog.page_size").unwrap(), Some(25));
        jail.set_env("ALDER_BLOG__PAGE_SIZE", "50");
        let s = Settings::from_env().expect("settings load");
        assert_eq!(s.custom::<u32>("blog.page_size").unwrap(), Some(50));
        assert!(s.custom::<String>("blog.page_size").is_err());
        Ok(())
    });
}

#[test]
fn debug_is_off_unless_set_and_bad_values_are_named() {
    Jail::expect_with(|jail| {
        assert!(!Settings::from_env().unwrap().debug);
        jail.set_env("ALDER_MAX_BODY_SIZE", "lots");
        let err = Settings::from_env().unwrap_err().to_string();
        assert!(
            err.to_lowercase().contains("max_body_size") && err.contains("ALDER_"),
            "{err}"
        );
        Ok(())
    });
}

#[test]
fn a_malformed_settings_file_is_a_clear_error() {
    Jail::expect_with(|jail| {
        jail.create_file("alder.toml", "debug = \n")?;
        let err = Settings::from_env().unwrap_err().to_string();
        assert!(err.contains("alder.toml"), "{err}");
        Ok(())
    });
}

#[test]
fn static_url_must_be_slash_delimited() {
    let mut s = Settings::debug();
    s.static_url = "static".into();
    assert!(s
        .validate()
        .unwrap_err()
        .to_string()
        .contains("static_url must start and end with `/`"));
}

#[test]
fn a_settings_file_named_but_missing_is_an_error() {
    Jail::expect_with(|jail| {
        jail.set_env("ALDER_SETTINGS", "prod.toml");
        let err = Settings::from_env().unwrap_err().to_string();
        assert!(
            err.contains("ALDER_SETTINGS names `prod.toml`, which is not a file"),
            "{err}"
        );
        Ok(())
    });
}

#[test]
fn zero_timeouts_and_absurd_limits_are_config_errors_at_start_up() {
    type Breaker = fn(&mut Settings);
    let cases: [(&str, Breaker); 6] = [
        ("header_read_timeout", |s| s.header_read_timeout = 0),
        ("idle_timeout", |s| s.idle_timeout = 0),
        ("max_connections", |s| s.max_connections = 0),
        ("max_connections", |s| s.max_connections = usize::MAX),
        ("max_requests_in_flight", |s| s.max_requests_in_flight = 0),
        ("max_header_bytes", |s| s.max_header_bytes = 100),
    ];
    for (name, break_it) in cases {
        let mut settings = Settings::debug();
        break_it(&mut settings);
        let err = alder_web::Project::new(settings)
            .build()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("setting `{name}` is")) && err.contains("must be between"),
            "{name}: {err}"
        );
    }
    assert!(Settings::debug().validate().is_ok());
}

#[test]
fn production_without_allowed_hosts_or_with_a_malformed_one_refuses_to_start() {
    let mut settings = Settings::default();
    settings.secret_key = "k".repeat(50);
    let err = alder_web::Project::new(settings.clone())
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no allowed_hosts") && err.contains("ALDER_ALLOWED_HOSTS"),
        "{err}"
    );
    settings.allowed_hosts = vec!["https://example.com".into()];
    let err = alder_web::Project::new(settings)
        .build()
        .unwrap_err()
        .to_string();
    assert!(err.contains("is not a host name"), "{err}");
}

#[test]
fn allowed_hosts_come_from_the_environment_as_a_list() {
    Jail::expect_with(|jail| {
        jail.set_env(
            "ALDER_ALLOWED_HOSTS",
            "[127.0.0.1, localhost, .example.com]",
        );
        let settings = Settings::from_env().unwrap();
        assert_eq!(
            settings.allowed_hosts,
            ["127.0.0.1", "localhost", ".example.com"]
        );
        Ok(())
    });
}
