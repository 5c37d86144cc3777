//! The OpenAPI 3 document, generated from the handlers' annotations and the shared models.
use app::activity::{AuditEvent, AuditPage};
use app::error::{ErrorBody, ErrorDetail};
use app::model::{
    Account, ApiKeyInfo, CreateDatabase, CreateUser, CreatedUser, Database, DatabaseDetail, DatabaseList,
    DatabasePrivileges, DbUser, Grant, NewWhitelistEntry, SetPassword, SetPrivileges, TableInfo, UserList,
    UserPrivileges, Whitelist, WhitelistEntry,
};
use axum::Json;
use std::sync::LazyLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Nobregas MySQL Panel API", version = "1",
        description = "Manage your MySQL/MariaDB databases. Authenticate with `Authorization: Bearer <API key>` \
                       (Profile → API Key). Errors are `{\"error\":{\"code\",\"message\"}}`."),
    paths(
        super::account::show,
        super::audit::list,
        super::databases::list, super::databases::create, super::databases::show, super::databases::delete,
        super::users::list, super::users::create, super::users::set_password, super::users::delete,
        super::users::set_privileges, super::users::revoke_privileges,
        super::whitelist::list, super::whitelist::add, super::whitelist::remove,
    ),
    components(schemas(
        Account, ApiKeyInfo, Database, DatabaseList, DatabaseDetail, TableInfo, UserPrivileges, CreateDatabase,
        UserList, DbUser, DatabasePrivileges, CreateUser, CreatedUser, SetPassword, SetPrivileges, Grant,
        Whitelist, WhitelistEntry, NewWhitelistEntry, ErrorBody, ErrorDetail, AuditPage, AuditEvent,
    )),
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
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("nbg_…").build()),
        );
    }
}

static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(ApiDoc::openapi);

pub async fn document() -> Json<&'static utoipa::openapi::OpenApi> {
    Json(&DOCUMENT)
}

#[cfg(test)]
mod tests {
    use super::ApiDoc;
    use utoipa::OpenApi;

    /// docs/openapi.json is the committed copy customers read; it must equal what the server serves.
    #[test]
    fn the_committed_spec_matches_the_served_one() {
        let generated = ApiDoc::openapi().to_pretty_json().unwrap() + "\n";
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            std::fs::write(path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(committed == generated, "docs/openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test -p server --lib openapi`");
    }
}
