//! The OpenAPI 3 document, generated from the handlers' annotations and the shared models, then
//! completed with what the derive cannot say (`complete`): the answers every operation shares and
//! the real constraints of names, passwords, privileges, hosts and character sets, taken from the
//! validating types themselves. `make fuzz` holds the API to this document.
use crate::state::AppState;
use app::names::{DatabaseName, DbPassword, DbUserName};
use app::privilege::Privilege;
use axum::Json;
use serde_json::{Value, json};
use std::sync::LazyLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(title = "Nobregas MySQL Panel API", version = "1",
        description = "Manage your MySQL/MariaDB databases. Authenticate with `Authorization: Bearer <API key>` \
                       (Profile → API Key). Errors are `{\"error\":{\"code\",\"message\"}}`."),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("nbg_…")
                    .build(),
            ),
        );
    }
}

static DOCUMENT: LazyLock<Value> = LazyLock::new(document_json);

pub async fn document() -> Json<&'static Value> {
    Json(&DOCUMENT)
}

/// The served (and committed) document.
pub fn document_json() -> Value {
    let api = OpenApiRouter::<AppState>::with_openapi(ApiDoc::openapi())
        .nest("/api", super::routes())
        .into_openapi();
    let mut doc = serde_json::to_value(api).expect("the OpenAPI document serializes");
    complete(&mut doc);
    doc
}

/// A customer's prefix as the document spells it: the fuzzer (scripts/fuzz-api.sh) replaces this
/// part of the name patterns with its own account's prefix, since a name with any other prefix is 422.
pub const PREFIX_PATTERN: &str = "[a-z][a-z0-9]{1,15}_";
/// Characters `char::is_control` refuses in passwords and notes (Unicode Cc).
const NO_CONTROL: &str = r"[^\u0000-\u001F\u007F-\u009F]";
/// What Rust's `str::trim` removes around a note (Unicode White_Space).
const TRIMMED: &str = r"[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";
const OCTET: &str = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
/// Character sets every supported server has, with the collations of each that are everywhere.
/// The API accepts any pair the server knows; these are the ones the document promises.
const CHARSETS: [(&str, &[&str]); 4] = [
    (
        "utf8mb4",
        &[
            "utf8mb4_general_ci",
            "utf8mb4_unicode_ci",
            "utf8mb4_unicode_520_ci",
            "utf8mb4_bin",
        ],
    ),
    (
        "latin1",
        &["latin1_swedish_ci", "latin1_general_ci", "latin1_bin"],
    ),
    ("ascii", &["ascii_general_ci", "ascii_bin"]),
    ("binary", &["binary"]),
];

fn complete(doc: &mut Value) {
    let schemas = &mut doc["components"]["schemas"];
    schemas["DatabaseName"] = database_name_schema();
    schemas["DbUserName"] = name_schema(
        DbUserName::MAX_LEN,
        "A database user of your account: `<prefix>_` then lowercase letters, digits and `_`.",
    );
    schemas["DbPassword"] = json!({
        "type": "string", "minLength": DbPassword::MIN, "maxLength": DbPassword::MAX,
        "pattern": format!("^{NO_CONTROL}*$"),
        "description": "A database user's password: 12–128 characters, no control characters.",
    });
    let privileges: Vec<&str> = ["ALL", "ALL PRIVILEGES"]
        .into_iter()
        .chain(Privilege::ALL.map(Privilege::sql))
        .collect();
    schemas["Privilege"] = json!({
        "type": "string",
        "enum": privileges,
        "description": "A database-level privilege (case and spacing do not matter); `ALL` is every one of them.",
    });
    schemas["HostPattern"] = host_schema();
    set(schemas, "CreateDatabase", "name", reference("DatabaseName"));
    set(schemas, "CreateUser", "name", reference("DbUserName"));
    set(
        schemas,
        "CreateUser",
        "password",
        json!({"oneOf": [reference("DbPassword"), {"type": "null"}],
        "description": "Omit it (or null) and a strong password is generated and returned once."}),
    );
    set(schemas, "SetPassword", "password", reference("DbPassword"));
    set(
        schemas,
        "SetPrivileges",
        "privileges",
        json!({"type": "array", "minItems": 1, "items": reference("Privilege")}),
    );
    set(
        schemas,
        "NewWhitelistEntry",
        "host",
        reference("HostPattern"),
    );
    set(
        schemas,
        "NewWhitelistEntry",
        "note",
        json!({"type": ["string", "null"],
        "pattern": format!("^{TRIMMED}*{NO_CONTROL}{{0,200}}{TRIMMED}*$"),
        "description": "At most 200 characters (surrounding whitespace is dropped), no control characters."}),
    );
    set(
        schemas,
        "RestoreRequest",
        "database",
        reference("DatabaseName"),
    );
    set(
        schemas,
        "PointInTimeRestore",
        "database",
        json!({"oneOf": [reference("DatabaseName"), {"type": "null"}],
        "description": "Where to restore: a new database by default (`<name>_<yyyymmddhhmmss>`); the database itself only with `confirm` set to its name."}),
    );
    set(
        schemas,
        "PointInTimeRestore",
        "at",
        json!({"type": "string", "format": "date-time", "example": "2026-12-04T10:15:30Z",
        "description": "RFC 3339; the changes of that second are included. A second still to come, or one the archive does not reach, is 409 `point_in_time_unavailable`."}),
    );
    set(
        schemas,
        "ChangePassword",
        "new_password",
        json!({"type": "string",
        "minLength": app::validate::Password::MIN, "maxLength": app::validate::Password::MAX,
        "description": "The new panel password: 8–128 characters."}),
    );
    schemas["ScheduleRequest"]["example"] = json!({"time_utc": "03:00", "keep": 7});
    charsets(&mut schemas["CreateDatabase"]);
    for request in ["QueryRequest", "ExportRequest"] {
        // Whitespace alone is no statement (422).
        // Rust's `trim` (White_Space), not the regex engine's `\S`: NEL (U+0085) alone is empty too.
        let not_blank = TRIMMED.replacen('[', "[^", 1);
        set(
            schemas,
            request,
            "sql",
            json!({"type": "string", "minLength": 1, "maxLength": app::query::MAX_SQL_CHARS, "pattern": not_blank,
            "description": "SQL text; several statements are separated by `;`."}),
        );
    }
    // Examples: schemathesis' coverage phase builds its valid cases from them (without one it sent a
    // bare `0` as a "valid" export body).
    // Cells are any JSON value (number, string, null), not objects.
    set(
        schemas,
        "StatementResult",
        "rows",
        json!({"type": "array", "items": {"type": "array", "items": {}},
        "description": "One array per row, one value per column: numbers, strings (DECIMAL, big integers, dates, text, base64) or null."}),
    );
    schemas["QueryRequest"]["example"] =
        json!({"sql": "SELECT 1 AS one", "max_rows": 100, "timeout_ms": 5000});
    schemas["ExportRequest"]["example"] = json!({"sql": "SELECT 1 AS one", "format": "csv"});
    // Spelled out where it is used: schemathesis' coverage phase took a bare `0` body as valid
    // while the enum was only a reference.
    set(
        schemas,
        "ExportRequest",
        "format",
        json!({"type": "string", "enum": ["csv", "ndjson"],
        "description": "csv: RFC 4180 with a header row; ndjson: the column names, then one JSON array per row."}),
    );
    if let Some(ok) = doc["paths"]["/api/databases/{name}/query/export"]["post"]["responses"]["200"]
        ["content"]
        .as_object_mut()
    {
        let csv = ok.get("text/csv").cloned().unwrap_or_else(|| json!({}));
        ok.insert("application/x-ndjson".into(), csv);
    }
    for (path, item) in doc["paths"].as_object_mut().into_iter().flatten() {
        for (method, operation) in item.as_object_mut().into_iter().flatten() {
            constrain_path_parameters(path, operation);
            add_shared_responses(operation);
            // What `api_limit` pauses while the operator moves the account between servers.
            if method != "get" && !path.ends_with("/cancel") {
                operation["responses"]["423"] =
                    json!({"$ref": "#/components/responses/AccountMoving"});
            }
            camel_case_links(operation);
        }
    }
    doc["components"]["responses"] = shared_responses();
}

fn name_schema(max_len: usize, description: &str) -> Value {
    json!({"type": "string", "maxLength": max_len, "pattern": format!("^{PREFIX_PATTERN}[a-z0-9_]+$"),
        "description": format!("{description} At most {max_len} characters, prefix included.")})
}

/// Grants name a database by a pattern in which every `_` is escaped (`\_`), and that pattern must fit
/// MySQL's 64 characters: the name's length plus its number of `_` is at most 64. A regex cannot
/// count that, so the schema is a union: exact for names with up to four `_` (the prefix's one and up
/// to three more), and any name of at most 32 characters; longer names with more `_` are refused with 422.
fn database_name_schema() -> Value {
    let budget = DatabaseName::MAX_LEN;
    let mut alternatives =
        vec![json!({"pattern": format!("^{PREFIX_PATTERN}[a-z0-9]+$"), "maxLength": budget - 1})];
    for more in 1..=3 {
        alternatives.push(json!({
            "pattern": format!("^{PREFIX_PATTERN}[a-z0-9]*(?:_[a-z0-9]*){{1,{more}}}$"),
            "maxLength": budget - 1 - more,
        }));
    }
    alternatives
        .push(json!({"pattern": format!("^{PREFIX_PATTERN}[a-z0-9_]+$"), "maxLength": budget / 2}));
    json!({
        "type": "string",
        "anyOf": alternatives,
        "description": "A database of your account: `<prefix>_` then lowercase letters, digits and `_`; \
                        its length plus its number of `_` is at most 64 (the escaped grant pattern must fit \
                        MySQL's limit), so `acme_` plus 58 letters or digits at most.",
    })
}

/// `%`, an IPv4 or IPv6 address, or an IPv4 network. The API takes any prefix length 1–32 whose host
/// bits are zero; the pattern (a regex cannot do that arithmetic) promises the octet-aligned ones.
fn host_schema() -> Value {
    let o = OCTET;
    let networks = format!(
        r"^(?:{o}\.0\.0\.0/8|{o}\.{o}\.0\.0/16|{o}\.{o}\.{o}\.0/24|{o}\.{o}\.{o}\.{o}/32)$"
    );
    json!({
        "description": "`%` (any host), an IPv4 address (`203.0.113.5`), an IPv6 address, or an IPv4 network \
                        (`203.0.113.0/24`; any prefix length 1–32 with the host bits zero).",
        "anyOf": [
            {"type": "string", "const": "%"},
            {"type": "string", "format": "ipv4"},
            {"type": "string", "format": "ipv6"},
            {"type": "string", "pattern": networks},
        ],
    })
}

/// A collation must belong to the character set: each alternative pairs them.
fn charsets(create_database: &mut Value) {
    let mut names = vec![Value::Null, json!("")];
    names.extend(CHARSETS.iter().map(|(name, _)| json!(name)));
    create_database["properties"]["charset"] = json!({"type": ["string", "null"], "enum": names,
        "description": "Default (null or empty) `utf8mb4`. Any character set of the server is accepted \
                        (SHOW CHARACTER SET); these are on every supported server."});
    create_database["properties"]["collation"] = json!({"type": ["string", "null"],
        "description": "Default (null or empty): the server's default collation of the character set. \
                        It must be a collation of that character set (SHOW COLLATION), else 422."});
    let mut alternatives = vec![json!({"properties": {"collation": {"enum": [null, ""]}}})];
    for (charset, collations) in CHARSETS {
        alternatives.push(if charset == "utf8mb4" {
            json!({"properties": {"charset": {"enum": [null, "", "utf8mb4"]}, "collation": {"enum": collations}}})
        } else {
            json!({"required": ["charset"], "properties": {"charset": {"const": charset}, "collation": {"enum": collations}}})
        });
    }
    create_database["anyOf"] = Value::Array(alternatives);
}

fn set(schemas: &mut Value, schema: &str, property: &str, value: Value) {
    debug_assert!(
        schemas[schema]["properties"][property].is_object(),
        "{schema}.{property} is not in the document"
    );
    schemas[schema]["properties"][property] = value;
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// Names in URLs follow the same rules as in bodies (any other name is 404).
fn constrain_path_parameters(path: &str, operation: &mut Value) {
    for parameter in operation
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        let schema = match (
            parameter["name"].as_str(),
            path.starts_with("/api/databases/"),
        ) {
            (Some("database"), _) | (Some("name"), true) => "DatabaseName",
            (Some("user"), _) | (Some("name"), false) => "DbUserName",
            (Some("id"), _) if path.starts_with("/api/queries/") => {
                parameter["schema"] = json!({"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"});
                continue;
            }
            _ => continue,
        };
        parameter["schema"] = reference(schema);
    }
}

/// Every operation needs a key and may be rate limited or find MySQL down; every body may be
/// malformed; a key sent over plain HTTP from another machine is refused.
fn add_shared_responses(operation: &mut Value) {
    if let Some(own) = operation["responses"]
        .get_mut("403")
        .and_then(|r| r.get_mut("description"))
    {
        // An operation's own 403 keeps its meaning; https_required can happen as well.
        if let Some(text) = own.as_str().filter(|text| !text.contains("https_required")) {
            *own = Value::from(format!(
                "{text}; or https_required: credentials sent over plain HTTP from another machine; \
                 or account_suspended: the operator suspended the account"
            ));
        }
    }
    let mut shared = vec![
        ("401", "Unauthorized"),
        ("403", "HttpsRequired"),
        ("429", "RateLimited"),
        ("503", "Unavailable"),
    ];
    if operation.get("requestBody").is_some() {
        shared.push(("400", "BadRequest"));
        shared.push(("413", "PayloadTooLarge"));
    }
    for (status, name) in shared {
        // An operation's own answer for the status (a query's 400 `sql_error`) says more.
        if operation["responses"].get(status).is_none() {
            operation["responses"][status] =
                json!({"$ref": format!("#/components/responses/{name}")});
        }
    }
}

/// utoipa 5.5 writes a link's fields in snake_case; OpenAPI spells them in camelCase.
fn camel_case_links(operation: &mut Value) {
    let responses = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut);
    let links = responses
        .into_iter()
        .flat_map(|r| r.values_mut())
        .filter_map(|r| r.get_mut("links")?.as_object_mut());
    for link in links
        .flat_map(|links| links.values_mut())
        .filter_map(Value::as_object_mut)
    {
        for (snake, camel) in [
            ("operation_id", "operationId"),
            ("operation_ref", "operationRef"),
            ("request_body", "requestBody"),
        ] {
            if let Some(value) = link.remove(snake) {
                link.insert(camel.to_owned(), value);
            }
        }
    }
}

fn shared_responses() -> Value {
    let error = json!({"application/json": {"schema": reference("ErrorBody")}});
    json!({
        "BadRequest": {"description": "The body is not JSON, or not sent as application/json", "content": error},
        "Unauthorized": {
            "description": "No key, or an unknown or malformed one",
            "headers": {"WWW-Authenticate": {"required": true, "schema": {"type": "string"}}},
            "content": error,
        },
        "RateLimited": {
            "description": "Too many requests with this key; retry after the given number of seconds",
            "headers": {"Retry-After": {"required": true, "schema": {"type": "integer", "minimum": 1}}},
            "content": error,
        },
        "Unavailable": {"description": "MySQL (or the panel's store) is not answering; retry shortly", "content": error},
        "HttpsRequired": {
            "description": "https_required: the key (or a session cookie) was sent over plain HTTP from another machine. \
                            Nothing changed; regenerate the key, it crossed the network unencrypted, and use https://. \
                            Or account_suspended: the operator suspended the account (the message says why); only \
                            GET /account, GET /audit, the backups' GETs, the password and the sessions still answer",
            "content": error,
        },
        "AccountMoving": {
            "description": "account_moving: the operator is moving the account to another database server; \
                            changes wait until it has finished (reads work meanwhile). Retry in a few minutes",
            "content": error,
        },
        "PayloadTooLarge": {"description": "The request body is larger than the panel accepts (1 MiB by default)", "content": error},
    })
}

#[cfg(test)]
mod tests {
    use super::document_json;

    /// docs/openapi.json is the committed copy customers read; it must equal what the server serves.
    #[test]
    fn the_committed_spec_matches_the_served_one() {
        let generated = serde_json::to_string_pretty(&document_json()).unwrap() + "\n";
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            std::fs::write(path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == generated,
            "docs/openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test -p server --lib openapi`"
        );
    }

    #[test]
    fn operation_ids_are_unique() {
        let doc = document_json();
        let mut ids: Vec<&str> = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .filter_map(|operation| operation["operationId"].as_str())
            .collect();
        let count = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), count, "duplicate operationId");
    }
}
