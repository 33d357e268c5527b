use crate::helpers::{assert_security_headers, header, spawn_app};

#[tokio::test]
async fn health_reports_ok_version_and_database() {
    let app = spawn_app().await;

    let response = app.get("/api/v1/health").await;

    assert_eq!(response.status(), 200);
    assert_security_headers(&response);
    assert_eq!(header(&response, "cache-control"), "no-store");
    let body: plexward_shared::HealthResponse = response.json().await.expect("health JSON");
    assert_eq!(body.status, plexward_shared::HealthStatus::Ok);
    assert_eq!(body.database, plexward_shared::HealthStatus::Ok);
    assert_eq!(body.scheduler, plexward_shared::HealthStatus::Ok);
    assert_eq!(body.version, env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn the_data_directory_and_database_are_created() {
    let app = spawn_app().await;
    assert_eq!(app.get("/api/v1/health").await.status(), 200);
    let data = app.data_dir.path().join("data");
    assert!(data.join("plexward.db").is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&data)
            .expect("data dir")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o700);
    }
}

#[tokio::test]
async fn an_unusable_data_directory_stops_startup_with_a_reason() {
    let tmp = tempfile::tempdir().expect("tmp");
    let blocker = tmp.path().join("data");
    std::fs::write(&blocker, b"a file, not a directory").expect("write");
    let config = plexward::config::Config {
        port: 0,
        data_dir: blocker,
        ..Default::default()
    };
    let err = plexward::startup::Application::build(&config)
        .await
        .expect_err("refused");
    assert!(format!("{err:#}").contains("not a directory"), "{err:#}");
}

#[tokio::test]
async fn however_often_health_is_asked_its_write_probe_runs_at_most_every_few_seconds() {
    use diesel::prelude::*;
    let app = spawn_app().await;
    let checked_at = || async {
        plexward::db::run(&app.db, |conn| {
            use plexward::db::schema::storage_probe::dsl;
            dsl::storage_probe
                .select(dsl::checked_at)
                .first::<i64>(conn)
                .optional()
        })
        .await
        .expect("read")
    };
    assert_eq!(app.get("/api/v1/health").await.status(), 200);
    let first = checked_at().await.expect("probed once");
    for _ in 0..50 {
        assert_eq!(app.get("/api/v1/health").await.status(), 200);
    }
    assert_eq!(
        checked_at().await,
        Some(first),
        "50 more checks within a second reuse the probe: no write each"
    );
}
