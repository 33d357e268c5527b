//! Every operation of the OpenAPI document refuses a query parameter it does not take (400
//! `invalid_query` naming it) and changes nothing: the whole database is the same before and
//! after. Each call carries the operation's own example body, so without the stray parameter it
//! would act; a `dryrun` typo where `dry_run` exists gets "did you mean".

use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use plex_sim::Seed;
use reqwest::Method;
use serde_json::Value;

use crate::access::{Synced, synced_with};
use crate::helpers::TestApp;

async fn synced() -> Synced {
    synced_with(Seed::default(), plexward::clock::system(), |_| {}).await
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Dump {
    #[diesel(sql_type = Nullable<Text>)]
    rows: Option<String>,
}

/// Every row of every table, as text (SQLite's `quote` of each column, in rowid order).
async fn snapshot(app: &TestApp) -> Vec<(String, Option<String>)> {
    plexward::db::run(&app.db, |conn| {
        let tables: Vec<Name> = diesel::sql_query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             ORDER BY name",
        )
        .load(conn)?;
        let mut out = Vec::new();
        for table in tables {
            let columns: Vec<Name> = diesel::sql_query(format!(
                "SELECT name FROM pragma_table_info('{}')",
                table.name
            ))
            .load(conn)?;
            let row = columns
                .iter()
                .map(|c| format!("quote(\"{}\")", c.name))
                .collect::<Vec<_>>()
                .join(" || ',' || ");
            let dump: Dump = diesel::sql_query(format!(
                "SELECT group_concat({row}, '\n') AS rows FROM (SELECT * FROM \"{}\" ORDER BY 1)",
                table.name
            ))
            .get_result(conn)?;
            out.push((table.name, dump.rows));
        }
        Ok(out)
    })
    .await
    .expect("snapshot")
}

fn operations(doc: &Value) -> Vec<(Method, String, Option<Value>, Vec<String>)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("item") {
            let method = match method.as_str() {
                "get" => Method::GET,
                "put" => Method::PUT,
                "post" => Method::POST,
                "delete" => Method::DELETE,
                "patch" => Method::PATCH,
                _ => continue,
            };
            let body = operation["requestBody"]["content"]["application/json"]["example"].clone();
            let query: Vec<String> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .map(|p| p["name"].as_str().expect("name").to_owned())
                .collect();
            out.push((
                method,
                path.clone(),
                (!body.is_null()).then_some(body),
                query,
            ));
        }
    }
    out
}

#[tokio::test]
async fn every_operation_refuses_an_unknown_query_parameter_and_changes_nothing() {
    let t = synced().await;
    let app = &t.app;
    let admin = app.token_for("walker", "admin").await;
    let doc: Value = app
        .get("/api/v1/openapi.json")
        .await
        .json()
        .await
        .expect("document");
    let (_, friends) = app
        .call(Method::GET, "/api/v1/plex-users", &admin, None)
        .await;
    let friend_id = friends["items"][0]["id"].as_i64().expect("a friend");

    let before = snapshot(app).await;
    let operations = operations(&doc);
    assert!(operations.len() >= 40, "{} operations", operations.len());
    for (method, template, body, query) in &operations {
        let path = template
            .replace("{id}", &friend_id.to_string())
            .replace("{name}", "app");
        let stray = if query.iter().any(|q| q == "dry_run") {
            "dryrun"
        } else {
            "plexward_unknown"
        };
        let mut request = app.bearer(method.clone(), &format!("{path}?{stray}=true"), &admin);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("sent");
        let status = response.status().as_u16();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 400, "{method} {template}: {answer}");
        assert_eq!(
            answer["error"]["code"], "invalid_query",
            "{method} {template}"
        );
        let why = answer["error"]["fields"][stray]
            .as_str()
            .unwrap_or_default();
        assert!(
            why.starts_with("unknown parameter"),
            "{method} {template}: {answer}"
        );
        if stray == "dryrun" {
            assert!(why.contains("`dry_run`"), "{method} {template}: {why}");
        }
    }
    assert_eq!(
        snapshot(app).await,
        before,
        "a refused call changed the database"
    );

    // The snapshot sees a change: the same kind of call without the stray parameter acts.
    let (status, _) = app
        .call(
            Method::PUT,
            "/api/v1/scheduler",
            &admin,
            Some(serde_json::json!({"mode": "interval", "interval_minutes": 45})),
        )
        .await;
    assert_eq!(status, 200);
    assert_ne!(snapshot(app).await, before);
}

#[tokio::test]
async fn dry_run_in_the_query_and_the_body_must_agree() {
    let t = synced().await;
    let (app, token) = (&t.app, t.token.clone());
    let (_, friends) = app
        .call(Method::GET, "/api/v1/plex-users", &token, None)
        .await;
    let id = friends["items"][0]["id"].as_i64().expect("a friend");
    let before = snapshot(app).await;

    // Bulk with the query alone is a dry run (it was real before).
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/plex-users/bulk?dry_run=true",
            &token,
            Some(serde_json::json!({"friend_ids": [id], "action": {"kind": "revoke"}})),
        )
        .await;
    assert_eq!(
        (status, &body["dry_run"]),
        (200, &Value::Bool(true)),
        "{body}"
    );
    assert!(body["job_id"].is_null());

    // Extend with the body alone is a dry run too.
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/plex-users/{id}/extend"),
            &token,
            Some(serde_json::json!({"period": "P10D", "dry_run": true})),
        )
        .await;
    assert_eq!(
        (status, &body["dry_run"]),
        (200, &Value::Bool(true)),
        "{body}"
    );

    // Saying both ways at once is refused, whichever way round.
    for (query, body_says) in [("true", false), ("false", true)] {
        let (status, body) = app
            .call(
                Method::PUT,
                &format!("/api/v1/plex-users/{id}/grants?dry_run={query}"),
                &token,
                Some(serde_json::json!({"grants": [], "dry_run": body_says})),
            )
            .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["code"], "invalid_query");
        assert!(body["error"]["fields"]["dry_run"].is_string(), "{body}");
    }
    assert_eq!(
        snapshot(app).await,
        before,
        "a dry run or a refusal changed something"
    );

    // Agreeing is fine, and a real change says so.
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/plex-users/{id}/extend?dry_run=false"),
            &token,
            Some(serde_json::json!({"period": "week", "dry_run": false})),
        )
        .await;
    assert_eq!(
        (status, &body["dry_run"]),
        (200, &Value::Bool(false)),
        "{body}"
    );
}

#[tokio::test]
async fn a_bad_query_value_is_a_400_naming_the_parameter() {
    let t = synced().await;
    let (app, token) = (&t.app, t.token.clone());
    for (path, field) in [
        ("/api/v1/plex-users?status=asleep", "status"),
        ("/api/v1/plex-users?limit=ten", "limit"),
        ("/api/v1/summary?upcoming_days=0", "upcoming_days"),
        ("/api/v1/audit?limit=-1", "limit"),
    ] {
        let (status, body) = app.call(Method::GET, path, &token, None).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error"]["code"], "invalid_query", "{path}");
        assert!(body["error"]["fields"][field].is_string(), "{path}: {body}");
    }
}
